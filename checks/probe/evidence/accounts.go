package evidence

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// accountNames rewrites what a bundle keeps about the person at the
// screen: their account name becomes Pseudonym("user", name) (the name the
// checks' own scrubbers give every person's account, so group membership
// still matches on replay), their home folder ends in that pseudonym, and
// every path under the home folder — a file read, a folder listed, a
// command's argument, a denied source — moves with it (see
// pseudonymiseAccounts for the rest).
type accountNames struct {
	name, newName string
	home, newHome string
	sep           string // the home folder's separator, / or \
	foldCase      bool   // Windows paths and names ignore case
}

// newAccountNames prepares the rewrite for the console user u; ok is false
// when there is nothing to rewrite (nobody, or root/SYSTEM at the screen).
// On Windows who is a person is decided by the SID (see isServiceSID), not
// by the name: an account may be called anything, "root" or "_sam" too.
func newAccountNames(goos string, u *probe.User) (accountNames, bool) {
	switch {
	case u == nil || u.Name == "":
		return accountNames{}, false
	case goos == "windows":
		if isServiceSID(u.UID) {
			return accountNames{}, false
		}
	case u.UID == "0" || isSystemUser(u.Name):
		return accountNames{}, false
	}
	a := accountNames{name: u.Name, newName: Pseudonym("user", u.Name), home: u.Home, sep: "/", foldCase: goos == "windows"}
	if strings.Contains(u.Home, `\`) {
		a.sep = `\`
	}
	if u.Home != "" {
		home := strings.TrimRight(u.Home, a.sep)
		i := strings.LastIndex(home, a.sep)
		base := home[i+1:]
		newBase := a.newName
		if !a.equal(base, u.Name) {
			newBase = Pseudonym("user", base)
		}
		a.home, a.newHome = home, home[:i+1]+newBase
	}
	return a, true
}

func (a accountNames) equal(x, y string) bool {
	if a.foldCase {
		return strings.EqualFold(x, y)
	}
	return x == y
}

// processUser pseudonymises the user a process runs as.
func processUser(u string) string {
	if u == "" || isSystemUser(u) {
		return u
	}
	return Pseudonym("user", u)
}

// homeRoots are the folders whose entries are people's home folders (or,
// for eCryptfs, named after them).
var homeRoots = []string{"/home/.ecryptfs/", "/home/", "/var/home/", "/Users/", `C:\Users\`}

// isPersonEntry: an entry of a home root that names a person, not the
// system's own (Shared, Public, Default, dot-folders) nor a pseudonym.
func isPersonEntry(name string) bool {
	switch strings.ToLower(name) {
	case "", "shared", "guest", "public", "default", "default user", "all users", "deleted users", "desktop.ini", "lost+found":
		return false
	}
	return !strings.HasPrefix(name, ".") && !isSystemUser(name) && !isStandIn(name)
}

// isHomeRoot: p is one of homeRoots itself.
func isHomeRoot(p string) bool {
	for _, root := range homeRoots {
		if strings.EqualFold(strings.TrimRight(p, `/\`), strings.TrimRight(root, `/\`)) {
			return true
		}
	}
	return false
}

// rewriteHomes rewrites every home path the recorder kept (see
// homePaths): in the paths of files, listings and denied sources, in
// command lines, command output kept as text, text files, registry
// strings and value names, and WMI strings; and pseudonymises the people in listings of
// the home roots. The caller holds r.mu.
func rewriteHomes(r *Recorder, h homePaths) {
	if r.consoleUser != nil {
		cu := *r.consoleUser
		cu.Home = h.str(cu.Home)
		r.consoleUser = &cu
	}
	files := make(map[string][]byte, len(r.files))
	for p, b := range r.files {
		files[h.str(p)] = h.file(b)
	}
	r.files = files
	dirs := make(map[string][]string, len(r.dirs))
	for p, names := range r.dirs {
		if isHomeRoot(p) {
			renamed := make([]string, len(names))
			for i, n := range names {
				renamed[i] = n
				if isPersonEntry(n) {
					renamed[i] = Pseudonym("user", n)
				}
			}
			names = renamed
		}
		dirs[h.str(p)] = names
	}
	r.dirs = dirs
	for i := range r.commands {
		c := &r.commands[i]
		c.Argv = h.strs(c.Argv)
		c.Stdout, c.Stderr = h.str(c.Stdout), h.str(c.Stderr)
		if r.GOOS() == "windows" {
			c.StdoutB64, c.StderrB64 = h.oemText(c.StdoutB64), h.oemText(c.StderrB64)
		}
	}
	for i := range r.denied {
		r.denied[i].Path = h.str(r.denied[i].Path)
		r.denied[i].Argv = h.strs(r.denied[i].Argv)
	}
	for i := range r.processes {
		r.processes[i].Exe = h.str(r.processes[i].Exe)
		r.processes[i].Cmdline = h.strs(r.processes[i].Cmdline)
	}
	for key, values := range r.registry {
		// Value names too: a firewall rule's id holds its program's path
		// ("TCP Query User{…}C:\users\sam\…\app.exe").
		renamed := make(map[string]any, len(values))
		for name, v := range values {
			renamed[h.str(name)], _ = h.value(v)
		}
		r.registry[key] = renamed
	}
	for key, names := range r.registryLists {
		r.registryLists[key] = h.strs(names)
	}
	for i := range r.wmi {
		r.wmi[i].Rows = h.rows(r.wmi[i].Rows)
	}
}

// renameKeys is m with each key k moved to rename(k).
func renameKeys[V any](m map[string]V, rename func(string) string) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[rename(k)] = v
	}
	return out
}

func mapStrings(in []string, f func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

// pseudonymiseAccounts rewrites every account name the recorder kept; the
// caller holds r.mu. The console user first (see accountNames), then the
// users processes run as, then Windows' account classes: in
// Win32_UserAccount the rows of people (relative id 1000 and up, and the
// console user) get the pseudonym as Name and in Caption, and lose
// FullName and Description; in Win32_GroupUser the members that are those
// people are renamed the same way, so group membership still matches.
func pseudonymiseAccounts(r *Recorder) {
	people := map[string]bool{}
	names, ok := newAccountNames(r.GOOS(), r.consoleUser)
	if ok {
		people[strings.ToLower(names.name)] = true
		names.apply(r)
	}
	r.processes = slices.Clone(r.processes) // the checks' copy stays as it was
	for i := range r.processes {
		r.processes[i].User = processUser(r.processes[i].User)
	}
	rewriteHomes(r, newHomePaths(names, ok))
	// The rows are the maps the checks were given: rewrite copies.
	for i := range r.wmi {
		if strings.EqualFold(r.wmi[i].Class, "Win32_UserAccount") || strings.EqualFold(r.wmi[i].Class, "Win32_GroupUser") {
			rows := make([]map[string]any, len(r.wmi[i].Rows))
			for j, row := range r.wmi[i].Rows {
				rows[j] = maps.Clone(row)
			}
			r.wmi[i].Rows = rows
		}
	}
	for _, c := range r.wmi {
		if !strings.EqualFold(c.Class, "Win32_UserAccount") {
			continue
		}
		for _, row := range c.Rows {
			name, _ := probe.AsString(row["Name"])
			sid, _ := probe.AsString(row["SID"])
			if name == "" || !(people[strings.ToLower(name)] || isPersonSID(sid)) {
				continue
			}
			people[strings.ToLower(name)] = true
			row["Name"] = Pseudonym("user", name)
			if caption, ok := probe.AsString(row["Caption"]); ok {
				if i := strings.LastIndex(caption, `\`); i >= 0 {
					row["Caption"] = caption[:i+1] + Pseudonym("user", name)
				} else {
					row["Caption"] = Pseudonym("user", name)
				}
			}
			for _, k := range []string{"FullName", "Description"} {
				if s, ok := probe.AsString(row[k]); ok && s != "" {
					row[k] = ""
				}
			}
		}
	}
	for _, c := range r.wmi {
		if !strings.EqualFold(c.Class, "Win32_GroupUser") {
			continue
		}
		for _, row := range c.Rows {
			if part, ok := probe.AsString(row["PartComponent"]); ok {
				row["PartComponent"] = wmiRefName.ReplaceAllStringFunc(part, func(m string) string {
					name := wmiRefName.FindStringSubmatch(m)[1]
					if !people[strings.ToLower(name)] {
						return m
					}
					return `Name="` + Pseudonym("user", name) + `"`
				})
			}
		}
	}
}

// wmiRefName is the Name="…" key of a WMI object path.
var wmiRefName = regexp.MustCompile(`Name="((?:[^"\\]|\\.)*)"`)

// isPersonSID tells a person's account SID (S-1-5-21-…, relative id 1000
// and up, or a Microsoft Entra ID account, S-1-12-1-…) from the built-in
// ones (Administrator 500, Guest 501, …).
func isPersonSID(sid string) bool {
	if strings.HasPrefix(sid, "S-1-12-1-") {
		return true
	}
	if !strings.HasPrefix(sid, "S-1-5-21-") {
		return false
	}
	rid, err := strconv.Atoi(sid[strings.LastIndex(sid, "-")+1:])
	return err == nil && rid >= 1000
}

// isServiceSID names the Windows accounts that are not people: SYSTEM,
// LOCAL SERVICE and NETWORK SERVICE (S-1-5-18/19/20), the other
// NT AUTHORITY ids below 21, and service and virtual accounts (S-1-5-80,
// S-1-5-82, S-1-5-83, S-1-5-90, S-1-5-96). Anyone else at the screen —
// even the built-in Administrator, whose name may have been changed to a
// person's — is pseudonymised.
func isServiceSID(sid string) bool {
	rest, ok := strings.CutPrefix(sid, "S-1-5-")
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(first)
	if err != nil {
		return false
	}
	return n < 21 || n == 80 || n == 82 || n == 83 || n == 90 || n == 96
}

// isSystemUser names the operating systems' own accounts, kept as they are.
func isSystemUser(u string) bool {
	switch strings.ToUpper(u) {
	case "ROOT", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE":
		return true
	}
	return strings.HasPrefix(u, "_") || strings.HasPrefix(strings.ToUpper(u), `NT AUTHORITY\`)
}

// personFolders are folders outside the home roots that keep settings
// per account in an entry named after it: macOS's user-scope
// configuration profiles (/Library/Managed Preferences/<name>/).
var personFolders = []string{"/Library/Managed Preferences/"}

// personPath is p with the console user's entry of a person folder
// renamed to their pseudonym.
func (a accountNames) personPath(p string) string {
	for _, dir := range personFolders {
		rest, ok := strings.CutPrefix(p, dir)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if a.equal(name, a.name) {
			return dir + a.newName + rest[len(name):]
		}
	}
	return p
}

// apply renames the console user in the manifest, in the argument lists
// of commands that name them as a word of its own (passwd -S NAME), in
// the paths of files, listings and denied sources under a person folder
// (personFolders), and their home folder's entry in its parent's listing
// (rewriteHomes moves every path under it); the caller holds r.mu.
func (a accountNames) apply(r *Recorder) {
	cu := *r.consoleUser
	cu.Name = a.newName
	if a.home != "" {
		cu.Home = a.newHome
	}
	r.consoleUser = &cu
	rename := func(argv []string) []string {
		return mapStrings(argv, func(s string) string {
			if a.equal(s, a.name) {
				return a.newName
			}
			return s
		})
	}
	for i := range r.commands {
		if len(r.commands[i].Argv) > 1 {
			r.commands[i].Argv = append(r.commands[i].Argv[:1:1], rename(r.commands[i].Argv[1:])...)
		}
	}
	for i := range r.denied {
		if len(r.denied[i].Argv) > 1 {
			r.denied[i].Argv = append(r.denied[i].Argv[:1:1], rename(r.denied[i].Argv[1:])...)
		}
		r.denied[i].Path = a.personPath(r.denied[i].Path)
	}
	r.files = renameKeys(r.files, a.personPath)
	r.dirs = renameKeys(r.dirs, a.personPath)
	if a.home == "" {
		return
	}
	parent, oldBase := a.home[:strings.LastIndex(a.home, a.sep)], a.home[strings.LastIndex(a.home, a.sep)+1:]
	newBase := a.newHome[strings.LastIndex(a.newHome, a.sep)+1:]
	for p, names := range r.dirs {
		if !a.equal(strings.TrimRight(p, a.sep), parent) {
			continue
		}
		renamed := make([]string, len(names))
		for i, n := range names {
			renamed[i] = n
			if a.equal(n, oldBase) {
				renamed[i] = newBase
			}
		}
		r.dirs[p] = renamed
	}
}
