package antivirus

import (
	"errors"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Microsoft Defender's exclusions (MSFT_MpPreference) are judged for the
// person at the screen, as clamonacc's are on Linux: Defender on with the
// person's folder left out scans nothing they download or open. Read as
// Microsoft documents them ("Configure and validate exclusions based on
// file extension and folder location"):
//
//   - a folder exclusion takes in the folder and everything below it; `*`
//     stands for one folder (or part of a name), `?` for one character,
//     and after the folders named or wild-carded every subfolder is
//     excluded too (`C:\Users\*\Downloads` is every person's Downloads);
//   - environment variables are those of the SYSTEM account (`%USERPROFILE%`
//     is C:\Windows\system32\config\systemprofile, not the person's folder);
//   - an extension exclusion (`.exe`, `exe`, `*`) skips those files
//     anywhere; a process exclusion skips every file that program opens.
//
// A gap is an exclusion over the person's folder (or the folder holding
// it, a whole drive), of a folder or file inside it, of a file type that
// runs code or carries documents, or of a program that brings files in from
// outside (the file manager, a browser, a mail or Office program), or one
// with every program's name. Without anyone signed in, people's folders
// are C:\Users (the profiles folder) and everything in it.

// mpPreferenceClass holds Defender's settings, the exclusion lists and
// cloud protection among them (only these are asked for: see
// probe.WMIColumns).
const mpPreferenceClass = "MSFT_MpPreference"

// windowsNTKey's SystemRoot (C:\WINDOWS) tells the system drive, for the
// SYSTEM account's environment variables in an exclusion.
const windowsNTKey = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`

// profileListKey's ProfilesDirectory (%SystemDrive%\Users) is where
// people's folders are.
const profileListKey = windowsNTKey + `\ProfileList`

// defenderExclusions is what Defender's exclusion lists leave unscanned for
// the person at the screen. Paths are kept only as gaps, inside the
// person's folder as ~\…, in anybody else's with their folder as ….
type defenderExclusions struct {
	// Unread says why the lists could not be read (Defender shows them to
	// administrators and SYSTEM only).
	Unread string `json:"unread,omitempty"`
	// Folder is whose files were judged: "~" (the person at the screen)
	// or the profiles folder when nobody is signed in.
	Folder     string `json:"folder,omitempty"`
	Paths      int    `json:"paths"`
	Extensions int    `json:"extensions"`
	Processes  int    `json:"processes"`
	// Gaps are the exclusions that leave the person's files unscanned.
	Gaps []exclusionGap `json:"gaps,omitempty"`
	// Unresolved are exclusions naming an environment variable that is
	// not the SYSTEM account's (or the system drive was not read): what
	// they exclude cannot be told.
	Unresolved []string `json:"unresolved,omitempty"`
}

// exclusionGap is one exclusion that leaves files unscanned.
type exclusionGap struct {
	// Kind is "home" (the folder itself or one above it), "inside" (a
	// folder or file in it), "extension" or "process".
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// exclusionSubject is whose files the exclusions are judged for.
type exclusionSubject struct {
	Home    string // C:\Users\sam, or the profiles folder
	Account bool   // Home is the person at the screen's
}

// riskyExtensions are file types that run code or carry documents and
// links: an exclusion of any of them lets the commonest ways in through.
// (Disk images that WSL and Hyper-V keep, .vhd and .vhdx, are left out:
// excluding them is common advice for speed.)
var riskyExtensions = []string{
	"exe", "dll", "com", "scr", "pif", "cpl", "sys", "msi", "msp", "msix", "msixbundle", "appx", "appxbundle",
	"bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "url", "jar", "reg",
	"doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "xlt", "xltm", "ppt", "pptx", "pptm",
	"pdf", "rtf", "one", "zip", "rar", "7z", "cab", "iso", "img", "html", "htm", "svg",
}

// intakePrograms are programs (lower case, .exe) whose files come from
// outside: the file manager, mail and Office programs; the web browsers
// come from the browser catalogue.
var intakePrograms = func() []string {
	out := []string{"explorer.exe", "outlook.exe", "olk.exe", "thunderbird.exe", "winword.exe", "excel.exe", "powerpnt.exe", "acrord32.exe", "acrobat.exe"}
	for _, b := range browsers.Known() {
		for _, bin := range b.Binaries {
			out = append(out, bin+".exe")
		}
	}
	return out
}()

// systemVariables are the SYSTEM account's environment variables an
// exclusion may use, below the system drive (see windowsNTKey).
var systemVariables = map[string]string{
	"systemdrive": "", "systemroot": `\Windows`, "windir": `\Windows`,
	"programdata": `\ProgramData`, "allusersprofile": `\ProgramData`, "public": `\Users\Public`,
	"programfiles": `\Program Files`, "programfiles(x86)": `\Program Files (x86)`, "programw6432": `\Program Files`,
	"commonprogramfiles": `\Program Files\Common Files`, "commonprogramfiles(x86)": `\Program Files (x86)\Common Files`,
	"userprofile": `\Windows\system32\config\systemprofile`, "appdata": `\Windows\system32\config\systemprofile\AppData\Roaming`,
	"localappdata": `\Windows\system32\config\systemprofile\AppData\Local`,
	"temp":         `\Windows\Temp`, "tmp": `\Windows\Temp`,
}

// exclusionsHidden is why the lists are unread when Defender hid them.
const exclusionsHidden = "Defender shows its exclusions only to administrators and the SYSTEM account"

// exclusionLists are the three lists of one MSFT_MpPreference row.
type exclusionLists struct {
	Paths, Extensions, Processes []string
}

// readExclusionLists reads the lists of an MSFT_MpPreference row; ok is
// false when Defender hid them ("N/A: Must be an administrator to view
// exclusions", in one list or all).
func readExclusionLists(row map[string]any) (exclusionLists, bool) {
	var l exclusionLists
	hidden := false
	list := func(name string) []string {
		var out []string
		add := func(v any) {
			s, ok := v.(string)
			s = strings.TrimSpace(s)
			switch {
			case !ok || s == "":
			case len(s) >= 3 && strings.EqualFold(s[:3], "N/A"):
				hidden = true
			default:
				out = append(out, s)
			}
		}
		switch x := row[name].(type) {
		case []any:
			for _, v := range x {
				add(v)
			}
		case []string:
			for _, v := range x {
				add(v)
			}
		case string:
			add(x)
		}
		return out
	}
	l.Paths, l.Extensions, l.Processes = list("ExclusionPath"), list("ExclusionExtension"), list("ExclusionProcess")
	return l, !hidden
}

// judgeExclusions finds the gaps the lists leave for who. systemDrive is
// the system drive ("C:"), "" when it could not be read.
func judgeExclusions(l exclusionLists, who exclusionSubject, systemDrive string) *defenderExclusions {
	de := &defenderExclusions{Paths: len(l.Paths), Extensions: len(l.Extensions), Processes: len(l.Processes), Folder: "~"}
	if !who.Account {
		de.Folder = who.Home
	}
	home := winParts(who.Home)
	// expanded is raw with the SYSTEM account's variables resolved; an
	// exclusion that cannot be is noted as unresolved.
	expanded := func(raw string) (string, bool) {
		p, ok := expandSystemVariables(raw, systemDrive)
		if !ok {
			de.Unresolved = append(de.Unresolved, who.shown(raw))
		}
		return p, ok
	}
	for _, raw := range l.Paths {
		p, ok := expanded(raw)
		if !ok {
			continue
		}
		ex := winParts(p)
		switch {
		case len(ex) == 0:
		case len(ex) <= len(home) && partsMatch(ex, home[:len(ex)]):
			de.Gaps = append(de.Gaps, exclusionGap{Kind: "home", Value: who.shown(raw)})
		case len(ex) > len(home) && partsMatch(ex[:len(home)], home) && (who.Account || !sharedProfile(ex[len(home)])):
			de.Gaps = append(de.Gaps, exclusionGap{Kind: "inside", Value: who.shown(raw)})
		}
	}
	for _, raw := range l.Extensions {
		ext := strings.TrimLeft(strings.ToLower(strings.TrimSpace(raw)), "*.")
		if raw != "" && ext == "" {
			ext = "*" // "*" or "*.*": every file
		}
		for _, r := range riskyExtensions {
			if wildMatch(ext, r) {
				de.Gaps = append(de.Gaps, exclusionGap{Kind: "extension", Value: raw})
				break
			}
		}
	}
	for _, raw := range l.Processes {
		p, ok := expanded(raw)
		if !ok {
			continue
		}
		parts := winParts(p)
		if len(parts) == 0 {
			continue
		}
		name := parts[len(parts)-1]
		for _, prog := range intakePrograms {
			if wildMatch(name, prog) && (len(parts) == 1 || !strings.ContainsAny(name, "*?") || broadFolder(parts[:len(parts)-1])) {
				// The program's name; its folder only when the name is a
				// wildcard (then a drive, Program Files or Windows).
				shown := who.shown(raw)
				if !strings.ContainsAny(name, "*?") {
					written := winPartsAsWritten(raw)
					shown = written[len(written)-1]
				}
				de.Gaps = append(de.Gaps, exclusionGap{Kind: "process", Value: shown})
				break
			}
		}
	}
	return de
}

// broadFolder: a process exclusion with a wild-carded name in these folders
// (a drive, Program Files, Windows, a person's programs) takes in programs
// installed anywhere people's programs go.
func broadFolder(dir []string) bool {
	switch {
	case len(dir) == 1:
		return true
	case len(dir) == 2:
		switch dir[1] {
		case "program files", "program files (x86)", "windows", "users", "*":
			return true
		}
	}
	return false
}

// sharedProfile: a folder in the profiles folder that is nobody's own.
func sharedProfile(name string) bool {
	switch name {
	case "public", "default", "default user", "all users":
		return true
	}
	return false
}

// shown is an exclusion as facts may hold it: inside the person's folder
// as ~\…, other people's folder names as …, and below a home folder only
// a folder every account has (homeTail).
func (who exclusionSubject) shown(raw string) string {
	if parts := winPartsAsWritten(raw); len(parts) > 1 && strings.HasPrefix(parts[0], "%") &&
		!strings.EqualFold(parts[0], "%SystemDrive%") {
		// Another variable than the system drive: it and no more (a
		// system variable's folder is the system's, another's may be
		// anybody's).
		return parts[0] + `\…`
	}
	if who.Account {
		home, p := winParts(who.Home), winParts(raw)
		if len(p) >= len(home) && slices.Equal(p[:len(home)], home) {
			return "~" + homeTail(winPartsAsWritten(raw)[len(home):], `\`)
		}
	}
	return hideWindowsProfile(raw)
}

// hideWindowsProfile writes the folder after a drive's Users folder as …
// (a shared one or a wildcard as written), and what is below it as
// homeTail does.
func hideWindowsProfile(p string) string {
	parts := strings.Split(strings.ReplaceAll(p, "/", `\`), `\`)
	for i := 0; i+2 < len(parts); i++ {
		drive := len(parts[i]) == 2 && parts[i][1] == ':' || strings.EqualFold(parts[i], "%SystemDrive%")
		if drive && strings.EqualFold(parts[i+1], "Users") && parts[i+2] != "" {
			if !sharedProfile(strings.ToLower(parts[i+2])) && !strings.ContainsAny(parts[i+2], "*?%") {
				parts[i+2] = "…"
			}
			return strings.Join(parts[:i+3], `\`) + homeTail(parts[i+3:], `\`)
		}
	}
	return p
}

// homeTail writes the folders below a home folder (rest, as split by sep)
// as facts may hold them: the first when every account has one of that
// name (Documents, Downloads, AppData …), anything below it as …; a
// folder people name themselves can name the people they work with.
func homeTail(rest []string, sep string) string {
	rest = nonEmpty(rest)
	if len(rest) == 0 {
		return ""
	}
	first := "…"
	if standardHomeFolders[strings.ToLower(rest[0])] {
		first = rest[0]
	}
	out := sep + first
	if len(rest) > 1 && first != "…" {
		out += sep + "…"
	}
	return out
}

// standardHomeFolders are the folders (lower case) a home folder has
// whoever it belongs to, on Windows, macOS and the Linux desktops.
var standardHomeFolders = map[string]bool{
	"desktop": true, "documents": true, "downloads": true, "music": true, "pictures": true, "videos": true,
	"movies": true, "public": true, "templates": true, "appdata": true, "onedrive": true, "library": true,
	"snap": true, ".private": true, ".ecryptfs": true, ".cache": true, ".config": true, ".local": true, ".mozilla": true, ".var": true, "tmp": true,
}

// expandSystemVariables replaces the SYSTEM account's %variables% in p;
// ok is false for any other variable, or for one when the system drive is
// not known.
func expandSystemVariables(p, systemDrive string) (string, bool) {
	if !strings.Contains(p, "%") {
		return p, true
	}
	var b strings.Builder
	rest := p
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), true
		}
		j := strings.IndexByte(rest[i+1:], '%')
		if j < 0 {
			return "", false
		}
		name := strings.ToLower(rest[i+1 : i+1+j])
		below, known := systemVariables[name]
		if !known || systemDrive == "" {
			return "", false
		}
		b.WriteString(rest[:i])
		b.WriteString(systemDrive + below)
		rest = rest[i+2+j:]
	}
}

// winParts splits a Windows path into lower-case parts, the drive first
// ("c:"); doubled and trailing separators and a \\?\ prefix dropped.
func winParts(p string) []string {
	return winPartsAsWritten(strings.ToLower(p))
}

// winPartsAsWritten is winParts keeping the case.
func winPartsAsWritten(p string) []string {
	p = strings.ReplaceAll(strings.TrimSpace(p), "/", `\`)
	p = strings.TrimPrefix(p, `\\?\`)
	return nonEmpty(strings.Split(p, `\`))
}

func nonEmpty(parts []string) []string {
	out := parts[:0:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// partsMatch: each pattern part matches the path part beside it.
func partsMatch(pattern, p []string) bool {
	if len(pattern) != len(p) {
		return false
	}
	for i := range pattern {
		if !wildMatch(pattern[i], p[i]) {
			return false
		}
	}
	return true
}

// wildMatch matches s against a pattern of Defender's wildcards: * any
// run of characters, ? one character (nothing else is special, brackets
// included).
func wildMatch(pattern, s string) bool {
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pattern) && (pattern[i] == '?' || pattern[i] == s[j]):
			i++
			j++
		case i < len(pattern) && pattern[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i, mark = star+1, mark+1
			j = mark
		default:
			return false
		}
	}
	for i < len(pattern) && pattern[i] == '*' {
		i++
	}
	return i == len(pattern)
}

// collectExclusions judges Defender's exclusion lists, of its
// MSFT_MpPreference rows (err: why they could not be read), for the person
// at the screen.
func collectExclusions(p probe.Probe, rows []map[string]any, err error) *defenderExclusions {
	switch {
	case err != nil:
		return &defenderExclusions{Unread: "Defender's exclusion lists (" + mpPreferenceClass + ") could not be read: " + errKind(err)}
	case len(rows) == 0:
		return &defenderExclusions{Unread: "Defender's exclusions: " + mpPreferenceClass + " has no row"}
	}
	lists, ok := readExclusionLists(rows[0])
	if !ok {
		return &defenderExclusions{Unread: exclusionsHidden}
	}
	systemDrive := readSystemDrive(p)
	var who exclusionSubject
	switch u, err := p.ConsoleUser(); {
	case err == nil && u.Home != "":
		who = exclusionSubject{Home: u.Home, Account: true}
	case err == nil || errors.Is(err, probe.ErrNotFound):
		// Nobody signed in: every person's folder, in the profiles folder.
		v, err := p.Registry(profileListKey, "ProfilesDirectory")
		s, _ := v.(string)
		dir, ok := expandSystemVariables(s, systemDrive)
		if err != nil || s == "" || !ok {
			return &defenderExclusions{Unread: "nobody is signed in and where people's folders are (" + profileListKey + " ProfilesDirectory, with the system drive from SystemRoot) could not be read"}
		}
		who = exclusionSubject{Home: dir}
	default:
		return &defenderExclusions{Unread: "who is at the screen: " + errKind(err)}
	}
	return judgeExclusions(lists, who, systemDrive)
}
