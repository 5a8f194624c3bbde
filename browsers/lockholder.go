package browsers

import (
	"slices"
	"strings"
)

// On Windows a browser's lock (Chromium's lockfile, Firefox's
// .parentlock) is a file held open without sharing, which says nothing of
// who holds it. The holder is found in the process list instead: the
// browser's main process (Chromium's has no --type=, Firefox's no
// -contentproc) whose data folder is the profile's, named on its command
// line (--user-data-dir=, -profile) or, when it names none, the one its
// install folder implies. Edge's startup boost and Chrome's background
// apps run exactly such a process with no window.

// procDetail is a process as the holder search sees it: its executable's
// full path and its command line, as Windows reports them.
type procDetail struct {
	pid     int
	image   string
	cmdline string
}

// splitCommandLine splits a Windows command line into arguments, double
// quotes grouping (enough for the paths and switches browsers are started
// with; a path never holds a quote).
func splitCommandLine(s string) []string {
	var args []string
	var cur strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		args = append(args, cur.String())
	}
	return args
}

// winPathEqual compares Windows paths: case-insensitive, either slash,
// no trailing separator.
func winPathEqual(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimRight(strings.ReplaceAll(strings.ToLower(s), "/", `\`), `\`)
	}
	return a != "" && norm(a) == norm(b)
}

// winBase is the last element of a Windows path.
func winBase(p string) string {
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	return p[strings.LastIndexByte(p, '\\')+1:]
}

// winDir is a Windows path without its last element.
func winDir(p string) string {
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	if i := strings.LastIndexByte(p, '\\'); i >= 0 {
		return p[:i]
	}
	return ""
}

// mainBrowserProcess reports whether args (argv[0] first) are those of a
// browser's main process, and the data folder they name ("" when none).
// named is false when the folder is named some other way (Firefox -P
// name), which cannot be compared.
func mainBrowserProcess(e Engine, args []string) (main bool, dataDir string, named bool) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch e {
		case EngineChromium:
			if strings.HasPrefix(a, "--type=") {
				return false, "", false
			}
			if v, ok := strings.CutPrefix(a, "--user-data-dir="); ok {
				dataDir = v
			}
		case EngineFirefox:
			switch strings.ToLower(strings.TrimLeft(a, "-/")) {
			case "contentproc":
				return false, "", false
			case "profile":
				if i+1 < len(args) {
					dataDir = args[i+1]
				}
			case "p":
				return true, "", false
			}
		}
	}
	return true, dataDir, true
}

// impliedChromiumDataDir reports whether a Chromium browser installed at
// image (…\<Vendor>\<Product>\Application\<binary>.exe) uses lockDir when
// started without --user-data-dir: %LOCALAPPDATA%\<Vendor>\<Product>\User
// Data, the same two folders (Google\Chrome Beta, Microsoft\Edge SxS),
// or the product folder alone for a browser installed without a vendor
// folder (C:\Program Files\Chromium).
func impliedChromiumDataDir(image, lockDir string) bool {
	app := winDir(image)
	if !strings.EqualFold(winBase(app), "Application") || !strings.EqualFold(winBase(lockDir), "User Data") {
		return false
	}
	product, data := winDir(app), winDir(lockDir)
	if !strings.EqualFold(winBase(product), winBase(data)) {
		return false
	}
	vendor, dataVendor := winBase(winDir(product)), winBase(winDir(data))
	return strings.EqualFold(vendor, dataVendor) || strings.HasPrefix(strings.ToLower(vendor), "program files")
}

// lockHolderIn finds the pid of the main process of p's browser holding
// p's data folder among ps: the one naming the folder, else the one whose
// install implies it, else the only one naming no folder at all. 0 when
// none, or when more than one fits equally (never a guess between two).
func lockHolderIn(p Profile, ps []procDetail) int {
	b, ok := catalogueEntry(p.Browser)
	if !ok {
		return 0
	}
	var explicit, implied, unnamed []int
	for _, pr := range ps {
		// Chromium's own build is chrome.exe on Windows: any program of
		// the engine may hold the folder it names or implies.
		exe := strings.TrimSuffix(strings.ToLower(winBase(pr.image)), ".exe")
		own := slices.Contains(b.Binaries, exe)
		if !own && !engineBinary(p.Engine, exe) {
			continue
		}
		main, dir, named := mainBrowserProcess(p.Engine, splitCommandLine(pr.cmdline))
		switch {
		case !main || !named:
		case dir != "":
			if winPathEqual(dir, p.LockDir) {
				explicit = append(explicit, pr.pid)
			}
		case p.Engine == EngineChromium && impliedChromiumDataDir(pr.image, p.LockDir):
			implied = append(implied, pr.pid)
		case p.Engine == EngineChromium && strings.EqualFold(winBase(winDir(pr.image)), "Application"):
			// Installed the usual way, so its folder is another's
			// (Chrome's while the profile is Chrome Beta's).
		case own:
			unnamed = append(unnamed, pr.pid)
		}
	}
	for _, pids := range [][]int{explicit, implied, unnamed} {
		if len(pids) > 0 {
			if len(pids) == 1 {
				return pids[0]
			}
			return 0
		}
	}
	return 0
}

// engineBinary reports whether exe is the program of a browser of engine e.
func engineBinary(e Engine, exe string) bool {
	for _, b := range known {
		if b.Engine == e && slices.Contains(b.Binaries, exe) {
			return true
		}
	}
	return false
}

// catalogueEntry is the catalogue's browser of id.
func catalogueEntry(id string) (Browser, bool) {
	for _, b := range known {
		if b.ID == id {
			return b, true
		}
	}
	return Browser{}, false
}
