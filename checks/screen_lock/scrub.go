package screenlock

import (
	"bytes"
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// gsReadKeys are, per schema the check lists, the keys it reads.
var gsReadKeys = func() map[string][]string {
	m := map[string][]string{}
	for _, fam := range gsFamilies {
		m[fam.saverSchema] = []string{gsLockEnabled, gsIdleActivation, gsLockDelay, gsLockOnSuspend}
		m[fam.sessionSchema] = []string{gsIdleDelay}
	}
	return m
}()

// scrub keeps, of what an evidence bundle records for this check, only
// what it reads where the rest can name or describe the person at the
// screen:
//   - `gsettings list-recursively` of a screensaver or session schema:
//     the lock and idle keys. The rest holds the lock screen's picture-uri
//     (a picture under the user's home names their account, and the
//     picture itself), Cinnamon's default away message, logout and
//     keyboard commands.
//   - kscreenlockerrc: the [Daemon] group. [Greeter] holds the lock
//     screen's wallpaper (Image=file:///home/<account>/Pictures/…).
//   - ~/.xscreensaver: the timeout, lock, lockTimeout and mode lines. The
//     file's first comment names the account it was written for, and
//     imageDirectory, textFile, textURL and the programs list can point
//     into the home folder or at a person's feed.
//   - gnome-session's idle inhibitors' reasons (gdbus … GetReason): kept
//     only when they name a keep-awake tool. An app may put what it plays
//     or shows there.
//   - `pmset -g assertions`: the levels and each assertion's process and
//     type, without the names, details and messages apps give them.
//   - `powercfg /requests`: the headings and the DISPLAY requests, a
//     process by its program file's name (its folder can be in a
//     person's home), without the reasons and the other requests.
//   - `xset q`: its Screen Saver section. Its Font Path can name folders
//     in the home folder.
//   - the dconf system databases' keyfiles (/etc/dconf/db/<db>.d/*, not
//     their locks): the keys under the screensaver, session and lockdown
//     paths, the only ones readGSettings takes from them (a locked one is
//     named in the facts, so all of them stay). The rest is
//     whatever an administrator set for everyone, a proxy's password
//     (org/gnome/system/proxy/http authentication-password) included.
//
// What is kept reads to the same result. Anything else is returned
// unchanged; out is never modified.
func scrub(name string, args []string, out []byte) []byte {
	switch base := path.Base(name); {
	case args == nil && base == xscreensaverUserFile:
		return keepLines(out, func(line string) bool {
			k, _, ok := xsEntry(line)
			return ok && slices.Contains(xsKeys, k)
		})
	case args == nil && base == path.Base(kdeSystemFile):
		return scrubKDE(out)
	case base == "xset" && slices.Equal(args, []string{"q"}):
		return scrubXsetQ(out)
	case args == nil && isDconfKeyfile(name):
		return scrubDconfKeyfile(out)
	case evidence.CommandBase(name) == "powercfg" && slices.Equal(args, []string{"/requests"}):
		return scrubPowercfgRequests(out)
	case base == "pmset" && slices.Equal(args, []string{"-g", "assertions"}):
		return scrubPmsetAssertions(out)
	case base == "gdbus" && len(args) > 0 && args[len(args)-1] == gsmInhibitor+".GetReason":
		return scrubInhibitorReason(out)
	case base == "gdbus" && len(args) > 0 && args[len(args)-1] == "ActiveInhibitions":
		return scrubKDEInhibitions(out, 4)
	case base == "gdbus" && len(args) > 0 && args[len(args)-1] == kdePolicyAgent+".ListInhibitions":
		return scrubKDEInhibitions(out, 2)
	case base == "gsettings" && len(args) == 2 && args[0] == "list-recursively":
		if keys, ok := gsReadKeys[args[1]]; ok {
			return gsettings.ScrubList(out, args[1], func(k string) bool { return slices.Contains(keys, k) })
		}
	}
	return out
}

// scrubInhibitorReason keeps an idle inhibitor's reason only when it names
// a keep-awake tool (classifyHold reads nothing else of it); any other is
// emptied: an app may put what it plays or shows there.
func scrubInhibitorReason(out []byte) []byte {
	reason, ok := parseGVariantString(string(out))
	if !ok {
		return out
	}
	if h := classifyHold("", reason); h.Kind == holdKeepAwake {
		return out
	}
	return []byte("('',)\n")
}

// scrubKDEInhibitions rewrites PowerDevil's list of inhibitions (each
// entry n strings, the reason last but one for ActiveInhibitions' what,
// who, why, mode, last for ListInhibitions' who, why) with only what
// readKDEInhibitors reads: a reason is kept only when it names a
// keep-awake tool, as for gnome-session's.
func scrubKDEInhibitions(out []byte, n int) []byte {
	s := gvariantStrings(string(out))
	if len(s) == 0 {
		return out
	}
	why := n - 1
	if n == 4 {
		why = 2
	}
	var b strings.Builder
	b.WriteString("([")
	for i := 0; i+n-1 < len(s); i += n {
		if i > 0 {
			b.WriteString(", ")
		}
		if classifyHold("", s[i+why]).Kind != holdKeepAwake {
			s[i+why] = ""
		}
		quoted := make([]string, n)
		for j := range n {
			quoted[j] = gvariantQuote(s[i+j])
		}
		b.WriteString("(" + strings.Join(quoted, ", ") + ")")
	}
	b.WriteString("],)\n")
	return []byte(b.String())
}

// gvariantQuote quotes a string as GLib's text format does, in single
// quotes with the quote and backslashes escaped.
func gvariantQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// scrubKDE keeps a kscreenlockerrc's [Daemon] group, which is all
// parseKDEConfig reads: its header (with any [$i]), its lines, and a
// file-wide [$i] on the first line.
func scrubKDE(out []byte) []byte {
	in := false
	first := true
	return keepLines(out, func(line string) bool {
		line = strings.TrimSpace(line)
		wasFirst := first
		first = false
		if !strings.HasPrefix(line, "[") {
			return in && line != "" && !strings.HasPrefix(line, "#")
		}
		if line == "[$i]" && wasFirst {
			return true
		}
		name, _, _ := strings.Cut(line, "]")
		in = strings.TrimPrefix(name, "[") == kdeDaemonGroup
		return in
	})
}

// isDconfKeyfile: name is a keyfile of a dconf system database,
// /etc/dconf/db/<db>.d/<file>.
func isDconfKeyfile(name string) bool {
	dir, _ := path.Split(name)
	parent, db := path.Split(strings.TrimSuffix(dir, "/"))
	return path.Clean(parent) == dconfDBDir && strings.HasSuffix(db, ".d")
}

// dconfPathsRead are the dconf paths readGSettings takes locked values
// from.
var dconfPathsRead = func() []string {
	var paths []string
	for _, fam := range gsFamilies {
		paths = append(paths, fam.saverPath, fam.sessionPath, fam.lockdownPath)
	}
	return paths
}()

// scrubDconfKeyfile keeps the lines of a dconf keyfile whose keys, as
// parseDconfKeyfile names them, are under dconfPathsRead, each after
// its group's header.
func scrubDconfKeyfile(out []byte) []byte {
	var kept bytes.Buffer
	group, header, written := "", "", false
	for line := range strings.Lines(string(out)) {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";"):
		case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
			group, header, written = strings.Trim(strings.TrimSpace(t[1:len(t)-1]), "/"), line, false
		default:
			k, _, ok := strings.Cut(t, "=")
			key := "/" + group + "/" + strings.TrimSpace(k)
			if !ok || group == "" || !slices.ContainsFunc(dconfPathsRead, func(p string) bool { return strings.HasPrefix(key, p) }) {
				continue
			}
			if !written {
				kept.WriteString(header)
				written = true
			}
			kept.WriteString(line)
		}
	}
	return kept.Bytes()
}

// scrubXsetQ keeps the Screen Saver section of `xset q`, which is all
// parseXsetScreenSaver reads; output without one (an error) stays whole.
func scrubXsetQ(out []byte) []byte {
	if !bytes.Contains(out, []byte("Screen Saver:")) {
		return out
	}
	in := false
	return keepLines(out, func(line string) bool {
		if strings.HasPrefix(line, "Screen Saver:") {
			in = true
		} else if len(line) > 0 && line[0] != ' ' {
			in = false
		}
		return in
	})
}

// keepLines is out with only the lines keep reports true.
func keepLines(out []byte, keep func(line string) bool) []byte {
	var kept bytes.Buffer
	for line := range strings.Lines(string(out)) {
		if keep(line) {
			kept.WriteString(line)
		}
	}
	return kept.Bytes()
}
