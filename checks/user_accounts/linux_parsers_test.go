package useraccounts

import (
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
)

func TestParsePasswdAndHumans(t *testing.T) {
	debianShells := parseShells(checktest.ReadParserData(t, "passwd/live_debian12_ci_shells.txt"))
	tests := []struct {
		file             string
		ok               bool
		shells           map[string]bool
		uidMin, uidMax   int
		wantHumans       int
		wantEntriesAtLst int
	}{
		{"passwd/live_debian12_ci.txt", true, debianShells, 1000, 60000, 1, 20},
		{"passwd/ubuntu2204_desktop_two_users.txt", true, debianShells, 1000, 60000, 2, 30},
		// gdm and gnome-initial-setup have /bin/false; snap ids are above UID_MAX.
		{"passwd/ubuntu2204_desktop_two_users.txt", true, nil, 1000, 60000, 2, 30},
		{"passwd/fedora39_wheel_zsh.txt", true, map[string]bool{"/bin/bash": true, "/usr/bin/zsh": true}, 1000, 60000, 1, 20},
		// zsh not listed in /etc/shells: not a login shell.
		{"passwd/fedora39_wheel_zsh.txt", true, map[string]bool{"/bin/bash": true}, 1000, 60000, 0, 20},
		// Empty shell field is /bin/sh; NIS "+" lines are skipped.
		{"passwd/nis_compat_lines.txt", true, map[string]bool{"/bin/sh": true}, 1000, 60000, 1, 3},
		{"passwd/not_passwd_html.txt", false, nil, 1000, 60000, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			entries, ok := unixlogin.ParsePasswd(checktest.ReadParserData(t, tc.file))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if len(entries) < tc.wantEntriesAtLst {
				t.Errorf("%d entries, want at least %d", len(entries), tc.wantEntriesAtLst)
			}
			if got := humanAccounts(entries, tc.uidMin, tc.uidMax, tc.shells); got != tc.wantHumans {
				t.Errorf("humans = %d, want %d", got, tc.wantHumans)
			}
		})
	}
}

func TestParseLoginDefs(t *testing.T) {
	tests := []struct {
		file     string
		min, max int
	}{
		{"logindefs/live_debian12_ci.txt", 1000, 60000},
		{"logindefs/fedora39.txt", 1000, 60000},
		{"logindefs/rhel5_uid_min_500.txt", 500, 60000},
		{"logindefs/no_uid_keys.txt", defaultUIDMin, defaultUIDMax},
		{"logindefs/bad_values.txt", defaultUIDMin, defaultUIDMax},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if mn, mx := parseLoginDefs(checktest.ReadParserData(t, tc.file)); mn != tc.min || mx != tc.max {
				t.Errorf("got %d..%d, want %d..%d", mn, mx, tc.min, tc.max)
			}
		})
	}
}

func TestParseGroupAndIsAdmin(t *testing.T) {
	tests := []struct {
		file  string
		ok    bool
		user  unixlogin.Passwd
		admin bool
	}{
		{"group/ubuntu2204_sudo_member.txt", true, unixlogin.Passwd{Name: "alice", UID: 1000, GID: 1000}, true},
		{"group/ubuntu2204_sudo_member.txt", true, unixlogin.Passwd{Name: "bob", UID: 1001, GID: 1001}, false},
		{"group/fedora39_wheel.txt", true, unixlogin.Passwd{Name: "carol", UID: 1000, GID: 1000}, true},
		// Member by primary group only (wheel's gid), not in the member list.
		{"group/arch_primary_wheel.txt", true, unixlogin.Passwd{Name: "erin", UID: 1000, GID: 998}, true},
		{"group/live_debian12_ci.txt", true, unixlogin.Passwd{Name: "someone", UID: 1000, GID: 1000}, false},
		{"group/live_debian12_ci.txt", true, unixlogin.Passwd{Name: "root", UID: 0, GID: 0}, true},
		// Groups that act as root without sudo: docker, incus-admin, disk,
		// libvirt.
		{"group/ubuntu2404_root_equivalent_groups.txt", true, unixlogin.Passwd{Name: "bob", UID: 1001, GID: 1001}, true},
		{"group/ubuntu2404_root_equivalent_groups.txt", true, unixlogin.Passwd{Name: "dana", UID: 1002, GID: 1002}, true},
		{"group/ubuntu2404_root_equivalent_groups.txt", true, unixlogin.Passwd{Name: "erin", UID: 1003, GID: 1003}, true},
		{"group/ubuntu2404_root_equivalent_groups.txt", true, unixlogin.Passwd{Name: "frank", UID: 1004, GID: 1004}, true},
		{"group/ubuntu2404_root_equivalent_groups.txt", true, unixlogin.Passwd{Name: "gina", UID: 1005, GID: 1005}, false},
		{"group/garbage.txt", false, unixlogin.Passwd{Name: "x", UID: 1000, GID: 1000}, false},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.user.Name, func(t *testing.T) {
			groups, ok := unixlogin.ParseGroup(checktest.ReadParserData(t, tc.file))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if got := isAdmin(tc.user, groups); got != tc.admin {
				t.Errorf("IsAdmin = %v, want %v", got, tc.admin)
			}
		})
	}
}

func TestGDMAutoLogin(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"gdm/debian12_daemon_conf_default.conf", nil},
		{"gdm/fedora39_custom_default.conf", nil},
		{"gdm/ubuntu2204_custom_autologin.conf", []string{"gdm_automatic"}},
		{"gdm/timed_login.conf", []string{"gdm_timed"}},
		{"gdm/enable_without_user.conf", nil},
		{"gdm/disabled_explicitly.conf", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if got := gdmAutoLogin(parseINI(checktest.ReadParserData(t, tc.file))); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLightDMSeat(t *testing.T) {
	tests := []struct {
		file            string
		autologinUser   bool
		allowGuest      string
		allowGuestSet   bool
		autologinGuest  bool
		greeterHideUser string
	}{
		{file: "lightdm/debian12_lightdm_conf_default.conf"},
		{file: "lightdm/debian12_01_debian.conf", greeterHideUser: "true"},
		{file: "lightdm/raspios_autologin_pi.conf", autologinUser: true, greeterHideUser: "false"},
		{file: "lightdm/ubuntu1604_50_no_guest.conf", allowGuest: "false", allowGuestSet: true},
		{file: "lightdm/guest_allowed.conf", allowGuest: "true", allowGuestSet: true},
		{file: "lightdm/autologin_guest.conf", autologinGuest: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, tc.file)
			seat := lightDMSeat(parseINI(b), sectionOrder(b))
			if (seat["autologin-user"] != "") != tc.autologinUser {
				t.Errorf("autologin-user set = %v, want %v", seat["autologin-user"] != "", tc.autologinUser)
			}
			v, set := seat["allow-guest"]
			if set != tc.allowGuestSet || v != tc.allowGuest {
				t.Errorf("allow-guest = %q (%v), want %q (%v)", v, set, tc.allowGuest, tc.allowGuestSet)
			}
			if g, _ := keyFileBool(seat["autologin-guest"]); g != tc.autologinGuest {
				t.Errorf("autologin-guest = %v, want %v", g, tc.autologinGuest)
			}
			if seat["greeter-hide-users"] != tc.greeterHideUser {
				t.Errorf("greeter-hide-users = %q, want %q", seat["greeter-hide-users"], tc.greeterHideUser)
			}
		})
	}
}

func TestSDDMAutologin(t *testing.T) {
	tests := []struct {
		file string
		want bool
	}{
		{"sddm/kde_settings_no_autologin.conf", false},
		{"sddm/kde_settings_autologin.conf", true},
		{"sddm/steamos_autologin.conf", true},
		{"gdm/ubuntu2204_custom_autologin.conf", false}, // no [Autologin] section
		{"lightdm/raspios_autologin_pi.conf", false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			u, _ := parseINI(checktest.ReadParserData(t, tc.file)).Get("Autologin", "User")
			if (u != "") != tc.want {
				t.Errorf("autologin = %v, want %v", u != "", tc.want)
			}
		})
	}
}

func TestDisplayManagerName(t *testing.T) {
	tests := []struct {
		file string
		unit bool
		want string
	}{
		{"dm/debian_default_gdm3.txt", false, "gdm"},
		{"dm/debian_default_lightdm.txt", false, "lightdm"},
		{"dm/debian_default_sddm.txt", false, "sddm"},
		{"dm/comment_only.txt", false, ""},
		{"dm/debian12_gdm3.service", true, "gdm"},
		{"dm/debian12_lightdm.service", true, "lightdm"},
		{"dm/debian12_sddm.service", true, "sddm"},
		{"dm/fedora_gdm.service", true, "gdm"},
		{"dm/lxdm.service", true, "lxdm"},
		{"dm/comment_only.txt", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, tc.file)
			got := parseDefaultDisplayManager(b)
			if tc.unit {
				got = parseUnitExecStart(b)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGettyAutologin(t *testing.T) {
	tests := []struct {
		file string
		want bool
	}{
		{"getty/raspios_autologin.conf", true},
		{"getty/arch_wiki_autologin.conf", true},
		{"getty/short_flag.conf", true},
		{"getty/short_flag_attached.conf", true},
		{"getty/short_flags_bundled.conf", true},
		{"getty/login_options_not_autologin.conf", false},
		{"getty/timeout_attached.conf", false},
		{"getty/noclear_only.conf", false},
		{"getty/serial_keep_baud.conf", false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if got := gettyAutologinUnit(checktest.ReadParserData(t, tc.file)); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIsGettyUnit: the units and drop-in folders of the text-console
// gettys, and not their neighbours in /etc/systemd/system.
func TestIsGettyUnit(t *testing.T) {
	for name, want := range map[string]bool{
		"getty@tty1.service":           true,
		"getty@.service":               true,
		"serial-getty@ttyS0.service":   true,
		"autovt@.service":              true,
		"console-getty.service":        true,
		"getty.target.wants":           false,
		"getty-static.service":         false,
		"console-getty-x.service":      false,
		"mygetty@tty1.service":         false,
		"getty@tty1.service.d":         false, // a drop-in folder, asked for apart
		"dbus-org.freedesktop.service": false,
	} {
		if got := isGettyUnit(name, ".service"); got != want {
			t.Errorf("isGettyUnit(%q, .service) = %v, want %v", name, got, want)
		}
	}
	if !isGettyUnit("getty@tty1.service.d", ".service.d") || !isGettyUnit("serial-getty@.service.d", ".service.d") || isGettyUnit("getty.target.wants", ".service.d") {
		t.Error("drop-in folders")
	}
}

// TestRefusesLogin: only shells that end a sign-in at once keep an account
// with an empty password from counting; /etc/shells plays no part, since
// login and su start whatever shell the account names.
func TestRefusesLogin(t *testing.T) {
	for shell, want := range map[string]bool{
		"/usr/sbin/nologin":            true,
		"/sbin/nologin":                true,
		"/usr/local/bin/site-nologin":  true,
		"/bin/false":                   true,
		"/usr/bin/false":               true,
		"/bin/true":                    true,
		"/bin/sync":                    true,
		"/sbin/halt":                   true,
		"/sbin/shutdown":               true,
		"":                             false, // /bin/sh
		"/bin/bash":                    false,
		"/usr/bin/python3":             false,
		"/usr/bin/tmux":                false,
		"/usr/bin/git-shell":           false,
		"/usr/local/bin/nologin-maybe": false,
	} {
		if got := refusesLogin(shell); got != want {
			t.Errorf("refusesLogin(%q) = %v, want %v", shell, got, want)
		}
	}
	// Counted for the summary: not listed in /etc/shells, not counted;
	// refusing, never counted even when listed.
	shells := map[string]bool{"/bin/bash": true, "/usr/sbin/nologin": true}
	if isLoginShell("/usr/bin/python3", shells) || isLoginShell("/usr/sbin/nologin", shells) || !isLoginShell("/bin/bash", shells) {
		t.Error("isLoginShell does not follow /etc/shells and refusesLogin")
	}
}

// TestInittabAutologin: on sysvinit, OpenRC and busybox init (no systemd
// units), /etc/inittab starts the console gettys; one signing someone in
// without a password is automatic login. A tester's Devuan-style line
// read as "auto_login: off".
func TestInittabAutologin(t *testing.T) {
	for line, want := range map[string]bool{
		"1:2345:respawn:/sbin/agetty --autologin pat --noclear tty1 38400 linux":               true,
		"1:2345:respawn:/sbin/agetty -a pat tty1 38400":                                        true,
		"1:2345:respawn:/sbin/mingetty --autologin=pat tty1":                                   true,
		"tty1::respawn:/sbin/getty -n -l /bin/sh 38400 tty1":                                   true, // a root shell, no prompt
		"tty1::respawn:/sbin/getty --skip-login --login-program=/usr/bin/autologin 38400 tty1": true,
		"1:2345:respawn:/sbin/getty 38400 tty1":                                                false, // Debian's own
		"tty1::respawn:/sbin/getty -n -l /bin/login 38400 tty1":                                false, // login still asks
		"1:2345:off:/sbin/agetty --autologin pat tty1":                                         false,
		"# 1:2345:respawn:/sbin/agetty --autologin pat tty1":                                   false,
		"ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now":                                     false, // not a getty
	} {
		if got := inittabAutologin([]byte(line + "\n")); got != want {
			t.Errorf("%q: %v, want %v", line, got, want)
		}
	}
}
