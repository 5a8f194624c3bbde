package desktop

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/tray/dbustest"
)

// TestFreedesktop sends notifications to a real notification server on a
// private session bus.
func TestFreedesktop(t *testing.T) {
	addr := dbustest.StartBus(t)
	server := dbustest.StartNotifications(t, dbustest.Connect(t, addr))
	n := Freedesktop{Conn: dbustest.Connect(t, addr)}
	if err := n.Notify(t.Context(), "Firewall needs attention", "No firewall is on. <b>Fix</b> & check again."); err != nil {
		t.Fatal(err)
	}
	got := server.Received()
	if len(got) != 1 || got[0].App != AppName || got[0].Summary != "Firewall needs attention" ||
		got[0].Body != "No firewall is on. &lt;b&gt;Fix&lt;/b&gt; &amp; check again." {
		t.Errorf("received %+v", got)
	}

	// A broken service is an error; Fallback then prints the message.
	server.SetFail(true)
	if err := n.Notify(t.Context(), "t", "b"); err == nil || !strings.Contains(err.Error(), NotificationsName) {
		t.Errorf("broken service: err %v", err)
	}
	var out bytes.Buffer
	fb := Fallback{n, &Printer{W: &out}}
	if err := fb.Notify(t.Context(), "Session started", "Case CR-1.\nClick End session."); err != nil {
		t.Fatal(err)
	}
	if out.String() != "SessionGuard: Session started — Case CR-1. Click End session.\n" {
		t.Errorf("printed %q", out.String())
	}

	// No service on the bus at all.
	bare := dbustest.StartBus(t)
	if err := (Freedesktop{Conn: dbustest.Connect(t, bare)}).Notify(t.Context(), "t", "b"); err == nil {
		t.Error("no notification service: no error")
	}
	has, err := HasOwner(t.Context(), dbustest.Connect(t, bare), NotificationsName)
	if err != nil || has {
		t.Errorf("HasOwner on a bare bus = %v, %v", has, err)
	}
}

// TestWebForm asks through the loopback page as a browser would, and
// checks that only the token's page answers and only once.
func TestWebForm(t *testing.T) {
	type result struct {
		text string
		ok   bool
		err  error
	}
	ask := func(t *testing.T, browse func(address string)) result {
		addrs := make(chan string, 1)
		w := &WebForm{OnURL: func(a string) { addrs <- a }, Timeout: 10 * time.Second}
		done := make(chan result, 1)
		go func() {
			text, ok, err := w.Ask(t.Context(), "Start a session", `Type a case reference <script>alert(1)</script>`)
			done <- result{text, ok, err}
		}()
		browse(<-addrs)
		select {
		case r := <-done:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("Ask did not return")
		}
		return result{}
	}
	post := func(t *testing.T, address string, form url.Values, origin string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, address, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}

	t.Run("answered", func(t *testing.T) {
		r := ask(t, func(address string) {
			u, _ := url.Parse(address)
			if u.Hostname() != "127.0.0.1" || len(u.Path) != 33 {
				t.Errorf("address %q: want 127.0.0.1 and a 32-hex token", address)
			}
			resp, err := http.Get(address)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if !strings.Contains(string(body), "&lt;script&gt;") || strings.Contains(string(body), "<script>") {
				t.Errorf("prompt not escaped: %s", body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP %q", csp)
			}
			// Another token, another site's form: refused.
			if code := post(t, "http://"+u.Host+"/0123456789abcdef0123456789abcdef", url.Values{"answer": {"x"}}, ""); code != http.StatusNotFound {
				t.Errorf("wrong token: %d", code)
			}
			if code := post(t, address, url.Values{"answer": {"x"}}, "http://evil.example"); code != http.StatusForbidden {
				t.Errorf("foreign origin: %d", code)
			}
			if code := post(t, address, url.Values{"answer": {"x"}}, "null"); code != http.StatusForbidden {
				t.Errorf("Origin null: %d", code)
			}
			if code := post(t, address, url.Values{"answer": {"  CR-2291\nsecond line"}, "do": {"ok"}}, "http://"+u.Host); code != http.StatusOK {
				t.Errorf("answer: %d", code)
			}
		})
		if r.err != nil || !r.ok || r.text != "CR-2291" {
			t.Errorf("Ask = %+v, want CR-2291", r)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		r := ask(t, func(address string) { post(t, address, url.Values{"answer": {"x"}, "do": {"cancel"}}, "") })
		if r.err != nil || r.ok {
			t.Errorf("Ask = %+v, want cancelled", r)
		}
	})
}

// fileOpener stands in for the browser: it reads the launcher file it is
// given, as a browser would, and follows its link.
type fileOpener struct {
	t      *testing.T
	follow func(address string)
	path   string
}

func (f *fileOpener) Open(context.Context, string) error {
	f.t.Error("the form's address was passed on a command line")
	return nil
}

func (f *fileOpener) OpenFile(_ context.Context, path string) error {
	f.path = path
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm() != 0o600 {
		f.t.Errorf("launcher mode %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		f.t.Errorf("launcher directory mode %v, want 0700", dst.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	_, rest, ok := strings.Cut(string(b), `content="0;url=`)
	address, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || !strings.HasPrefix(address, "http://127.0.0.1:") {
		f.t.Fatalf("launcher holds no forward: %s", b)
	}
	go f.follow(address)
	return nil
}

// TestWebFormLauncher: the token reaches the browser through a private
// file, never a command line, and the file is gone afterwards.
func TestWebFormLauncher(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "private")
	op := &fileOpener{t: t, follow: func(address string) {
		form := url.Values{"answer": {"CR-77"}, "do": {"ok"}}
		resp, err := http.PostForm(address, form)
		if err == nil {
			_ = resp.Body.Close()
		}
	}}
	w := &WebForm{Opener: op, Dir: dir, Timeout: 10 * time.Second}
	text, ok, err := w.Ask(t.Context(), "Start a session", "Case reference?")
	if err != nil || !ok || text != "CR-77" {
		t.Fatalf("Ask = %q, %v, %v", text, ok, err)
	}
	if _, err := os.Stat(op.path); !os.IsNotExist(err) {
		t.Errorf("launcher %s left behind: %v", op.path, err)
	}
	// A directory others can read is refused, not used.
	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	w = &WebForm{Opener: op, Dir: open, Timeout: time.Second}
	if _, _, err := w.Ask(t.Context(), "t", "p"); err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Errorf("open directory: err %v", err)
	}
}

// TestSameOrigin: the form's POST is taken from its own page only, what
// ever mix of Origin and Sec-Fetch-Site the browser sends.
func TestSameOrigin(t *testing.T) {
	const base = "http://127.0.0.1:4711"
	for _, tc := range []struct {
		origin, site string
		want         bool
	}{
		{"", "", true},                       // no browser headers: the token alone
		{base, "", true},                     // older browsers: Origin only
		{base, "same-origin", true},          // the page's own POST
		{"", "same-origin", true},            // Origin left out
		{"null", "", false},                  // opaque origin (no-referrer, sandbox, file:)
		{"null", "same-origin", false},       // never trust "null"
		{"http://127.0.0.1:4712", "", false}, // another loopback port
		{"http://127.0.0.1:4712", "same-site", false},
		{base, "same-site", false}, // headers disagree: refuse
		{"", "cross-site", false},
		{"", "none", false}, // typed into the address bar: not a POST from the page
		{"http://evil.example", "cross-site", false},
	} {
		r := httptest.NewRequest(http.MethodPost, base+"/x", nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if got := sameOrigin(r, base); got != tc.want {
			t.Errorf("Origin %q, Sec-Fetch-Site %q: sameOrigin = %v, want %v", tc.origin, tc.site, got, tc.want)
		}
	}
}

func TestCommandOpen(t *testing.T) {
	if err := (Command{Argv: []string{"/bin/true"}}).Open(t.Context(), "https://sg.example.org/"); err != nil {
		t.Errorf("/bin/true: %v", err)
	}
	if err := (Command{Argv: []string{"/bin/false"}}).OpenFile(t.Context(), "/tmp/x.html"); err == nil {
		t.Error("/bin/false: no error")
	}
	if err := (Command{Argv: []string{"/bin/true"}}).OpenFile(t.Context(), "x.html"); err == nil {
		t.Error("relative path: no error")
	}
	if err := (Command{}).Open(t.Context(), "https://sg.example.org/"); err == nil || !strings.Contains(err.Error(), "open it in your browser") {
		t.Errorf("no opener: %v", err)
	}
}

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"https://sg.example.org/", true},
		{"http://127.0.0.1:8080/dash", true},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"https://", false},
		{"-https://x", false},
		{`https://x/" --flag`, false},
		{"sg.example.org", false},
	} {
		if err := CheckAddress(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckAddress(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	// Command never runs anything for a refused address.
	if err := (Command{Argv: []string{"/bin/false"}}).Open(t.Context(), "file:///etc/passwd"); err == nil || !strings.Contains(err.Error(), "not a web address") {
		t.Errorf("Open(file:) = %v", err)
	}
}

// fakeDialog writes a program standing in for zenity or kdialog (not
// installed here): it records its arguments, prints an answer and exits
// with the given code.
func fakeDialog(t *testing.T, answer string, code int) (path, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "dialog")
	argsFile = filepath.Join(dir, "args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + argsFile + "\nprintf '%s\\n' '" + answer + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, argsFile
}

func TestDialogPrograms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		make     func(path string) Asker
		code     int
		wantOK   bool
		wantArgs []string
	}{
		{"zenity answered", func(p string) Asker { return Zenity{Path: p} }, 0, true,
			[]string{"--entry", "--title=Start a session", "--text=Type &lt;ref&gt; &amp; go", "--width=420"}},
		{"zenity cancelled", func(p string) Asker { return Zenity{Path: p} }, 1, false, nil},
		{"kdialog answered", func(p string) Asker { return KDialog{Path: p} }, 0, true,
			[]string{"--title", "Start a session", "--inputbox", "Type <ref> & go", ""}},
		{"kdialog cancelled", func(p string) Asker { return KDialog{Path: p} }, 1, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, argsFile := fakeDialog(t, "CR-2291", tc.code)
			text, ok, err := tc.make(path).Ask(t.Context(), "Start a session", "Type <ref> & go")
			if err != nil || ok != tc.wantOK || (ok && text != "CR-2291") {
				t.Errorf("Ask = %q, %v, %v", text, ok, err)
			}
			if tc.wantArgs != nil {
				b, _ := os.ReadFile(argsFile)
				if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); strings.Join(got, "|") != strings.Join(tc.wantArgs, "|") {
					t.Errorf("args %q, want %q", got, tc.wantArgs)
				}
			}
		})
	}
	// A dialog that fails otherwise is an error, not a cancel.
	path, _ := fakeDialog(t, "", 5)
	if _, _, err := (Zenity{Path: path}).Ask(t.Context(), "t", "p"); err == nil {
		t.Error("exit 5: no error")
	}
}

func TestScriptArguments(t *testing.T) {
	// AppleScript gets the text as run arguments, never inside the script.
	argv := osascriptArgs(`display notification (item 2 of argv) with title (item 1 of argv)`, `"; do shell script "rm -rf ~"`, "--body")
	if argv[0] != osascriptPath || argv[2] != "on run argv" || argv[6] != "end run" || argv[7] != `"; do shell script "rm -rf ~"` || argv[8] != "body" {
		t.Errorf("osascript argv %q", argv)
	}
	for _, script := range []string{psToast, psAsk, psShow} {
		if !strings.Contains(script, "$env:SG_TITLE") || !strings.Contains(script, "$env:SG_TEXT") {
			t.Errorf("PowerShell script does not read the text from the environment:\n%s", script)
		}
	}
	if got := clip("ab\x00c"+strings.Repeat("é", 10), 8); got != "abcéé…" {
		t.Errorf("clip = %q", got)
	}
}

func TestLinuxAskerFallsBackToWebForm(t *testing.T) {
	if firstExisting(append(zenityPaths, kdialogPaths...)...) != "" {
		t.Skip("zenity or kdialog is installed here")
	}
	if _, ok := LinuxAsker(Command{}).(*WebForm); !ok {
		t.Errorf("LinuxAsker without dialog programs = %T, want *WebForm", LinuxAsker(Command{}))
	}
	d := Linux(nil, io.Discard)
	if _, ok := d.Notifier.(*Printer); !ok {
		t.Errorf("Linux without a bus notifies with %T, want *Printer", d.Notifier)
	}
}

// BenchmarkSameOrigin is the check on every POST to the form.
func BenchmarkSameOrigin(b *testing.B) {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4711/x", nil)
	r.Header.Set("Origin", "http://127.0.0.1:4711")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for b.Loop() {
		if !sameOrigin(r, "http://127.0.0.1:4711") {
			b.Fatal("refused")
		}
	}
}
