package antivirus

import (
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// ClamAV's on-access scanner (clamonacc) watches what its configuration
// and command line name, and the person's files are scanned only if their
// folder is among it. How clamonacc 1.4 behaves, tried on this project's
// Debian 12 machine with a real clamd and clamonacc and a test signature
// (a file read by another account was blocked, or logged as found, or
// neither):
//   - OnAccessIncludePath (and a -W/--watch-list file's lines) watches the
//     folder and everything below it, across mounts, while dynamic
//     directory determination is on (the default); with
//     OnAccessDisableDDD yes only the files directly in it. "/" is refused
//     with DDD on ("Not watching path '/' while DDD is enabled") while
//     clamonacc goes on running.
//   - OnAccessExcludePath (and -e/--exclude-list) drops a folder and what
//     is below it from the included folders, compared as written: "/a/b/"
//     or "/a//b" exclude nothing under /a/b. It does not apply to mount
//     watches.
//   - OnAccessMountPath watches the whole filesystem the path is on
//     (reported, never blocked), but not filesystems mounted inside it.
//     With any OnAccessMountPath, OnAccessIncludePath and -W lists are
//     not watched at all (read in clamonacc/fanotif/fanotif.c, 1.0 to
//     1.5: the include paths are marked, or DDD started, only without
//     one).
//   - OnAccessExcludeUname and OnAccessExcludeUID skip every file an
//     account opens, under include and mount watches alike (a uid of 0 on
//     any line turns OnAccessExcludeUID off).

// onAccessSettings is what clamonacc is told to watch.
type onAccessSettings struct {
	Include, Mount, Exclude []string
	DisableDDD              bool
	ExcludeUIDs             []string
	ExcludeUnames           []string
}

// onAccessSubject is whose files the judgement is about: the person at
// the screen (Home, and their account to match the exclusions), or with
// nobody signed in the folder people's homes are in (Home "/home",
// Account false).
type onAccessSubject struct {
	Home      string
	UID, Name string
	Account   bool
}

// Gaps: why the subject's folder is not watched whole.
const (
	gapNone            = ""
	gapAccountExcluded = "account_excluded" // the person's account is skipped
	gapExcluded        = "excluded"         // the folder (or one above it) is excluded
	gapExcludedInside  = "excluded_inside"  // a folder inside it is excluded
	gapTopOnly         = "top_only"         // DDD off: only the files directly in it
	gapRootRefused     = "root_refused"     // OnAccessIncludePath / with DDD on
	gapNotIncluded     = "not_included"     // no watched folder or mount holds it
	gapIncludeIgnored  = "include_ignored"  // an include holds it, but a mount watch makes clamonacc ignore includes
)

// onAccessJudgement is how much of the subject's folder clamonacc scans.
// MountsUnread: a mount watch could hold it, but the mount table could
// not be read (unknown, not a gap).
type onAccessJudgement struct {
	Gap          string
	Path         string // the exclusion or include path the gap is about
	MountsUnread bool
}

// worseThan reports whether j leaves more of the folder unscanned than k:
// a gap is worse than a mount table that could not be read, which is worse
// than no gap.
func (j onAccessJudgement) worseThan(k onAccessJudgement) bool {
	rank := func(x onAccessJudgement) int {
		switch {
		case x.Gap != gapNone:
			return 2
		case x.MountsUnread:
			return 1
		}
		return 0
	}
	return rank(j) > rank(k)
}

// judgeOnAccess decides whether clamonacc scans every file in the
// subject's folder as it is opened. mountOf names the mount point holding
// a path (ok false when the mount table could not be read); it is asked
// only when a mount watch is what could cover the folder.
func judgeOnAccess(s onAccessSettings, who onAccessSubject, mountOf func(string) (string, bool)) onAccessJudgement {
	home := path.Clean(who.Home)
	if who.Account && accountExcluded(s, who) {
		return onAccessJudgement{Gap: gapAccountExcluded}
	}
	includes := s.Include
	var miss onAccessJudgement
	if len(s.Mount) > 0 {
		// clamonacc watches only the mounts: an include that holds the
		// folder is named as ignored.
		includes = nil
		for _, inc := range s.Include {
			if within(home, path.Clean(inc)) {
				miss = onAccessJudgement{Gap: gapIncludeIgnored, Path: inc}
				break
			}
		}
	}
	note := func(j onAccessJudgement) {
		if miss.Gap == gapNone {
			miss = j
		}
	}
	for _, inc := range includes {
		dir := path.Clean(inc)
		switch {
		case !s.DisableDDD && dir == "/":
			note(onAccessJudgement{Gap: gapRootRefused, Path: inc})
		case !within(home, dir):
		case s.DisableDDD:
			note(onAccessJudgement{Gap: gapTopOnly, Path: inc})
		default:
			// Watched from dir down, less what is excluded.
			if ex, ok := excludedAbove(s.Exclude, home); ok {
				note(onAccessJudgement{Gap: gapExcluded, Path: ex})
				continue
			}
			if ex, ok := excludedInside(s.Exclude, home); ok {
				note(onAccessJudgement{Gap: gapExcludedInside, Path: ex})
				continue
			}
			return onAccessJudgement{}
		}
	}
	if len(s.Mount) > 0 {
		at, ok := mountOf(home)
		if !ok {
			return onAccessJudgement{MountsUnread: true}
		}
		for _, m := range s.Mount {
			if mt, ok := mountOf(path.Clean(m)); ok && mt == at {
				return onAccessJudgement{}
			}
		}
	}
	if miss.Gap == gapNone {
		miss.Gap = gapNotIncluded
	}
	return miss
}

// accountExcluded reports whether clamonacc skips the files the person's
// account opens.
func accountExcluded(s onAccessSettings, who onAccessSubject) bool {
	if who.Name != "" && slices.Contains(s.ExcludeUnames, who.Name) {
		return true
	}
	if slices.Contains(s.ExcludeUIDs, "0") {
		return false
	}
	return who.UID != "" && slices.Contains(s.ExcludeUIDs, who.UID)
}

// excludedAbove returns the exclusion that takes in home: home itself or
// a folder above it, as written.
func excludedAbove(excludes []string, home string) (string, bool) {
	for _, ex := range excludes {
		if exclusionPath(ex) && within(home, ex) {
			return ex, true
		}
	}
	return "", false
}

// excludedInside returns an exclusion of a folder inside home.
func excludedInside(excludes []string, home string) (string, bool) {
	for _, ex := range excludes {
		if exclusionPath(ex) && ex != home && within(ex, home) {
			return ex, true
		}
	}
	return "", false
}

// exclusionPath reports whether clamonacc can match ex against the
// folders it walks: it compares them as written, so a trailing slash or
// a doubled one matches none.
func exclusionPath(ex string) bool {
	return ex != "" && (ex == "/" || path.Clean(ex) == ex)
}

// within reports whether p is dir or below it (both clean, absolute).
func within(p, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// clamonaccOptions are the options of clamonacc's command line that
// change what it watches.
type clamonaccOptions struct {
	Config       string   // -c, --config-file: read instead of clamd.conf
	WatchLists   []string // -W, --watch-list: more folders to include
	ExcludeLists []string // -e, --exclude-list: more folders to exclude
}

// clamonaccValueOptions are clamonacc's options that take a value, short
// and long (getopt_long: "-cFILE", "-c FILE", "--config-file=FILE",
// "--config-file FILE").
var clamonaccValueOptions = map[string]string{
	"c": "config-file", "W": "watch-list", "e": "exclude-list", "l": "log", "p": "ping",
	"config-file": "config-file", "watch-list": "watch-list", "exclude-list": "exclude-list",
	"log": "log", "ping": "ping", "move": "move", "copy": "copy",
}

// parseClamonaccArgs reads the options of clamonacc's argument list
// (without the program) that say what it watches.
func parseClamonaccArgs(args []string) clamonaccOptions {
	var o clamonaccOptions
	set := func(name, val string) {
		switch name {
		case "config-file":
			o.Config = val
		case "watch-list":
			o.WatchLists = append(o.WatchLists, val)
		case "exclude-list":
			o.ExcludeLists = append(o.ExcludeLists, val)
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return o
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			long, ok := clamonaccValueOptions[name]
			if !ok || long != name {
				continue // a flag
			}
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			set(long, val)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// Bundled short flags; the first that takes a value takes the
			// rest of the word, or the next word.
			for j := 1; j < len(a); j++ {
				long, ok := clamonaccValueOptions[a[j:j+1]]
				if !ok {
					continue
				}
				val := a[j+1:]
				if val == "" && i+1 < len(args) {
					i++
					val = args[i]
				}
				set(long, val)
				break
			}
		}
	}
	return o
}

// parsePathList reads a watch or exclude list: one folder a line; blank
// lines and comments are skipped (clamonacc could watch neither).
func parsePathList(b []byte) []string {
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// clamonaccArgsRead keeps clamonacc's whole command line in an evidence
// bundle: its options say which configuration and lists it reads.
func clamonaccArgsRead(pr probe.Process) []string {
	if isProgram(pr, "clamonacc", clamBinDirs) {
		return pr.Args()
	}
	return nil
}
