package antivirus

import (
	"slices"
	"testing"
)

func TestWildMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything", true},
		{"*", "", true},
		{"user?", "users", true},
		{"user?", "user", false},
		{"contoso*", "contoso labs", true},
		{"*.exe", "chrome.exe", true},
		{"*.exe", "chrome.exe.txt", false},
		{"c*e.exe", "chrome.exe", true},
		{"[backup]", "[backup]", true}, // brackets are not special
		{"[backup]", "b", false},
		{"ex?", "exe", true},
		{"exe", "ex", false},
	} {
		if got := wildMatch(c.pattern, c.s); got != c.want {
			t.Errorf("wildMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestJudgeExclusions(t *testing.T) {
	sam := exclusionSubject{Home: `C:\Users\sam`, Account: true}
	nobody := exclusionSubject{Home: `C:\Users`}
	gaps := func(de *defenderExclusions) []string {
		var out []string
		for _, g := range de.Gaps {
			out = append(out, g.Kind+" "+g.Value)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		lists exclusionLists
		who   exclusionSubject
		drive string
		want  []string
		unres []string
	}{
		{"the home itself, any case and slashes", exclusionLists{Paths: []string{`c:/USERS/Sam/`}}, sam, "C:", []string{`home ~`}, nil},
		{"the drive", exclusionLists{Paths: []string{`C:\`}}, sam, "C:", []string{`home C:\`}, nil},
		{"the profiles folder", exclusionLists{Paths: []string{`C:\Users`}}, sam, "C:", []string{`home C:\Users`}, nil},
		{"a wildcard for the profiles", exclusionLists{Paths: []string{`C:\Users\*`}}, sam, "C:", []string{`home C:\Users\*`}, nil},
		{"one folder wild-carded, then everything below", exclusionLists{Paths: []string{`C:\*`}}, sam, "C:", []string{`home C:\*`}, nil},
		{"a folder inside", exclusionLists{Paths: []string{`C:\Users\sam\Downloads`}}, sam, "C:", []string{`inside ~\Downloads`}, nil},
		{"everyone's Downloads", exclusionLists{Paths: []string{`C:\Users\*\Downloads`}}, sam, "C:", []string{`inside C:\Users\*\Downloads`}, nil},
		{"documents by a file pattern", exclusionLists{Paths: []string{`C:\Users\sam\Documents\*.docx`}}, sam, "C:", []string{`inside ~\Documents\…`}, nil},
		{"a long path prefix", exclusionLists{Paths: []string{`\\?\C:\Users\sam\Desktop`}}, sam, "C:", []string{`inside ~\Desktop`}, nil},
		{"another person's folder is not this person's gap", exclusionLists{Paths: []string{`C:\Users\alex\Music`}}, sam, "C:", nil, nil},
		{"a name that only begins like the home", exclusionLists{Paths: []string{`C:\Users\samantha`}}, sam, "C:", nil, nil},
		{"another drive", exclusionLists{Paths: []string{`D:\`, `D:\Users\sam`}}, sam, "C:", nil, nil},
		{"programs' folders", exclusionLists{Paths: []string{`C:\Program Files\Contoso`, `%ProgramFiles%\Contoso`, `%ProgramData%\Contoso\Logs`}}, sam, "C:", nil, nil},
		{"SYSTEM's profile is not the person's", exclusionLists{Paths: []string{`%USERPROFILE%`, `%APPDATA%\Contoso`}}, sam, "C:", nil, nil},
		{"the system drive by its variable", exclusionLists{Paths: []string{`%SystemDrive%\Users`}}, sam, "C:", []string{`home %SystemDrive%\Users`}, nil},
		{"Public by its variable, someone signed in", exclusionLists{Paths: []string{`%PUBLIC%\Documents`}}, sam, "C:", nil, nil},
		{"a variable without the system drive", exclusionLists{Paths: []string{`%SystemDrive%\Users`}}, sam, "", nil, []string{`%SystemDrive%\Users`}},
		{"a variable Defender does not resolve", exclusionLists{Paths: []string{`%OneDrive%\Work`}}, sam, "C:", nil, []string{`%OneDrive%\…`}},
		{"nobody signed in: a person's folder", exclusionLists{Paths: []string{`C:\Users\alex\Downloads`}}, nobody, "C:", []string{`inside C:\Users\…\Downloads`}, nil},
		{"nobody signed in: Public", exclusionLists{Paths: []string{`C:\Users\Public\Documents`}}, nobody, "C:", nil, nil},
		{"extensions: risky, with or without dot or star", exclusionLists{Extensions: []string{".exe", "PDF", "*.docm", "vhdx", "log"}}, sam, "C:", []string{"extension .exe", "extension PDF", "extension *.docm"}, nil},
		{"extensions: every file", exclusionLists{Extensions: []string{"*"}}, sam, "C:", []string{"extension *"}, nil},
		{"extensions: a wildcard catching a risky one", exclusionLists{Extensions: []string{"ex?"}}, sam, "C:", []string{"extension ex?"}, nil},
		{"processes: a browser by name or path", exclusionLists{Processes: []string{"msedge.exe", `C:\Program Files\Mozilla Firefox\firefox.exe`}}, sam, "C:", []string{"process msedge.exe", "process firefox.exe"}, nil},
		{"processes: the file manager and mail", exclusionLists{Processes: []string{"Explorer.EXE", "outlook.exe"}}, sam, "C:", []string{"process Explorer.EXE", "process outlook.exe"}, nil},
		{"processes: every program", exclusionLists{Processes: []string{"*", `C:\Program Files\*`, `C:\*.exe`}}, sam, "C:", []string{"process *", `process C:\Program Files\*`, `process C:\*.exe`}, nil},
		{"processes: a narrow folder or tool", exclusionLists{Processes: []string{`C:\Tools\*`, "contoso-agent.exe", `C:\Users\sam\AppData\Local\Programs\Tool\tool.exe`}}, sam, "C:", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			de := judgeExclusions(c.lists, c.who, c.drive)
			if got := gaps(de); !slices.Equal(got, c.want) {
				t.Errorf("gaps %q, want %q", got, c.want)
			}
			if !slices.Equal(de.Unresolved, c.unres) {
				t.Errorf("unresolved %q, want %q", de.Unresolved, c.unres)
			}
			if de.Paths != len(c.lists.Paths) || de.Extensions != len(c.lists.Extensions) || de.Processes != len(c.lists.Processes) {
				t.Errorf("counts %d/%d/%d", de.Paths, de.Extensions, de.Processes)
			}
		})
	}
}

func TestReadExclusionLists(t *testing.T) {
	row := map[string]any{"ExclusionPath": []any{`C:\a`, " ", `D:\b`}, "ExclusionExtension": nil, "ExclusionProcess": "x.exe"}
	l, ok := readExclusionLists(row)
	if !ok || !slices.Equal(l.Paths, []string{`C:\a`, `D:\b`}) || l.Extensions != nil || !slices.Equal(l.Processes, []string{"x.exe"}) {
		t.Errorf("got %+v %v", l, ok)
	}
	// What Get-MpPreference and MSFT_MpPreference answer a process that is
	// not an administrator: a placeholder in place of each list.
	hidden := map[string]any{"ExclusionPath": []any{"N/A: Must be an administrator to view exclusions"}}
	if _, ok := readExclusionLists(hidden); ok {
		t.Error("the placeholder was read as an exclusion")
	}
}

func TestExclusionShownHidesNames(t *testing.T) {
	sam := exclusionSubject{Home: `C:\Users\sam`, Account: true}
	for in, want := range map[string]string{
		`C:\Users\sam\Downloads`:            `~\Downloads`,
		`C:\Users\sam\Clients\Jo`:           `~\…`, // a folder people name themselves
		`C:\Users\sam\Documents\Clients\Jo`: `~\Documents\…`,
		`C:\Users\alex\Clients`:             `C:\Users\…\…`,
		`C:\Users\*\Clients\Jo`:             `C:\Users\*\…`,
		`C:\Users\SAM`:                      `~`,
		`C:\Users\alex\Downloads`:           `C:\Users\…\Downloads`,
		`C:\Users\*\Downloads`:              `C:\Users\*\Downloads`,
		`C:\Users\Public\Pictures`:          `C:\Users\Public\Pictures`,
		`D:\Data`:                           `D:\Data`,
	} {
		if got := sam.shown(in); got != want {
			t.Errorf("shown(%q) = %q, want %q", in, got, want)
		}
	}
}
