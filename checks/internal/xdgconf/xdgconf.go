// Package xdgconf reads desktop configuration files that several checks
// look at: KDE's KConfig files (kscreenlockerrc, PlasmaDiscoverUpdates)
// and XDG autostart entries.
package xdgconf

import "strings"

// KDEGroup is one group of a KDE config file: its entries and which of them
// an administrator made immutable ("[Daemon][$i]" or "Timeout[$i]=").
type KDEGroup struct {
	Values    map[string]string
	Immutable map[string]bool
	// AllImmutable is set by "[Daemon][$i]" or a file-wide "[$i]".
	AllImmutable bool
}

// ParseKDE reads one group of a KDE config file such as
// kscreenlockerrc. Entries with a locale suffix ("Key[de]=") are skipped.
func ParseKDE(b []byte, group string) KDEGroup {
	g := KDEGroup{Values: map[string]string{}, Immutable: map[string]bool{}}
	in := false
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if line == "[$i]" && i == 0 {
				g.AllImmutable = true
				continue
			}
			name, flags, _ := strings.Cut(line, "]")
			in = strings.TrimPrefix(name, "[") == group
			if in && strings.Contains(flags, "[$i]") {
				g.AllImmutable = true
			}
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if base, suffix, found := strings.Cut(k, "["); found {
			if !strings.Contains(suffix, "$i") {
				continue // a translated value
			}
			k = base
			g.Immutable[k] = true
		}
		g.Values[k] = strings.TrimSpace(v)
	}
	return g
}

// KDEBool reads a KDE boolean ("true", "false", "1", "0", "on", "off").
func KDEBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "yes":
		return true, true
	case "false", "0", "off", "no":
		return false, true
	}
	return false, false
}

// AutostartHidden reports whether a .desktop autostart entry is turned
// off (Hidden=true, or X-GNOME-Autostart-enabled=false).
func AutostartHidden(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		v = strings.ToLower(strings.TrimSpace(v))
		switch strings.TrimSpace(k) {
		case "Hidden":
			if v == "true" {
				return true
			}
		case "X-GNOME-Autostart-enabled", "X-MATE-Autostart-enabled":
			if v == "false" {
				return true
			}
		}
	}
	return false
}

// Merge lays a user's file over the system-wide one (/etc/xdg) as KConfig
// does: the user's entries win, except those the system file made
// immutable.
func Merge(sys, user KDEGroup) map[string]string {
	vals := map[string]string{}
	for k, v := range sys.Values {
		vals[k] = v
	}
	for k, v := range user.Values {
		if !sys.AllImmutable && !sys.Immutable[k] {
			vals[k] = v
		}
	}
	return vals
}
