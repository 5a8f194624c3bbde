// Package dbustest gives tests a private D-Bus session bus (a real
// dbus-daemon in a temporary directory) and the desktop services the tray
// talks to on it: a StatusNotifierWatcher that is also the tray host, a
// reader of the exported com.canonical.dbusmenu menu, and a freedesktop
// notification server that records what it was asked to show.
package dbustest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// DaemonPath is the bus daemon (apt dbus-daemon).
const DaemonPath = "/usr/bin/dbus-daemon"

// StartBus starts a private session bus for the test and returns its
// address. Without dbus-daemon the test is skipped, or fails when CI=true.
func StartBus(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(DaemonPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: apt-get install dbus-daemon", DaemonPath)
		}
		t.Skipf("%s is missing (apt-get install dbus-daemon)", DaemonPath)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, DaemonPath, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:dir="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", DaemonPath, err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("dbus-daemon: %s", stderr.String())
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
		close(lines)
	}()
	select {
	case addr, ok := <-lines:
		if !ok || addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start within 10s")
	}
	return ""
}

// Connect opens a connection to the bus at addr, closed at the end of the
// test.
func Connect(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Watcher is a StatusNotifierWatcher that also says a host is registered:
// what a desktop panel provides. Registered receives the bus name of every
// item that registers.
type Watcher struct {
	Registered chan string
}

// StartWatcher exports a Watcher on conn and owns its well-known name.
func StartWatcher(t testing.TB, conn *dbus.Conn) *Watcher {
	t.Helper()
	w := &Watcher{Registered: make(chan string, 8)}
	const path = "/StatusNotifierWatcher"
	const iface = "org.kde.StatusNotifierWatcher"
	if err := conn.ExportMethodTable(map[string]any{
		"RegisterStatusNotifierItem": func(sender dbus.Sender, service string) *dbus.Error {
			// An item registers its bus name, or (fyne.io/systray) its
			// object path, which means the sender's name.
			name := service
			if strings.HasPrefix(service, "/") {
				name = string(sender)
			}
			select {
			case w.Registered <- name:
			default:
			}
			return nil
		},
		"RegisterStatusNotifierHost": func(string) *dbus.Error { return nil },
	}, path, iface); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, path, map[string]map[string]*prop.Prop{iface: {
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitFalse},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitFalse},
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitFalse},
	}}); err != nil {
		t.Fatal(err)
	}
	node := &introspect.Node{Name: path, Interfaces: []introspect.Interface{introspect.IntrospectData, prop.IntrospectData,
		{Name: iface, Methods: []introspect.Method{{Name: "RegisterStatusNotifierItem"}, {Name: "RegisterStatusNotifierHost"}}}}}
	if err := conn.Export(introspect.NewIntrospectable(node), path, "org.freedesktop.DBus.Introspectable"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(iface, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v (reply %d)", iface, err, reply)
	}
	return w
}

// MenuItem is one item of an exported dbusmenu layout.
type MenuItem struct {
	ID        int32
	Label     string
	Enabled   bool
	Visible   bool
	Separator bool
	Children  []MenuItem
}

// GetLayout reads the whole menu of the item owned by busName (its
// StatusNotifierItem's Menu property names the object).
func GetLayout(ctx context.Context, conn *dbus.Conn, busName string) (uint32, MenuItem, error) {
	var menuPath dbus.Variant
	err := conn.Object(busName, "/StatusNotifierItem").CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		"org.kde.StatusNotifierItem", "Menu").Store(&menuPath)
	if err != nil {
		return 0, MenuItem{}, fmt.Errorf("reading the item's Menu property: %w", err)
	}
	path, ok := menuPath.Value().(dbus.ObjectPath)
	if !ok {
		return 0, MenuItem{}, fmt.Errorf("Menu property is %T", menuPath.Value())
	}
	call := conn.Object(busName, path).CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		return 0, MenuItem{}, fmt.Errorf("GetLayout: %w", call.Err)
	}
	if len(call.Body) != 2 {
		return 0, MenuItem{}, fmt.Errorf("GetLayout answered %d values", len(call.Body))
	}
	rev, _ := call.Body[0].(uint32)
	root, err := parseLayout(call.Body[1])
	return rev, root, err
}

func parseLayout(v any) (MenuItem, error) {
	fields, ok := v.([]any)
	if !ok || len(fields) != 3 {
		return MenuItem{}, fmt.Errorf("layout node is %T", v)
	}
	id, _ := fields[0].(int32)
	props, _ := fields[1].(map[string]dbus.Variant)
	kids, _ := fields[2].([]dbus.Variant)
	it := MenuItem{ID: id, Enabled: true, Visible: true}
	if p, ok := props["label"]; ok {
		it.Label, _ = p.Value().(string)
	}
	if p, ok := props["enabled"]; ok {
		it.Enabled, _ = p.Value().(bool)
	}
	if p, ok := props["visible"]; ok {
		it.Visible, _ = p.Value().(bool)
	}
	if p, ok := props["type"]; ok {
		s, _ := p.Value().(string)
		it.Separator = s == "separator"
	}
	for _, k := range kids {
		child, err := parseLayout(k.Value())
		if err != nil {
			return MenuItem{}, err
		}
		it.Children = append(it.Children, child)
	}
	return it, nil
}

// Click sends the dbusmenu "clicked" event for item id, as a panel does.
func Click(ctx context.Context, conn *dbus.Conn, busName string, id int32) error {
	call := conn.Object(busName, "/StatusNotifierItem/menu").CallWithContext(ctx, "com.canonical.dbusmenu.Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	return call.Err
}

// Notification is one Notify call.
type Notification struct {
	App, Summary, Body string
}

// Notifications is a freedesktop notification server that records.
type Notifications struct {
	mu   sync.Mutex
	got  []Notification
	next uint32
	// Fail makes Notify answer an error (a broken service).
	Fail bool
}

// StartNotifications exports a Notifications server on conn and owns
// org.freedesktop.Notifications.
func StartNotifications(t testing.TB, conn *dbus.Conn) *Notifications {
	t.Helper()
	n := &Notifications{}
	const path = "/org/freedesktop/Notifications"
	const iface = "org.freedesktop.Notifications"
	err := conn.ExportMethodTable(map[string]any{
		"Notify": func(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
			n.mu.Lock()
			defer n.mu.Unlock()
			if n.Fail {
				return 0, dbus.MakeFailedError(errors.New("notification service broken"))
			}
			n.next++
			n.got = append(n.got, Notification{App: app, Summary: summary, Body: body})
			return n.next, nil
		},
		"GetCapabilities": func() ([]string, *dbus.Error) { return []string{"body"}, nil },
		"GetServerInformation": func() (string, string, string, string, *dbus.Error) {
			return "dbustest", "sessionguard", "1", "1.2", nil
		},
		"CloseNotification": func(uint32) *dbus.Error { return nil },
	}, path, iface)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(iface, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v (reply %d)", iface, err, reply)
	}
	return n
}

// Received returns the notifications shown so far.
func (n *Notifications) Received() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notification(nil), n.got...)
}

// SetFail makes the server fail (true) or work.
func (n *Notifications) SetFail(fail bool) {
	n.mu.Lock()
	n.Fail = fail
	n.mu.Unlock()
}

type limitedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
