package credentials

import (
	"os"
	"path/filepath"
	"strconv"
)

// sessionBusKnown reports whether this process has a D-Bus session bus to
// ask the Secret Service on: its address in DBUS_SESSION_BUS_ADDRESS (not
// "autolaunch:"), or the user's bus socket in the runtime folder
// ($XDG_RUNTIME_DIR/bus, else /run/user/<uid>/bus), as the D-Bus library
// would find it before falling back to running dbus-launch.
func sessionBusKnown() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	}
	fi, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
