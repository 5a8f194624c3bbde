package desktop

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification service (Desktop Notifications
// Specification 1.2).
const (
	NotificationsName      = "org.freedesktop.Notifications"
	NotificationsPath      = "/org/freedesktop/Notifications"
	NotificationsInterface = "org.freedesktop.Notifications"
	// AppName is the application name notifications carry.
	AppName = "SessionGuard"
)

// Freedesktop sends notifications to org.freedesktop.Notifications on a
// D-Bus connection (the session bus). It is safe for concurrent use.
type Freedesktop struct {
	Conn *dbus.Conn
	// Icon is a freedesktop icon name or an absolute file path ("" none).
	Icon string
}

// Notify shows one notification and returns once the service accepted it.
func (f Freedesktop) Notify(ctx context.Context, title, body string) error {
	ctx, cancel := context.WithTimeout(ctx, NotifyTimeout)
	defer cancel()
	obj := f.Conn.Object(NotificationsName, NotificationsPath)
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(byte(1)), // normal
		"desktop-entry": dbus.MakeVariant("sessionguard-tray"),
	}
	call := obj.CallWithContext(ctx, NotificationsInterface+".Notify", 0,
		AppName, uint32(0), f.Icon, clip(title, MaxTitle), escapeMarkup(clip(body, MaxText)),
		[]string{}, hints, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("showing a notification through %s: %w", NotificationsName, call.Err)
	}
	return nil
}

// escapeMarkup escapes the few characters servers that support body markup
// would read as tags or entities.
func escapeMarkup(s string) string {
	r := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			r = append(r, "&amp;"...)
		case '<':
			r = append(r, "&lt;"...)
		case '>':
			r = append(r, "&gt;"...)
		default:
			r = append(r, s[i])
		}
	}
	return string(r)
}

// HasOwner reports whether a bus name has an owner on conn.
func HasOwner(ctx context.Context, conn *dbus.Conn, name string) (bool, error) {
	var has bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
	if err != nil {
		return false, fmt.Errorf("asking the bus about %s: %w", name, err)
	}
	return has, nil
}
