package traycli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
	"github.com/sessionguard/sessionguard/tray"
	"github.com/sessionguard/sessionguard/tray/dbustest"
	"github.com/sessionguard/sessionguard/tray/systrayui"
	"github.com/sessionguard/sessionguard/tray/traytest"
)

// TestMain runs the real tray (run) when the test binary is started as
// the tray by a test: systray keeps global state, so each tray gets its
// own process, as in real life.
func TestMain(m *testing.M) {
	if os.Getenv("SG_TRAY_TEST_MAIN") == "1" {
		if v := os.Getenv("SG_TRAY_TEST_VERSION"); v != "" {
			Version = v // as -ldflags -X sets it in a release build
		}
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startTray runs the tray in a child process on the bus at busAddr.
func startTray(t *testing.T, busAddr string, args ...string) <-chan error {
	exit, _, _ := startTrayOutput(t, busAddr, args...)
	return exit
}

// startTrayOutput is startTray that also returns the tray's output. Each
// tray gets its own runtime directory (its own one-tray-per-user lock).
func startTrayOutput(t *testing.T, busAddr string, args ...string) (<-chan error, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	return startTrayIn(t, privateDir(t), nil, busAddr, args...)
}

// privateDir is a new 0700 directory (an $XDG_RUNTIME_DIR).
func privateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startTrayIn starts the tray with runtimeDir as its $XDG_RUNTIME_DIR and
// env added to its environment.
func startTrayIn(t *testing.T, runtimeDir string, env []string, busAddr string, args ...string) (<-chan error, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	home := t.TempDir()
	// fyne.io/systray v1.12.2 races with itself (GetLayout reads the
	// menu version that refresh writes under another lock); under -race
	// the child reports without failing, and the test fails on any race
	// report that is not entirely inside systray (see checkRaces).
	cmd.Env = append(os.Environ(), "GORACE=exitcode=0", "SG_TRAY_TEST_MAIN=1", "DBUS_SESSION_BUS_ADDRESS="+busAddr, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_RUNTIME_DIR="+runtimeDir, "PATH=/nonexistent")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		checkRaces(t, stderr.String())
		if t.Failed() {
			t.Logf("tray stdout:\n%s\ntray stderr:\n%s", stdout.String(), stderr.String())
		}
	})
	return exit, &stdout, &stderr
}

// checkRaces fails the test for every data race report of the tray
// process whose accesses are not all inside fyne.io/systray itself.
func checkRaces(t *testing.T, stderr string) {
	t.Helper()
	reports := strings.Split(stderr, "WARNING: DATA RACE")
	for _, r := range reports[1:] {
		r, _, _ = strings.Cut(r, "==================")
		lines := strings.Split(r, "\n")
		inside := true
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if (strings.HasPrefix(l, "Write at") || strings.HasPrefix(l, "Read at") || strings.HasPrefix(l, "Previous write at") || strings.HasPrefix(l, "Previous read at")) && i+1 < len(lines) {
				if !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "fyne.io/systray.") {
					inside = false
				}
			}
		}
		if !inside {
			t.Errorf("data race in the tray process:%s", r)
		} else {
			t.Logf("known data race inside fyne.io/systray (not ours):%s", firstLines(r, 4))
		}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// visibleItems flattens the layout to its visible items.
func visibleItems(root dbustest.MenuItem) []dbustest.MenuItem {
	var out []dbustest.MenuItem
	for _, c := range root.Children {
		if c.Visible {
			out = append(out, c)
		}
	}
	return out
}

func labelsOf(items []dbustest.MenuItem) []string {
	var out []string
	for _, it := range items {
		if it.Separator {
			out = append(out, "---")
		} else {
			out = append(out, it.Label)
		}
	}
	return out
}

// TestTrayOverDBus is the acceptance test of issue 9: on a private session
// bus with a StatusNotifier watcher and host, the real tray registers its
// item; its menu, read over com.canonical.dbusmenu, shows the overall line,
// one line per check, Check again, Start session… and Quit; a "clicked"
// event on Check again makes the real agent run the checks; a check
// turning red shows a notification through org.freedesktop.Notifications;
// when the agent stops the menu goes grey, and it comes back when the
// agent listens again.
func TestTrayOverDBus(t *testing.T) {
	addr := dbustest.StartBus(t)
	host := dbustest.Connect(t, addr)
	watcher := dbustest.StartWatcher(t, host)
	notes := dbustest.StartNotifications(t, host)
	ag := traytest.StartAgent(t)

	trayExit := startTray(t, addr, "--socket", ag.Socket, "--host-wait", "10s")
	var item string
	select {
	case item = <-watcher.Registered:
	case <-time.After(20 * time.Second):
		t.Fatal("the tray did not register a StatusNotifierItem within 20s")
	}

	ctx := t.Context()
	var items []dbustest.MenuItem
	// read returns the menu once it is settled: systray applies a render
	// item by item, so a panel (and this test) may see one half done; the
	// same revision twice in a row means the render is complete.
	read := func() []string {
		var lastRev uint32
		for {
			rev, root, err := dbustest.GetLayout(ctx, host, item)
			if err != nil {
				t.Fatalf("reading the menu: %v", err)
			}
			if rev == lastRev {
				items = visibleItems(root)
				return labelsOf(items)
			}
			lastRev = rev
			time.Sleep(30 * time.Millisecond)
		}
	}
	// shows waits until the menu holds every check's line, one of them
	// starting with firewall.
	shows := func(what, firewall string) {
		t.Helper()
		traytest.WaitFor(t, what, func() bool {
			got := read()
			return checkLines(got) == len(all.Checks()) && slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, firewall) })
		})
	}
	shows("the menu to show the checks", "✔ Firewall")
	got := read()
	t.Logf("menu: %q", got)
	rep, _ := ag.Results(ctx)
	want := []string{"Not ready for a session"}
	for _, r := range rep.Results {
		want = append(want, r.Title)
	}
	// overall line, when the checks last ran, then one line per check in
	// the agent's order.
	if got[0] != want[0] {
		t.Errorf("overall line %q, want %q (menu %q)", got[0], want[0], got)
	}
	if len(rep.Results) != len(all.Checks()) {
		t.Fatalf("agent has %d results, want the %d checks", len(rep.Results), len(all.Checks()))
	}
	// Then when the checks last ran.
	if !strings.HasPrefix(got[1], "Last checked ") {
		t.Errorf("line 1 = %q, want when the checks last ran", got[1])
	}
	for i, r := range rep.Results {
		line := got[2+i]
		if !strings.Contains(line, " "+r.Title+" — ") {
			t.Errorf("line %d = %q, want check %q", 2+i, line, r.Title)
		}
	}
	tail := got[2+len(rep.Results):]
	about := tray.LabelAbout + " (development build)" // the test binary has no version
	if wantTail := []string{"---", tray.LabelCheckAgain, tray.LabelStart, "---", about, tray.LabelQuit}; !slices.Equal(tail, wantTail) {
		t.Errorf("menu ends %q, want %q\nwhole menu %q", tail, wantTail, got)
	}
	for _, it := range items {
		switch it.Label {
		case tray.LabelCheckAgain, tray.LabelStart, about, tray.LabelQuit:
			if !it.Enabled {
				t.Errorf("%q is disabled", it.Label)
			}
		}
	}
	wantCentre(t, host, item, localapi.Red)

	// Check again, clicked through D-Bus, runs the checks on the agent;
	// the firewall has been turned off meanwhile: red, and a notification.
	ag.Probe.Use(t, "empty_ruleset_no_frontends")
	runs := ag.Runs.Load()
	id := itemID(t, items, tray.LabelCheckAgain)
	if err := dbustest.Click(ctx, host, item, id); err != nil {
		t.Fatalf("clicking Check again: %v", err)
	}
	traytest.WaitFor(t, "the agent to run the checks after the click", func() bool { return ag.Runs.Load() > runs })
	shows("the menu to show the firewall off", "✖ Firewall")
	traytest.WaitFor(t, "the check-turned-red notification", func() bool {
		for _, n := range notes.Received() {
			if n.App == "SessionGuard" && n.Summary == "Firewall needs attention" {
				return true
			}
		}
		return false
	})
	if n := len(notes.Received()); n != 1 {
		t.Errorf("%d notifications, want exactly 1 (the baseline does not notify): %+v", n, notes.Received())
	}

	// The agent stops: grey, "isn't running", everything but Quit disabled.
	ag.Stop()
	traytest.WaitFor(t, "the menu to say the agent is not running", func() bool {
		got := read()
		return got[0] == tray.LabelNotRunning && checkLines(got) == 0
	})
	for _, it := range items {
		if it.Enabled && !it.Separator && it.Label != tray.LabelQuit && it.Label != about {
			t.Errorf("%q is enabled while the agent is down", it.Label)
		}
		if strings.Contains(it.Label, "Firewall") {
			t.Errorf("check line %q shown while the agent is down", it.Label)
		}
	}
	wantCentre(t, host, item, localapi.Grey)

	// It listens again: the tray reconnects by itself.
	ag.Serve(t)
	shows("the menu to come back after the agent restarted", "✖ Firewall")
	wantCentre(t, host, item, localapi.Red)

	// Quit, clicked through D-Bus, ends the process with 0 (it may go
	// before it answers the click).
	if err := dbustest.Click(ctx, host, item, itemID(t, items, tray.LabelQuit)); err != nil && !strings.Contains(err.Error(), "disconnected") {
		t.Fatalf("clicking Quit: %v", err)
	}
	select {
	case err := <-trayExit:
		if err != nil {
			t.Errorf("the tray exited with %v after Quit, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the tray did not exit within 10s of Quit")
	}
}

// wantCentre waits (up to 10 s) for the swatch pixel of the item's icon to
// be the light's colour. The icon and the menu are separate D-Bus
// properties, each signalled on its own: the menu may show a change a
// moment before the icon does.
func wantCentre(t *testing.T, conn *dbus.Conn, item string, l localapi.Light) {
	t.Helper()
	c := systrayui.Colour(l)
	want := []byte{0xff, c.R, c.G, c.B}
	i := (systrayui.Swatch.Y*systrayui.IconSize + systrayui.Swatch.X) * 4
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = iconPixels(t, conn, item)[i : i+4]; bytes.Equal(got, want) {
			return
		}
	}
	t.Errorf("icon centre %x, want %s %x", got, l, want)
}

// checkLines counts the lines that show a check (they start with a mark).
func checkLines(labels []string) int {
	n := 0
	for _, l := range labels {
		for _, mark := range []string{"✔ ", "⚠ ", "✖ ", "? ", "– "} {
			if strings.HasPrefix(l, mark) {
				n++
				break
			}
		}
	}
	return n
}

func itemID(t *testing.T, items []dbustest.MenuItem, label string) int32 {
	t.Helper()
	for _, it := range items {
		if it.Label == label {
			return it.ID
		}
	}
	t.Fatalf("no %q item in %q", label, labelsOf(items))
	return 0
}

// iconPixels reads the item's IconPixmap (ARGB, as the host draws it).
func iconPixels(t *testing.T, conn *dbus.Conn, item string) []byte {
	t.Helper()
	var v dbus.Variant
	err := conn.Object(item, "/StatusNotifierItem").Call("org.freedesktop.DBus.Properties.Get", 0,
		"org.kde.StatusNotifierItem", "IconPixmap").Store(&v)
	if err != nil {
		t.Fatalf("reading IconPixmap: %v", err)
	}
	var px []struct {
		W, H int32
		Pix  []byte
	}
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		t.Fatalf("IconPixmap %T: %v", v.Value(), err)
	}
	if len(px) != 1 || px[0].W != 32 || len(px[0].Pix) != 32*32*4 {
		t.Fatalf("IconPixmap: %d images", len(px))
	}
	return px[0].Pix
}

// TestNoTrayHost: a desktop without a StatusNotifier host (a bus without
// a watcher), and a machine without a session bus at all. The tray says
// so, keeps running (never a silent exit), and still tells about a check
// turning red: as a desktop notification on the bus, printed without one.
func TestNoTrayHost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bus      bool
		wantHint string
	}{
		{name: "bus without a tray host", bus: true, wantHint: "this desktop shows no tray icons"},
		{name: "no session bus", bus: false, wantHint: "no desktop session bus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
			var notes *dbustest.Notifications
			if tc.bus {
				addr = dbustest.StartBus(t)
				notes = dbustest.StartNotifications(t, dbustest.Connect(t, addr))
			}
			ag := traytest.StartAgent(t)
			exit, stdout, stderr := startTrayOutput(t, addr, "--socket", ag.Socket, "--host-wait", "200ms")
			traytest.WaitFor(t, "the hint", func() bool {
				return strings.Contains(stderr.String(), tc.wantHint) && strings.Contains(stderr.String(), "sessionguard status")
			})
			// Connected and past the baseline results before the change.
			traytest.WaitFor(t, "the tray to watch the agent", func() bool { return ag.Watchers() > 0 })
			traytest.WaitFor(t, "the tray to read the baseline results", func() bool { return ag.ResultsRead() > 0 })

			ag.Probe.Use(t, "empty_ruleset_no_frontends")
			if _, err := ag.Run(t.Context()); err != nil {
				t.Fatal(err)
			}
			if tc.bus {
				traytest.WaitFor(t, "the notification", func() bool {
					for _, n := range notes.Received() {
						if n.Summary == "Firewall needs attention" {
							return true
						}
					}
					return false
				})
			} else {
				traytest.WaitFor(t, "the printed notification", func() bool {
					return strings.Contains(stdout.String(), "SessionGuard: Firewall needs attention — ")
				})
			}
			select {
			case err := <-exit:
				t.Fatalf("the tray exited (%v) without a tray host; it must keep running", err)
			default:
			}
			if !tc.bus {
				return
			}
			// A panel that starts later brings the icon.
			conn := dbustest.Connect(t, addr)
			watcher := dbustest.StartWatcher(t, conn)
			select {
			case <-watcher.Registered:
			case <-time.After(4 * hostPoll):
				t.Fatal("the tray did not show its icon after a tray host appeared")
			}
			traytest.WaitFor(t, "the saying so", func() bool { return strings.Contains(stderr.String(), "a tray appeared") })
		})
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{args: []string{"--help"}, code: 0, wantStdout: "sessionguard status"},
		{args: []string{"-h"}, code: 0, wantStdout: "--dashboard-url"},
		{args: []string{"--version"}, code: 0, wantStdout: "sessionguard-tray dev\n"},
		{args: []string{"--bogus"}, code: 2, wantStderr: "flag provided but not defined: --bogus (see --help)"},
		{args: []string{"--remind-after", "soon"}, code: 2, wantStderr: "for flag --remind-after"},
		{args: []string{"extra"}, code: 2, wantStderr: `unexpected argument "extra"`},
		{args: []string{"--dashboard-url", "javascript:alert(1)"}, code: 2, wantStderr: "not a web address"},
		{args: []string{"--remind-after", "-1m"}, code: 2, wantStderr: "must not be negative"},
		{args: []string{"--policy", "/nonexistent/policy.json", "--no-tray"}, code: 1, wantStderr: "policy"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stdout %q stderr %q, want %q / %q", stdout.String(), stderr.String(), tc.wantStdout, tc.wantStderr)
			}
		})
	}
}

// TestOneTrayPerUser starts the tray twice for the same person (the same
// runtime directory), as autostart and the applications menu would: the
// second start says SessionGuard is already running and exits 0, and the
// running tray shows a notification saying where it is and how ready the
// computer is. A tray for another person (another runtime directory)
// starts as usual.
func TestOneTrayPerUser(t *testing.T) {
	addr := dbustest.StartBus(t)
	host := dbustest.Connect(t, addr)
	watcher := dbustest.StartWatcher(t, host)
	notes := dbustest.StartNotifications(t, host)
	ag := traytest.StartAgent(t)
	run := privateDir(t)

	startTrayIn(t, run, nil, addr, "--socket", ag.Socket)
	select {
	case <-watcher.Registered:
	case <-time.After(20 * time.Second):
		t.Fatal("the first tray did not register its icon within 20s")
	}
	traytest.WaitFor(t, "the tray to read the results", func() bool { return ag.ResultsRead() > 0 })

	exit, _, stderr := startTrayIn(t, run, nil, addr, "--socket", ag.Socket)
	select {
	case err := <-exit:
		if err != nil {
			t.Errorf("second start: %v, want exit 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the second tray is still running")
	}
	msg := stderr.String()
	if !strings.Contains(msg, "SessionGuard is already running for you") || !strings.Contains(msg, "notification") || strings.Contains(msg, "level=") || strings.Contains(msg, ".lock") {
		t.Errorf("second start said %q", msg)
	}
	traytest.WaitFor(t, "the running tray's notification", func() bool {
		for _, n := range notes.Received() {
			if n.Summary == "SessionGuard is already running" && strings.HasPrefix(n.Body, "Not ready for a session. Click the SessionGuard icon") {
				return true
			}
		}
		return false
	})

	// Another person's tray is not stopped by this one's lock.
	other, _, _ := startTrayIn(t, privateDir(t), nil, addr, "--socket", ag.Socket)
	select {
	case err := <-other:
		t.Fatalf("another person's tray exited: %v", err)
	case <-watcher.Registered:
	case <-time.After(20 * time.Second):
		t.Fatal("another person's tray did not register its icon")
	}
}
