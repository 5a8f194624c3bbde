package evidence

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestHomePathsInsideStrings: a home path is rewritten wherever it sits in
// a string — after a space, an = or a quote, several in one, in Linux,
// macOS and Windows shapes — at name boundaries only, keeping the
// system's own entries and every other byte.
func TestHomePathsInsideStrings(t *testing.T) {
	u := func(name string) string { return Pseudonym("user", name) }
	linux, ok := newAccountNames("linux", &probe.User{UID: "1000", Name: "sam", Home: "/home/sam"})
	if !ok {
		t.Fatal("sam is a person")
	}
	h := newHomePaths(linux, ok)
	sam := "/home/" + u("sam")
	for _, c := range []struct{ in, want string }{
		{"swaylock -f -i /home/sam/Pictures/kids.png", "swaylock -f -i " + sam + "/Pictures/kids.png"},
		{"--config=/home/sam/.config/x", "--config=" + sam + "/.config/x"},
		{`i3lock -i "/home/sam/x.png"`, `i3lock -i "` + sam + `/x.png"`},
		{"i3lock -i '/home/sam'", "i3lock -i '" + sam + "'"},
		{"/home/sam", sam},
		{"/home/sam2/notes", "/home/" + u("sam2") + "/notes"},
		{"/home/sam.bak/x", "/home/" + u("sam.bak") + "/x"},
		{"see /home/sam.", "see " + sam + "."},
		{"PATH=/home/sam/bin:/home/bob/bin:/usr/bin", "PATH=" + sam + "/bin:/home/" + u("bob") + "/bin:/usr/bin"},
		{"/var/home/carol/c /home/.ecryptfs/dave/.Private", "/var/home/" + u("carol") + "/c /home/.ecryptfs/" + u("dave") + "/.Private"},
		{"file:///home/sam/a.png", "file://" + sam + "/a.png"},
		{"/Users/eve/Library /Users/Shared/x /Users/.localized /home/lost+found", "/Users/" + u("eve") + "/Library /Users/Shared/x /Users/.localized /home/lost+found"},
		{"/home/zoë/x", "/home/" + u("zoë") + "/x"},
		{"/home/ /home", "/home/ /home"},
		{"/usr/share/homebrew/x /srv/users/bob https://example.org/homes/x", "/usr/share/homebrew/x /srv/users/bob https://example.org/homes/x"},
		{`"C:\Users\Sam Smith\AppData\Local\x.exe" /background`, `"C:\Users\` + u("Sam Smith") + `\AppData\Local\x.exe" /background`},
		{`c:\users\Bob\x.scr;D:/Users/eve/y C:\Users\Public\Desktop C:\Users\Default`, `c:\users\` + u("Bob") + `\x.scr;D:/Users/` + u("eve") + `/y C:\Users\Public\Desktop C:\Users\Default`},
		{`HKLM\SAM\SAM\Domains\Account\Users\Names`, `HKLM\SAM\SAM\Domains\Account\Users\Names`},
		{"no paths at all", "no paths at all"},
	} {
		if got := h.str(c.in); got != c.want {
			t.Errorf("%q\n got %q\nwant %q", c.in, got, c.want)
		}
	}

	// The console user's home matches as it was given, on Windows in any
	// case, and outside the home roots too.
	win, ok := newAccountNames("windows", &probe.User{UID: "S-1-5-21-1-2-3-1001", Name: "Sam", Home: `C:\Users\Sam`})
	hw := newHomePaths(win, ok)
	if got, want := hw.str(`"C:\USERS\SAM\AppData\x.exe" --flag C:\Users\Sam`), `"C:\Users\`+u("sam")+`\AppData\x.exe" --flag C:\Users\`+u("sam"); got != want {
		t.Errorf("Windows console user: %q, want %q", got, want)
	}
	// Outside the home roots, a Windows home in another case is matched
	// by Unicode's folding (Ö for ö; the Kelvin sign, three bytes, for k).
	jorg, ok := newAccountNames("windows", &probe.User{UID: "S-1-5-21-1-2-3-1002", Name: "Jörg", Home: `D:\Profiles\Jörg`})
	hj := newHomePaths(jorg, ok)
	for in, want := range map[string]string{
		`D:\PROFILES\JÖRG\AppData\x.exe /s`: `D:\Profiles\` + u("jörg") + `\AppData\x.exe /s`,
		`d:\profiles\jörg`:                  `D:\Profiles\` + u("jörg"),
		`D:\Profiles\JÖRG2\x`:               `D:\Profiles\JÖRG2\x`,
		`D:\Profiles\Jorg\x`:                `D:\Profiles\Jorg\x`,
	} {
		if got := hj.str(in); got != want {
			t.Errorf("Windows home outside the roots: %q gave %q, want %q", in, got, want)
		}
	}
	kai, ok := newAccountNames("windows", &probe.User{UID: "S-1-5-21-1-2-3-1003", Name: "kai", Home: `E:\kai`})
	if got, want := newHomePaths(kai, ok).str("E:\\\u212aAI\\x"), `E:\`+u("kai")+`\x`; got != want {
		t.Errorf("Kelvin sign: %q, want %q", got, want)
	}

	srv, ok := newAccountNames("linux", &probe.User{UID: "1000", Name: "sam", Home: "/srv/people/sam"})
	hs := newHomePaths(srv, ok)
	if got, want := hs.str("-c /srv/people/sam/.config/x /srv/people/sam2/x"), "-c /srv/people/"+u("sam")+"/.config/x /srv/people/sam2/x"; got != want {
		t.Errorf("a home outside the home roots: %q, want %q", got, want)
	}

	// Binary content keeps its bytes; a binary property list its format.
	bin := []byte("\x1f\x8b\x00/home/sam/x\x00")
	if got := h.file(bin); !bytes.Equal(got, bin) {
		t.Errorf("binary content changed: %q", got)
	}
	if got := h.file([]byte("a\xffb /home/sam/x")); string(got) != "a\xffb /home/sam/x" {
		t.Errorf("content not UTF-8 changed: %q", got)
	}
	if got, want := string(h.file([]byte("/home/sam/zo\xc3"))), sam+"/zo\xc3"; got != want {
		t.Errorf("a head cut inside a character: %q, want %q", got, want)
	}
	bp, err := plist.Marshal(map[string]any{"path": "/Users/sam/Library/Screen Savers/x.saver", "n": 3}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if format, err := plist.Unmarshal(h.file(bp), &got); err != nil || format != plist.BinaryFormat || got["path"] != "/Users/"+u("sam")+"/Library/Screen Savers/x.saver" || got["n"] != uint64(3) {
		t.Errorf("binary plist: %v, %v, format %d", got, err, format)
	}
}

// TestHomeRootsAllRewritten ties the two descriptions of the home roots
// together: every root the listings know (homeRoots) is one the string
// scanner rewrites a name under.
func TestHomeRootsAllRewritten(t *testing.T) {
	var h homePaths
	for _, root := range homeRoots {
		in := root + "robin" + root[len(root)-1:] + "x"
		if got := h.str(in); strings.Contains(got, "robin") || !strings.Contains(got, Pseudonym("user", "robin")) {
			t.Errorf("%q rewritten as %q", in, got)
		}
	}
}

// TestRecordRewritesEmbeddedHomePaths: the paths under home folders inside
// kept command lines, arguments, command output, text files, registry
// and WMI strings are gone from the bundle, and replay still finds what
// they name: the file an argument's --config= points at, the screen
// saver a registry value names.
func TestRecordRewritesEmbeddedHomePaths(t *testing.T) {
	for _, c := range []struct {
		goos, user, home, config, scr string
	}{
		{"linux", `{"uid":"1000","name":"sam","home":"/home/sam"}`, "/home/sam", "/home/sam/.config/x", "/home/sam/.local/share/x.scr"},
		{"darwin", `{"uid":"501","name":"sam","home":"/Users/sam"}`, "/Users/sam", "/Users/sam/Library/x.conf", "/Users/sam/Library/Screen Savers/x.saver"},
		{"windows", `{"uid":"S-1-5-21-1-2-3-1001","name":"Sam","home":"C:\\Users\\Sam"}`, `C:\Users\Sam`, `C:\Users\Sam\AppData\Roaming\x.ini`, `C:\Users\SAM\AppData\Local\x.scr`},
	} {
		t.Run(c.goos, func(t *testing.T) {
			procs := []probe.Process{
				{PID: 7, Name: "swayidle", Exe: "/usr/bin/swayidle", User: "sam", Cmdline: []string{"swayidle", "-w", "timeout", "300", "swaylock -f -i " + c.home + "/Pictures/kids.png"}},
				{PID: 8, Name: "xautolock", Exe: "/usr/bin/xautolock", User: "sam", Cmdline: []string{"xautolock", "-locker", `i3lock -i "` + c.home + `/x.png"`}},
				{PID: 9, Name: "tool", Exe: c.home + "/bin/tool", User: "sam", Cmdline: []string{"tool", "--config=" + c.config}},
				{PID: 10, Name: "b", Exe: "/usr/bin/b", User: "bob", Cmdline: []string{"b", `"C:\Users\bob\AppData\b.exe" /s;/home/bob/x`}},
			}
			text := "general {\n    lock_cmd = swaylock -i " + c.home + "/lock.png\n}\n# /home/bob/.config and " + c.home + "\n"
			files := map[string]string{
				ManifestFile:            `{"format":"sessionguard.evidence/v1","goos":"` + c.goos + `","recorded_at":"2026-11-01T10:00:00Z","console_user":` + c.user + `}`,
				ProcessesFile:           mustJSON(t, procs),
				CommandsFile:            mustJSON(t, []Command{{Argv: []string{"/usr/bin/fscrypt", "--config=" + c.config}, Stdout: "reading " + c.config + "\n"}}),
				RegistryFile:            mustJSON(t, map[string]map[string]any{`HKU\S-1-5-21-1-2-3-1001\Control Panel\Desktop`: {"SCRNSAVE.EXE": c.scr, "Paths": []string{c.home + `\a`, "/home/bob/b"}}}),
				WMIFile:                 mustJSON(t, []WMIClass{{Namespace: "root/cimv2", Class: "Win32_StartupCommand", Rows: []map[string]any{{"Command": `"` + c.home + `\x.exe" -q`, "Location": "Startup"}}}}),
				BundlePath(c.config):    text,
				BundlePath(c.scr):       "MZ\x00\x00" + c.home + "\x00",
				BundlePath("/etc/conf"): text,
			}
			inner, err := OpenReplay(writeBundle(t, files))
			if err != nil {
				t.Fatal(err)
			}
			rec := NewRecorder(inner)
			rec.KeepProcessArgs(func(pr probe.Process) []string { return pr.Cmdline })
			if _, err := rec.ConsoleUser(); err != nil {
				t.Fatal(err)
			}
			checkProcs, err := rec.Processes()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{c.config, "/etc/conf"} {
				if _, err := rec.ReadFile(p); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rec.ReadFile(c.scr); err != nil {
				t.Fatal(err)
			}
			if _, err := rec.Run(t.Context(), probe.CmdFscrypt, "--config="+c.config); err != nil {
				t.Fatal(err)
			}
			if _, err := rec.Registry(`HKU\S-1-5-21-1-2-3-1001\Control Panel\Desktop`, "SCRNSAVE.EXE"); err != nil {
				t.Fatal(err)
			}
			paths, err := rec.Registry(`HKU\S-1-5-21-1-2-3-1001\Control Panel\Desktop`, "Paths")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := rec.WMI("root/cimv2", "Win32_StartupCommand")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "b")
			if err := rec.WriteBundle(dir); err != nil {
				t.Fatal(err)
			}
			// What the checks were given is as it was.
			if !strings.Contains(checkProcs[2].Cmdline[1], c.config) || !strings.Contains(paths.([]string)[1], "bob") || !strings.Contains(rows[0]["Command"].(string), c.home) {
				t.Errorf("the checks' answers were changed: %v %v %v", checkProcs[2], paths, rows)
			}
			binary := ""
			_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				if strings.Contains(strings.ToLower(rel), "sam") {
					t.Errorf("a path still names sam: %s", rel)
				}
				if d.IsDir() {
					return nil
				}
				b, _ := os.ReadFile(p)
				if bytes.Contains(b, []byte{0}) {
					binary = string(b)
					return nil
				}
				for _, name := range []string{"sam", "bob"} {
					if bytes.Contains(bytes.ToLower(b), []byte(name)) {
						t.Errorf("%s still names %s:\n%s", rel, name, b)
					}
				}
				return nil
			})
			if binary != "MZ\x00\x00"+c.home+"\x00" {
				t.Errorf("the binary file was changed: %q", binary)
			}

			rp, err := OpenReplay(dir)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := rp.ConsoleUser()
			got, err := rp.Processes()
			if err != nil || len(got) != 4 {
				t.Fatalf("replayed processes %v, %v", got, err)
			}
			if want := "swaylock -f -i " + u.Home + "/Pictures/kids.png"; got[0].Cmdline[4] != want {
				t.Errorf("swayidle's locker %q, want %q", got[0].Cmdline[4], want)
			}
			config, ok := strings.CutPrefix(got[2].Cmdline[1], "--config=")
			if !ok || !strings.HasPrefix(config, u.Home) {
				t.Fatalf("replayed argument %q, console home %q", got[2].Cmdline[1], u.Home)
			}
			if b, err := rp.ReadFile(config); err != nil || !strings.Contains(string(b), "lock_cmd = swaylock -i "+u.Home+"/lock.png") {
				t.Errorf("the file the argument names: %q, %v", b, err)
			}
			if out, err := rp.Run(t.Context(), probe.CmdFscrypt, got[2].Cmdline[1]); err != nil || string(out.Stdout) != "reading "+config+"\n" {
				t.Errorf("the command on the rewritten argument: %q, %v", out.Stdout, err)
			}
			scr, err := rp.Registry(`HKU\S-1-5-21-1-2-3-1001\Control Panel\Desktop`, "SCRNSAVE.EXE")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rp.ReadFileHead(scr.(string), 2); err != nil {
				t.Errorf("the screen saver the registry names (%s): %v", scr, err)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRecordRewritesWindowsConsoleOutput: Windows output in the OEM code
// page (kept as base64) has its home paths rewritten, its other bytes
// kept; UTF-16 output is left as it is.
func TestRecordRewritesWindowsConsoleOutput(t *testing.T) {
	oem := "Caf\x82 C:\\Users\\Sam\\AppData\\x.scr\r\n"
	utf16 := "C\x00:\x00\\\x00U\x00s\x00e\x00r\x00s\x00\\\x00S\x00a\x00m\x00"
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"windows","recorded_at":"2026-11-01T10:00:00Z","oem_codepage":850,
 "console_user":{"uid":"S-1-5-21-1-2-3-1001","name":"Sam","home":"C:\\Users\\Sam"}}`,
		CommandsFile: mustJSON(t, []Command{
			NewCommand([]string{`C:\Windows\System32\powercfg.exe`, "/q"}, probe.Output{Stdout: []byte(oem)}),
			NewCommand([]string{`C:\Windows\System32\reg.exe`, "query"}, probe.Output{Stdout: []byte(utf16)}),
		}),
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	if _, err := rec.ConsoleUser(); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Run(t.Context(), probe.CmdPowercfg, "/q"); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Run(t.Context(), probe.CmdReg, "query"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := rp.ConsoleUser()
	if out, err := rp.Run(t.Context(), probe.CmdPowercfg, "/q"); err != nil || string(out.Stdout) != "Caf\x82 "+u.Home+"\\AppData\\x.scr\r\n" {
		t.Errorf("OEM output replays as %q, %v; console home %s", out.Stdout, err, u.Home)
	}
	if out, err := rp.Run(t.Context(), probe.CmdReg, "query"); err != nil || string(out.Stdout) != utf16 {
		t.Errorf("UTF-16 output replays as %q, %v", out.Stdout, err)
	}
}

// TestRecordRenamesConsoleUserArgument: a command naming the console user
// as an argument of its own (passwd -S NAME) is kept with the pseudonym,
// and the written bundle answers the check asking for the pseudonym, as
// replay's console user is.
func TestRecordRenamesConsoleUserArgument(t *testing.T) {
	files := map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z","console_user":{"uid":"1000","name":"sam","home":"/home/sam"}}`,
		CommandsFile: mustJSON(t, []Command{{Argv: []string{"/usr/bin/passwd", "-S", "sam"}, Stdout: "sam P 2026-12-06 0 99999 7 -1\n"},
			{Argv: []string{"/usr/bin/passwd", "-S", "samuel"}, Stdout: "samuel P 2026-12-06 0 99999 7 -1\n"}}),
	}
	inner, err := OpenReplay(writeBundle(t, files))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	if _, err := rec.ConsoleUser(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sam", "samuel"} {
		if _, err := rec.Run(t.Context(), probe.CmdPasswd, "-S", name); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	replay, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := replay.ConsoleUser()
	if err != nil || u.Name == "sam" || !strings.HasPrefix(u.Name, "user-") {
		t.Fatalf("console user %+v, %v", u, err)
	}
	if _, err := replay.Run(t.Context(), probe.CmdPasswd, "-S", u.Name); err != nil {
		t.Errorf("the pseudonymised command is not answered: %v", err)
	}
	if _, err := replay.Run(t.Context(), probe.CmdPasswd, "-S", "sam"); err == nil {
		t.Error("the bundle still answers for the real name")
	}
	// Another account whose name merely starts the same is not renamed.
	if _, err := replay.Run(t.Context(), probe.CmdPasswd, "-S", "samuel"); err != nil {
		t.Errorf("another account's command was renamed: %v", err)
	}
}
