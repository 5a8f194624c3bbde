package systrayui

import (
	"context"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// The StatusNotifier watcher a Linux tray host runs on the session bus.
const (
	WatcherName      = "org.kde.StatusNotifierWatcher"
	WatcherPath      = "/StatusNotifierWatcher"
	WatcherInterface = "org.kde.StatusNotifierWatcher"
)

// HostPresent reports whether conn's bus has a StatusNotifierWatcher with
// a host registered, i.e. whether a tray icon would be seen. A watcher that
// does not answer the property is taken at its word.
func HostPresent(ctx context.Context, conn *dbus.Conn) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, WatcherName).Store(&has); err != nil {
		return false, fmt.Errorf("asking the session bus for a tray host: %w", err)
	}
	if !has {
		return false, nil
	}
	var v dbus.Variant
	err := conn.Object(WatcherName, WatcherPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		WatcherInterface, "IsStatusNotifierHostRegistered").Store(&v)
	if err != nil {
		return true, nil
	}
	registered, ok := v.Value().(bool)
	return !ok || registered, nil
}

// WaitForHost polls HostPresent every interval until it is true, ctx ends
// (false) or the bus fails.
func WaitForHost(ctx context.Context, conn *dbus.Conn, interval time.Duration) (bool, error) {
	for {
		ok, err := HostPresent(ctx, conn)
		if ok || err != nil {
			return ok, err
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(interval):
		}
	}
}
