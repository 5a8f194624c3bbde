package probe

import (
	"strings"
)

// accountNames rewrites what a bundle keeps about the person at the
// screen: their account name becomes Pseudonym("user", name) (the name the
// checks' own scrubbers give every person's account, so group membership
// still matches on replay), their home folder ends in that pseudonym, and
// every path under the home folder — a file read, a folder listed, a
// command's argument, a denied source — moves with it. The users processes
// run as are pseudonymised too (no check reads them), but for the
// operating system's own.
type accountNames struct {
	name, newName string
	home, newHome string
	sep           string // the home folder's separator, / or \
	foldCase      bool   // Windows paths and names ignore case
}

// newAccountNames prepares the rewrite for the console user u; ok is false
// when there is nothing to rewrite (nobody, or root/SYSTEM at the screen).
func newAccountNames(goos string, u *User) (accountNames, bool) {
	if u == nil || u.Name == "" || u.UID == "0" || isSystemUser(u.Name) {
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

// path moves a path under the home folder to the pseudonymised one.
func (a accountNames) path(p string) string {
	if a.home == "" || len(p) < len(a.home) || !a.equal(p[:len(a.home)], a.home) {
		return p
	}
	rest := p[len(a.home):]
	if rest != "" && !strings.HasPrefix(rest, a.sep) {
		return p // /home/sam2 is not under /home/sam
	}
	return a.newHome + rest
}

// user pseudonymises the user a process runs as.
func (a accountNames) user(u string) string {
	if u == "" || isSystemUser(u) {
		return u
	}
	return Pseudonym("user", u)
}

// isSystemUser names the operating systems' own accounts, kept as they are.
func isSystemUser(u string) bool {
	switch strings.ToUpper(u) {
	case "ROOT", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE":
		return true
	}
	return strings.HasPrefix(u, "_") || strings.HasPrefix(strings.ToUpper(u), `NT AUTHORITY\`)
}

// apply rewrites the recorder's state in place; the caller holds r.mu.
func (a accountNames) apply(r *Recorder) {
	cu := *r.consoleUser
	cu.Name = a.newName
	if a.home != "" {
		cu.Home = a.newHome
	}
	r.consoleUser = &cu
	files := make(map[string][]byte, len(r.files))
	for p, b := range r.files {
		files[a.path(p)] = b
	}
	r.files = files
	dirs := make(map[string][]string, len(r.dirs))
	for p, names := range r.dirs {
		dirs[a.path(p)] = names
	}
	r.dirs = dirs
	if a.home != "" {
		// The home folder's own entry in its parent's listing.
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
	for i := range r.commands {
		r.commands[i].Argv = a.argv(r.commands[i].Argv)
	}
	for i := range r.denied {
		r.denied[i].Path = a.path(r.denied[i].Path)
		r.denied[i].Argv = a.argv(r.denied[i].Argv)
	}
	for i := range r.processes {
		r.processes[i].User = a.user(r.processes[i].User)
	}
}

func (a accountNames) argv(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	for i, s := range argv {
		out[i] = a.path(s)
	}
	return out
}
