//go:build linux

package desktop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sessionguard/sessionguard/internal/firefoxtest"
)

// The browsers a practitioner without zenity or kdialog meets the form in
// (Debian's packages).
const (
	chromiumPath = "/usr/bin/chromium"
	firefoxPath  = "/usr/bin/firefox-esr"
)

// requireBrowser skips without the browser, except under CI=true where a
// missing browser fails the test.
func requireBrowser(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (apt-get install %s): %v", path, pkg, err)
		}
		t.Skipf("%s is not installed (apt-get install %s): %v", path, pkg, err)
	}
}

// formBrowser is what the scenario needs from a real browser.
type formBrowser interface {
	navigate(address string) error
	typeInto(css, text string) error
	click(css string) error
	source() (string, error)
}

// launchOpener stands in for xdg-open: it hands the launcher file to the
// test, which opens it in the browser as xdg-open would.
type launchOpener chan string

func (l launchOpener) Open(context.Context, string) error {
	return errors.New("the form's address must not be passed on a command line")
}

func (l launchOpener) OpenFile(_ context.Context, path string) error {
	l <- path
	return nil
}

var evilPage = template.Must(template.New("evil").Parse(`<!doctype html>
<html><head><title>Another page</title></head><body>
<form method="post" action="{{.}}"><input type="hidden" name="answer" value="EVIL-1">
<button id="evil" type="submit" name="do" value="ok">Win a prize</button></form></body></html>`))

// formScenario meets the form as the practitioner does: the tray asks, the
// browser opens the launcher file and follows it to the form; another
// loopback page's POST to the form is refused and not taken as the answer;
// the practitioner types a case reference and clicks OK; a second question
// is cancelled.
func formScenario(t *testing.T, b formBrowser) {
	type result struct {
		text string
		ok   bool
		err  error
	}
	launchers := make(launchOpener, 1)
	w := &WebForm{Opener: launchers, Dir: filepath.Join(t.TempDir(), "sg"), Timeout: 90 * time.Second}
	ask := func() <-chan result {
		done := make(chan result, 1)
		go func() {
			text, ok, err := w.Ask(t.Context(), "Start a session", "Type the case reference for this session.")
			done <- result{text, ok, err}
		}()
		return done
	}
	openForm := func() string {
		t.Helper()
		var launcher string
		select {
		case launcher = <-launchers:
		case <-time.After(10 * time.Second):
			t.Fatal("the form was not opened")
		}
		if err := b.navigate("file://" + launcher); err != nil {
			t.Fatalf("opening the launcher: %v", err)
		}
		// The launcher forwards to the form.
		if err := b.typeInto(`input[name="answer"]`, ""); err != nil {
			src, _ := b.source()
			t.Fatalf("the form did not appear: %v\n%s", err, src)
		}
		src, _ := b.source()
		_, rest, _ := strings.Cut(src, `action="`)
		action, _, _ := strings.Cut(rest, `"`)
		if len(action) != 33 {
			t.Fatalf("no form action in the page:\n%s", src)
		}
		return action
	}
	notAnswered := func(done <-chan result, what string) {
		t.Helper()
		select {
		case r := <-done:
			t.Fatalf("%s was taken as the answer: %+v", what, r)
		case <-time.After(300 * time.Millisecond):
		}
	}
	answered := func(done <-chan result) result {
		t.Helper()
		select {
		case r := <-done:
			return r
		case <-time.After(30 * time.Second):
			src, _ := b.source()
			t.Fatalf("Ask did not return; the browser shows:\n%s", src)
		}
		return result{}
	}

	// 1. Another loopback origin posts to the form (with the token): refused.
	done := ask()
	action := openForm()
	target := launcherTarget(t, b)
	if !strings.HasSuffix(target, action) {
		t.Fatalf("the browser is at %s, the form posts to %s", target, action)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_ = evilPage.Execute(rw, target)
	}))
	defer evil.Close()
	if err := b.navigate(evil.URL + "/"); err != nil {
		t.Fatal(err)
	}
	if err := b.click("#evil"); err != nil {
		t.Fatal(err)
	}
	waitSource(t, b, "did not come from SessionGuard")
	notAnswered(done, "another page's POST")

	// 2. The practitioner types the reference and clicks OK.
	if err := b.navigate(target); err != nil {
		t.Fatal(err)
	}
	if err := b.typeInto(`input[name="answer"]`, "CR-2291"); err != nil {
		t.Fatal(err)
	}
	if err := b.click(`button[value="ok"]`); err != nil {
		t.Fatal(err)
	}
	if r := answered(done); r.err != nil || !r.ok || r.text != "CR-2291" {
		t.Errorf("OK: Ask = %+v, want CR-2291, ok", r)
	}
	waitSource(t, b, "Thank you")

	// 3. Cancel.
	done = ask()
	openForm()
	if err := b.typeInto(`input[name="answer"]`, "not this"); err != nil {
		t.Fatal(err)
	}
	if err := b.click(`button[value="cancel"]`); err != nil {
		t.Fatal(err)
	}
	if r := answered(done); r.err != nil || r.ok {
		t.Errorf("Cancel: Ask = %+v, want not ok", r)
	}
}

// launcherTarget is the address the browser shows now (the form's).
func launcherTarget(t *testing.T, b formBrowser) string {
	t.Helper()
	type locator interface{ location() (string, error) }
	u, err := b.(locator).location()
	if err != nil || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("the browser is at %q (%v), not the form", u, err)
	}
	return u
}

func waitSource(t *testing.T, b formBrowser, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		src, err := b.source()
		if err == nil && strings.Contains(src, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never said %q; it shows (%v):\n%s", want, err, src)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWebFormChromium runs the form in real headless Chromium.
func TestWebFormChromium(t *testing.T) {
	requireBrowser(t, chromiumPath, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	defer func() { cancel(); cancelAlloc() }()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 120*time.Second)
	defer tcancel()
	formScenario(t, &chromium{ctx: tctx})
}

type chromium struct{ ctx context.Context }

func (c *chromium) navigate(address string) error {
	return chromedp.Do(c.ctx, chromedp.Navigate(address))
}

func (c *chromium) typeInto(css, text string) error {
	ctx, cancel := context.WithTimeout(c.ctx, 15*time.Second)
	defer cancel()
	acts := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(css))}
	if text != "" {
		acts = append(acts, chromedp.SendKeys(chromedp.CSS(css), text))
	}
	return chromedp.Do(ctx, acts...)
}

func (c *chromium) click(css string) error {
	ctx, cancel := context.WithTimeout(c.ctx, 15*time.Second)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css)))
}

func (c *chromium) source() (string, error) {
	return chromedp.Run(c.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
}

func (c *chromium) location() (string, error) {
	return chromedp.Run(c.ctx, chromedp.Location())
}

// TestWebFormFirefox runs the form in real headless Firefox, driven over
// Marionette.
func TestWebFormFirefox(t *testing.T) {
	requireBrowser(t, firefoxPath, "firefox-esr")
	home := t.TempDir()
	profile := filepath.Join(home, "profile")
	if err := os.MkdirAll(profile, 0o700); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	prefs := firefoxtest.QuietPrefs()
	prefs["marionette.port"] = port
	prefs["network.proxy.type"] = 0
	prefs["browser.startup.page"] = 0
	firefoxtest.WriteUserJS(t, profile, prefs)
	cmd := exec.Command(firefoxPath, "--headless", "--marionette", "--no-remote", "--profile", profile, "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "MOZ_CRASHREPORTER_DISABLE=1", "DBUS_SESSION_BUS_ADDRESS=disabled:")
	logf, err := os.Create(filepath.Join(home, "firefox.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting firefox: %v", err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	m, err := dialMarionette(port, 60*time.Second)
	if err != nil {
		log, _ := os.ReadFile(logf.Name())
		t.Fatalf("connecting to Firefox's Marionette: %v\n%s", err, log)
	}
	defer m.conn.Close()
	if _, err := m.call("WebDriver:NewSession", map[string]any{}); err != nil {
		t.Fatalf("new session: %v", err)
	}
	formScenario(t, m)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// marionette is a minimal client of Firefox's remote protocol: messages
// are "length:json"; a command is [0, id, name, params], its answer
// [1, id, error, result].
type marionette struct {
	conn net.Conn
	r    *bufio.Reader
	id   int
}

func dialMarionette(port int, wait time.Duration) (*marionette, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			m := &marionette{conn: c, r: bufio.NewReader(c)}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := m.read(); err != nil { // the greeting
				c.Close()
				return nil, err
			}
			return m, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (m *marionette) read() ([]byte, error) {
	n, err := m.r.ReadString(':')
	if err != nil {
		return nil, err
	}
	size, err := strconv.Atoi(strings.TrimSuffix(n, ":"))
	if err != nil || size < 0 || size > 64<<20 {
		return nil, fmt.Errorf("bad Marionette frame length %q", n)
	}
	b := make([]byte, size)
	_, err = io.ReadFull(m.r, b)
	return b, err
}

func (m *marionette) call(name string, params map[string]any) (json.RawMessage, error) {
	m.id++
	msg, _ := json.Marshal([]any{0, m.id, name, params})
	_ = m.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(m.conn, "%d:%s", len(msg), msg); err != nil {
		return nil, err
	}
	for {
		b, err := m.read()
		if err != nil {
			return nil, err
		}
		var resp []json.RawMessage
		if err := json.Unmarshal(b, &resp); err != nil || len(resp) != 4 {
			return nil, fmt.Errorf("bad Marionette answer %s", b)
		}
		var id int
		_ = json.Unmarshal(resp[1], &id)
		if id != m.id {
			continue
		}
		if string(resp[2]) != "null" {
			return nil, fmt.Errorf("%s: %s", name, resp[2])
		}
		return resp[3], nil
	}
}

// value is a result's "value" field.
func (m *marionette) value(name string, params map[string]any, into any) error {
	res, err := m.call(name, params)
	if err != nil {
		return err
	}
	var v struct{ Value json.RawMessage }
	if err := json.Unmarshal(res, &v); err != nil {
		return err
	}
	return json.Unmarshal(v.Value, into)
}

// find waits up to 15 s for an element (the launcher forwards after it
// loaded).
func (m *marionette) find(css string) (string, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var el map[string]string
		err := m.value("WebDriver:FindElement", map[string]any{"using": "css selector", "value": css}, &el)
		if err == nil {
			for _, id := range el {
				return id, nil
			}
			err = fmt.Errorf("no element reference in %v", el)
		}
		if time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (m *marionette) navigate(address string) error {
	_, err := m.call("WebDriver:Navigate", map[string]any{"url": address})
	return err
}

func (m *marionette) typeInto(css, text string) error {
	id, err := m.find(css)
	if err != nil || text == "" {
		return err
	}
	_, err = m.call("WebDriver:ElementSendKeys", map[string]any{"id": id, "text": text})
	return err
}

func (m *marionette) click(css string) error {
	id, err := m.find(css)
	if err != nil {
		return err
	}
	_, err = m.call("WebDriver:ElementClick", map[string]any{"id": id})
	return err
}

func (m *marionette) source() (string, error) {
	var s string
	err := m.value("WebDriver:GetPageSource", map[string]any{}, &s)
	return s, err
}

func (m *marionette) location() (string, error) {
	var s string
	err := m.value("WebDriver:GetCurrentURL", map[string]any{}, &s)
	return s, err
}
