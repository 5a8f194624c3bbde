package screenlock

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
	"github.com/sessionguard/sessionguard/checks/internal/xdgconf"
)

// The KDE config and autostart readers and the gsettings readers are
// shared with os_updates.
type kdeGroup = xdgconf.KDEGroup

var (
	parseKDEConfig  = xdgconf.ParseKDE
	kdeBool         = xdgconf.KDEBool
	autostartHidden = xdgconf.AutostartHidden

	parseGSettingsList = gsettings.ParseList
	gsettingsProblem   = gsettings.Problem
	gVariantUint       = gsettings.Uint
	gVariantBool       = gsettings.Bool
)

// parseDconfProfile reads a dconf profile (/etc/dconf/profile/user) and
// returns its system databases in order ("system-db:local" → "local").
func parseDconfProfile(b []byte) []string {
	var dbs []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "system-db:"); ok && name != "" {
			dbs = append(dbs, name)
		}
	}
	return dbs
}

// parseDconfKeyfile reads one keyfile of a dconf system database
// (/etc/dconf/db/local.d/00-screensaver) and returns its values by full key
// path: "[org/gnome/desktop/session]" + "idle-delay=uint32 300" →
// "/org/gnome/desktop/session/idle-delay": "uint32 300".
func parseDconfKeyfile(b []byte) map[string]string {
	vals := map[string]string{}
	group := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			group = strings.Trim(strings.TrimSpace(line[1:len(line)-1]), "/")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || group == "" {
				continue
			}
			vals["/"+group+"/"+strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return vals
}

// parseDconfLocks reads a locks file (/etc/dconf/db/local.d/locks/screensaver):
// one key path per line.
func parseDconfLocks(b []byte) []string {
	var keys []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "/") {
			keys = append(keys, line)
		}
	}
	return keys
}

// parseLoginctlProps reads `loginctl show-user|show-session -p X` output:
// "Key=value" lines.
func parseLoginctlProps(b []byte) map[string]string {
	props := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k != "" {
			props[k] = strings.TrimSpace(v)
		}
	}
	return props
}

// Desktop families whose screen lock this check reads.
const (
	desktopGNOME    = "gnome"
	desktopCinnamon = "cinnamon"
	desktopMATE     = "mate"
	desktopKDE      = "kde"
	desktopXFCE     = "xfce"
	desktopBudgie   = "budgie"
	desktopLXQt     = "lxqt"
	desktopCOSMIC   = "cosmic"
	desktopSway     = "sway"
	desktopRiver    = "river"
	desktopHyprland = "hyprland"
	desktopI3       = "i3"
	desktopOther    = "other"
	desktopUnknown  = "unknown"
)

// desktopFamily maps a session's desktop name (logind's Desktop, which is
// XDG_SESSION_DESKTOP: "gnome", "ubuntu", "KDE", "plasmawayland", "xfce",
// "cinnamon", "mate", …) to the family whose settings hold its screen lock.
// Desktops built on GNOME Shell or its settings (Ubuntu, Pop, Unity,
// Pantheon, GNOME Flashback) are GNOME; Budgie reads GNOME's settings with
// its own screensaver. Tiling compositors and window managers (sway,
// river, Hyprland, i3) lock through an idle daemon.
func desktopFamily(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "":
		return desktopUnknown
	case strings.Contains(n, "cinnamon"):
		return desktopCinnamon
	case strings.Contains(n, "mate"):
		return desktopMATE
	case strings.Contains(n, "kde") || strings.Contains(n, "plasma"):
		return desktopKDE
	case strings.Contains(n, "xfce"):
		return desktopXFCE
	case strings.Contains(n, "budgie"):
		return desktopBudgie
	case strings.Contains(n, "lxqt"):
		return desktopLXQt
	case strings.Contains(n, "cosmic"):
		return desktopCOSMIC
	case strings.Contains(n, "hyprland"):
		return desktopHyprland
	case n == "sway" || strings.HasPrefix(n, "sway:") || strings.HasSuffix(n, ":sway"):
		return desktopSway
	case n == "river":
		return desktopRiver
	case n == "i3" || n == "i3wm" || strings.HasPrefix(n, "i3-"):
		return desktopI3
	case strings.Contains(n, "gnome") || strings.Contains(n, "ubuntu") || strings.Contains(n, "pop") ||
		strings.Contains(n, "unity") || strings.Contains(n, "pantheon") ||
		strings.Contains(n, "zorin"):
		return desktopGNOME
	}
	return desktopOther
}

// kdeMinutes reads kscreenlocker's Timeout (minutes, a double) as seconds.
func kdeMinutes(s string) (int, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 1e6 || math.IsNaN(f) {
		return 0, false
	}
	return int(math.Round(f * 60)), true
}

// xfconfProperty is one leaf of an xfconf channel.
type xfconfProperty struct {
	Value  string
	Locked bool
}

// parseXfconfChannel reads an xfconf channel file (xfce4-screensaver.xml)
// and returns its leaf properties by path ("/lock/saver-activation/delay").
// A property with a locked="…" attribute (in the system file) cannot be
// changed by the user. ok is false when it is not an xfconf channel.
func parseXfconfChannel(b []byte) (map[string]xfconfProperty, bool) {
	type prop struct {
		Name   string `xml:"name,attr"`
		Type   string `xml:"type,attr"`
		Value  string `xml:"value,attr"`
		Locked string `xml:"locked,attr"`
		Props  []prop `xml:"property"`
	}
	var ch struct {
		XMLName xml.Name
		Name    string `xml:"name,attr"`
		Props   []prop `xml:"property"`
	}
	if err := xml.Unmarshal(b, &ch); err != nil || ch.XMLName.Local != "channel" {
		return nil, false
	}
	out := map[string]xfconfProperty{}
	var walk func(prefix string, ps []prop)
	walk = func(prefix string, ps []prop) {
		for _, p := range ps {
			path := prefix + "/" + p.Name
			if p.Type != "empty" && p.Type != "" {
				out[path] = xfconfProperty{Value: p.Value, Locked: p.Locked != ""}
			}
			walk(path, p.Props)
		}
	}
	walk("", ch.Props)
	return out, true
}
