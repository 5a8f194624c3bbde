package useraccounts

import (
	"testing"
)

func sam(groups ...string) identity {
	id := identity{Name: "sam", UID: 1000, GID: 1000, Groups: map[string]bool{"sam": true}, GIDs: map[int]bool{1000: true}}
	for i, g := range groups {
		id.Groups[g], id.GIDs[50+i] = true, true
	}
	return id
}

func TestSudoersAdminVia(t *testing.T) {
	for _, tc := range []struct {
		name, sudoers string
		id            identity
		want          string
	}{
		{"debian default, not in sudo", "root\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n", sam(), ""},
		{"debian default, in sudo", "%sudo\tALL=(ALL:ALL) ALL\n", sam("sudo"), viaSudoersGroup},
		{"user grant", "sam ALL=(ALL:ALL) ALL\n", sam(), viaSudoersUser},
		{"cloud-init nopasswd", "sam ALL=(ALL) NOPASSWD:ALL\n", sam(), viaSudoersUser},
		{"no runas list is root", "sam ALL = ALL\n", sam(), viaSudoersUser},
		{"uid", "#1000 ALL=(ALL) ALL\n", sam(), viaSudoersUser},
		{"gid", "%#50 ALL=(ALL) ALL\n", sam("staff"), viaSudoersGroup},
		{"everyone", "ALL ALL=(ALL) ALL\n", sam(), viaSudoersAll},
		{"everyone but targetpw (openSUSE)", "Defaults targetpw\nALL ALL=(ALL) ALL\n", sam(), ""},
		{"targetpw but NOPASSWD", "Defaults targetpw   # ask for the password of the target user\nsam ALL=(ALL) NOPASSWD: ALL\n", sam(), viaSudoersUser},
		{"targetpw turned off again", "Defaults targetpw\nDefaults !targetpw\nALL ALL=(ALL) ALL\n", sam(), viaSudoersAll},
		{"user alias with group", "User_Alias ADMINS = %staff, anna\nADMINS ALL=(ALL:ALL) ALL\n", sam("staff"), viaSudoersGroup},
		{"user alias without", "User_Alias ADMINS = %staff, anna\nADMINS ALL=(ALL:ALL) ALL\n", sam(), ""},
		{"negated user", "ALL, !sam ALL=(ALL) ALL\n", sam(), ""},
		{"limited command", "sam ALL=(root) /usr/bin/apt update, /usr/bin/systemctl restart cups\n", sam(), ""},
		{"root shells", "sam ALL=(root) NOPASSWD: /bin/bash, /usr/bin/su\n", sam(), viaSudoersUser},
		{"su alone", "sam ALL=(ALL) /bin/su\n", sam(), viaSudoersUser},
		{"an editor on one file", "sam ALL=(root) /usr/bin/vim /etc/hosts\n", sam(), viaSudoersUser},
		{"sudoedit of a harmless file", "%staff ALL = sudoedit /etc/motd\n", sam("staff"), ""},
		{"sudoedit of /etc/hosts", "sam ALL=(root) sudoedit /etc/hosts\n", sam(), ""},
		{"sudoedit of sudoers", "sam ALL=(root) sudoedit /etc/sudoers\n", sam(), viaSudoersUser},
		{"sudoedit of a harmless and another file", "sam ALL=(root) sudoedit /etc/hosts /etc/crontab\n", sam(), viaSudoersUser},
		{"sudoedit with free arguments", "sam ALL=(root) sudoedit\n", sam(), viaSudoersUser},
		{"sudoedit of a wildcard", "sam ALL=(root) sudoedit /etc/*\n", sam(), viaSudoersUser},
		{"a pager", "sam ALL=(root) /usr/bin/less /var/log/syslog\n", sam(), viaSudoersUser},
		{"interpreter with free arguments", "sam ALL=(root) NOPASSWD: /usr/bin/python3\n", sam(), viaSudoersUser},
		{"interpreter on a fixed script", "sam ALL=(root) NOPASSWD: /usr/bin/python3 /opt/tool.py\n", sam(), ""},
		{"start-stop-daemon", "sam ALL=(root) NOPASSWD: /sbin/start-stop-daemon\n", sam(), viaSudoersUser},
		{"a terminal emulator", "sam ALL=(root) /usr/bin/xterm\n", sam(), viaSudoersUser},
		{"ipython3 with free arguments", "sam ALL=(root) NOPASSWD: /usr/bin/ipython3\n", sam(), viaSudoersUser},
		{"login -f root", "sam ALL=(root) NOPASSWD: /bin/login -f root\n", sam(), viaSudoersUser},
		{"run-parts of cron.daily", "sam ALL=(root) /usr/bin/run-parts /etc/cron.daily\n", sam(), ""},
		{"find with free arguments", "sam ALL=(root) /usr/bin/find\n", sam(), viaSudoersUser},
		{"a wildcard in the arguments frees them", "sam ALL=(root) /usr/bin/apt install *\n", sam(), viaSudoersUser},
		{"no arguments allowed", "sam ALL=(root) /usr/bin/apt \"\"\n", sam(), ""},
		{"tee", "sam ALL=(root) NOPASSWD: /usr/bin/tee\n", sam(), viaSudoersUser},
		{"a directory", "sam ALL=(root) /usr/bin/\n", sam(), viaSudoersUser},
		{"a wildcard program", "sam ALL=(root) /usr/local/bin/*\n", sam(), viaSudoersUser},
		{"systemctl status pages through less", "sam ALL=(root) /usr/bin/systemctl status cups\n", sam(), viaSudoersUser},
		{"systemctl with free arguments", "sam ALL=(root) /usr/bin/systemctl\n", sam(), viaSudoersUser},
		{"a digest before the command", "sam ALL=(root) sha256:abcd /bin/sh\n", sam(), viaSudoersUser},
		{"a shell through a command alias", "Cmnd_Alias SHELLS = /bin/sh, /bin/bash\nsam ALL=(root) SHELLS\n", sam(), viaSudoersUser},
		{"a shell as another user", "sam ALL=(www-data) /bin/bash\n", sam(), ""},
		{"a shell negated", "sam ALL=(root) !/bin/sh\n", sam(), ""},
		{"a script of its own", "sam ALL=(root) NOPASSWD: /usr/local/sbin/backup-now\n", sam(), ""},
		{"a shell but root's password asked", "Defaults rootpw\nsam ALL=(root) /bin/sh\n", sam(), ""},
		{"command alias of ALL", "Cmnd_Alias EVERYTHING = ALL\nsam ALL=(ALL) EVERYTHING\n", sam(), viaSudoersUser},
		{"other runas user only", "sam ALL=(www-data) ALL\n", sam(), ""},
		{"group-only runas", "sam ALL=(:backup) ALL\n", sam(), ""},
		{"runas alias with root", "Runas_Alias OP = root, operator\nsam ALL=(OP) ALL\n", sam(), viaSudoersUser},
		{"second host spec", "sam web1 = (root) /bin/ls : ALL = (ALL) ALL\n", sam(), viaSudoersUser},
		{"runas changes in list", "sam ALL=(operator) /bin/ls, (root) ALL\n", sam(), viaSudoersUser},
		{"continuation", "sam ALL=(ALL) \\\n   ALL\n", sam(), viaSudoersUser},
		{"comment only", "# sam ALL=(ALL) ALL\n", sam(), ""},
		{"defaults per user ignored", "Defaults:sam !requiretty\n", sam(), ""},
		{"rootpw taken back for the user", "Defaults rootpw\nDefaults:sam !rootpw\nsam ALL=(ALL:ALL) ALL\n", sam(), viaSudoersUser},
		{"rootpw taken back for the user, written first", "Defaults:sam !rootpw\nDefaults rootpw\nsam ALL=(ALL:ALL) ALL\n", sam(), viaSudoersUser},
		{"targetpw taken back for a group", "Defaults targetpw\nDefaults:%staff !targetpw, !requiretty\nALL ALL=(ALL) ALL\n", sam("staff"), viaSudoersAll},
		{"targetpw taken back through a user alias", "User_Alias CLINIC = anna, sam\nDefaults targetpw\nDefaults:CLINIC !targetpw\nALL ALL=(ALL) ALL\n", sam(), viaSudoersAll},
		{"targetpw taken back for someone else", "Defaults targetpw\nDefaults:anna !targetpw\nALL ALL=(ALL) ALL\n", sam(), ""},
		{"rootpw for the user alone", "Defaults:sam rootpw\nsam ALL=(ALL) ALL\n", sam(), ""},
		{"rootpw for a host is not judged", "Defaults rootpw\nDefaults@laptop !rootpw\nsam ALL=(ALL) ALL\n", sam(), viaSudoersUser},
		{"rootpw for a runas user is not judged", "Defaults>root rootpw\nsam ALL=(ALL) ALL\n", sam(), viaSudoersUser},
		{"rootpw for a command is not judged", "Defaults targetpw\nDefaults!/usr/bin/apt !targetpw\nsam ALL=(ALL) ALL\n", sam(), viaSudoersUser},
		{"netgroup not resolved", "+admins ALL=(ALL) ALL\n", sam(), ""},
		{"options before command", "sam ALL=(ALL) TIMEOUT=5m ALL\n", sam(), viaSudoersUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSudoers()
			s.Parse([]byte(tc.sudoers))
			if got := s.AdminVia(tc.id); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSudoersIncludes(t *testing.T) {
	s := newSudoers()
	got := s.Parse([]byte("## Read drop-in files (the # here does not mean a comment)\n#includedir /etc/sudoers.d\n@include sudoers.local\n@includedir \"/etc/sudoers.d\"\n"))
	want := []sudoInclude{{"/etc/sudoers.d", true}, {"sudoers.local", false}, {"/etc/sudoers.d", true}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %v, want %v", i, got[i], want[i])
		}
	}
	for name, want := range map[string]bool{"90-cloud-init-users": true, "README": true, "zz.bak": false, "sam~": false, "x.dpkg-dist": false} {
		if sudoersDirFile(name) != want {
			t.Errorf("SudoersDirFile(%q) = %v", name, !want)
		}
	}
}

func TestDoasAdminVia(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		id         identity
		want       string
	}{
		{"user", "permit persist sam as root\n", sam(), viaDoasUser},
		{"no target is root", "permit nopass keepenv sam\n", sam(), viaDoasUser},
		{"group", "permit persist :wheel\n", sam("wheel"), viaDoasGroup},
		{"group not member", "permit persist :wheel\n", sam(), ""},
		{"limited to a command and its arguments", "permit nopass sam cmd /usr/sbin/ip args link show\n", sam(), ""},
		{"limited to a command without arguments", "permit nopass sam cmd /usr/bin/apt args\n", sam(), ""},
		{"ip with its arguments free runs a shell (ip netns exec)", "permit nopass sam cmd /usr/sbin/ip\n", sam(), viaDoasUser},
		{"a shell is every command", "permit nopass sam as root cmd /bin/sh\n", sam(), viaDoasUser},
		{"a shell with fixed arguments too", "permit :wheel cmd /bin/bash args /opt/backup.sh\n", sam("wheel"), viaDoasGroup},
		{"an editor on one file", "permit sam cmd /usr/bin/vi args /etc/hosts\n", sam(), viaDoasUser},
		{"python with its arguments free", "permit sam cmd /usr/bin/python3.11\n", sam(), viaDoasUser},
		{"python on a fixed script", "permit sam cmd /usr/bin/python3 args /opt/tool.py\n", sam(), ""},
		{"a shell denied again", "permit nopass sam cmd /bin/sh\ndeny sam cmd /bin/sh\n", sam(), ""},
		{"a shell for another target", "permit nopass sam as backup cmd /bin/sh\n", sam(), ""},
		{"deny all after a shell", "permit nopass sam cmd /bin/sh\ndeny sam\n", sam(), ""},
		{"other target", "permit sam as backup\n", sam(), ""},
		{"denied after", "permit :staff\ndeny sam\n", sam("staff"), ""},
		{"setenv block", "permit setenv { -ENV PS1=$DOAS_PS1 SSH_AUTH_SOCK } :wheel\n", sam("wheel"), viaDoasGroup},
		{"comment", "# permit sam\n", sam(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := doasAdminVia([]byte(tc.conf), tc.id); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPolkitRules(t *testing.T) {
	fedora := "/* -*- mode: js -*- */\n// Default rules for polkit\npolkit.addAdminRule(function(action, subject) {\n    return [\"unix-group:wheel\"];\n});\n"
	pf := polkitRules([]byte(fedora))
	if len(pf.admin) != 1 || pf.admin[0] != "unix-group:wheel" || len(pf.allowAll) != 0 || pf.dynamic {
		t.Errorf("fedora: %+v", pf)
	}
	if polkitMatch(pf.admin, sam("wheel")) != viaPolkitGroup || polkitMatch(pf.admin, sam()) != "" {
		t.Error("wheel membership")
	}
	allowAll := "polkit.addRule(function(action, subject) {\n    if (subject.isInGroup(\"practice\")) {\n        return polkit.Result.YES;\n    }\n});\n" +
		"polkit.addRule(function(action, subject) {\n    if (action.id == \"org.freedesktop.NetworkManager.settings.modify.system\" && subject.isInGroup(\"netdev\")) {\n        return polkit.Result.YES;\n    }\n});\n"
	pf = polkitRules([]byte(allowAll))
	if len(pf.admin) != 0 || len(pf.allowAll) != 1 || pf.allowAll[0] != "unix-group:practice" || len(pf.unclear) != 0 {
		t.Errorf("allow all: %+v", pf)
	}
	everyone := "polkit.addRule(function(action, subject) {\n    if (subject.local && subject.active) {\n        return polkit.Result.YES;\n    }\n});\n"
	if pf = polkitRules([]byte(everyone)); polkitMatch(pf.allowAll, sam()) != viaPolkitRule {
		t.Errorf("a rule allowing everything to everyone: %+v", pf)
	}
	user := "polkit.addAdminRule(function(action, subject) { return [\"unix-user:sam\", \"unix-user:0\"]; });"
	if pf = polkitRules([]byte(user)); polkitMatch(pf.admin, sam()) != viaPolkitUser {
		t.Errorf("user: %+v", pf)
	}
	dynamic := "polkit.addAdminRule(function(action, subject) { return [\"unix-\" + kind + \":\" + who]; });"
	if pf = polkitRules([]byte(dynamic)); !pf.dynamic {
		t.Error("a computed identity must be reported")
	}
	ids, set := polkitAdminIdentities([]byte("[Configuration]\nAdminIdentities=unix-group:sudo;unix-group:admin\n"))
	if !set || polkitMatch(ids, sam("admin")) != viaPolkitGroup || polkitMatch(ids, sam()) != "" {
		t.Errorf("localauthority: %v %v", ids, set)
	}
}

// TestPolkitRuleScope: which addRule grants count as administrator (every
// action without the administrator's password), which are ignored (named
// actions) and which are not understood.
func TestPolkitRuleScope(t *testing.T) {
	rule := func(cond, result string) string {
		return "polkit.addRule(function(action, subject) {\n    if (" + cond + ") {\n        return " + result + ";\n    }\n});\n"
	}
	for _, tc := range []struct {
		name, rules       string
		allowAll, unclear string // polkitMatch for sam
	}{
		{"yes for the user", rule(`subject.user == "sam"`, "polkit.Result.YES"), viaPolkitUser, ""},
		{"auth_self_keep for the user", rule(`subject.user == "sam"`, "polkit.Result.AUTH_SELF_KEEP"), viaPolkitUser, ""},
		{"auth_self for a group", rule(`subject.isInGroup("practice")`, "polkit.Result.AUTH_SELF"), viaPolkitGroup, ""},
		{"the result as a string", rule(`subject.user == "sam"`, `"auth_self"`), viaPolkitUser, ""},
		{"auth_admin is not a grant", rule(`subject.user == "sam"`, "polkit.Result.AUTH_ADMIN"), "", ""},
		{"named actions are not every action", rule(`(action.id == "org.freedesktop.login1.reboot" || action.id === "org.freedesktop.login1.power-off") && subject.user == "sam"`, "polkit.Result.YES"), "", ""},
		{"a broad prefix is every action", rule(`action.id.indexOf("org.freedesktop.") == 0 && subject.user == "sam"`, "polkit.Result.YES"), viaPolkitUser, ""},
		{"startsWith a broad prefix", rule(`action.id.startsWith("org.") && subject.isInGroup("practice")`, "polkit.Result.AUTH_SELF_KEEP"), viaPolkitGroup, ""},
		{"a narrower prefix is not understood", rule(`action.id.indexOf("org.freedesktop.systemd1.") === 0 && subject.user == "sam"`, "polkit.Result.YES"), "", viaPolkitUser},
		{"a negated action is not understood", rule(`action.id != "org.freedesktop.login1.reboot" && subject.user == "sam"`, "polkit.Result.YES"), "", viaPolkitUser},
		{"a lookup is not understood", rule(`action.lookup("unit") == "x.service" && subject.user == "sam"`, "polkit.Result.YES"), "", viaPolkitUser},
		{"another user's rule", rule(`action.id.indexOf("org.freedesktop.systemd1.") === 0 && subject.user == "anna"`, "polkit.Result.YES"), "", ""},
		{"gnome-initial-setup's rule is its own user's", "polkit.addRule(function(action, subject) {\n    if (subject.user !== 'gnome-initial-setup')\n        return undefined;\n    var actionMatches = (action.id.indexOf('org.freedesktop.hostname1.') === 0);\n    if (actionMatches) {\n        if (subject.local)\n            return 'yes';\n    }\n    return undefined;\n});\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pf := polkitRules([]byte(tc.rules))
			if got := polkitMatch(pf.allowAll, sam("practice")); got != tc.allowAll {
				t.Errorf("allowAll = %q, want %q (%+v)", got, tc.allowAll, pf)
			}
			if got := polkitMatch(pf.unclear, sam("practice")); got != tc.unclear {
				t.Errorf("unclear = %q, want %q (%+v)", got, tc.unclear, pf)
			}
		})
	}
}

func TestAutoLoginSettings(t *testing.T) {
	greetd := "[terminal]\nvt = 1\n\n[default_session]\ncommand = \"tuigreet --cmd sway\"\nuser = \"greeter\"\n"
	if greetdInitialSession([]byte(greetd)) {
		t.Error("greetd without initial_session")
	}
	if !greetdInitialSession([]byte(greetd + "\n[initial_session]\ncommand = \"sway\"\nuser = \"sam\"\n")) {
		t.Error("greetd initial_session")
	}
	if lyAutoLogin([]byte("# Automatic login\nauto_login_service = ly-autologin\nauto_login_user = null\n")) || lyAutoLogin([]byte("animation = none\n")) {
		t.Error("ly off")
	}
	if !lyAutoLogin([]byte("auto_login_session = sway\nauto_login_user = sam\n")) {
		t.Error("ly on")
	}
	if lxdmAutoLogin([]byte("[base]\n## uncomment and set autologin username to enable autologin\n# autologin=dgod\n")) || !lxdmAutoLogin([]byte("[base]\nautologin=sam\n")) {
		t.Error("lxdm")
	}
	if nodmAutoLogin([]byte("NODM_ENABLED=false\nNODM_USER=sam\n")) || !nodmAutoLogin([]byte("NODM_ENABLED=true\nNODM_USER=sam\n")) || !nodmAutoLogin([]byte("NODM_USER=sam\n")) {
		t.Error("nodm")
	}
	for bin, want := range map[string]string{"/usr/bin/greetd": "greetd", "/usr/bin/ly-dm": "ly", "/usr/bin/ly": "ly", "/usr/sbin/lxdm": "lxdm", "/usr/sbin/lxdm-binary": "lxdm", "/usr/sbin/nodm": "nodm"} {
		if got := displayManagerName(bin); got != want {
			t.Errorf("DisplayManagerName(%s) = %s", bin, got)
		}
	}
}

// TestSudoCommandGivesRootRunners: programs that give a root shell
// through sudo (GTFOBins' Sudo entries, tried here where installed:
// setarch with no program and login -f root both gave a root shell)
// count as ALL; the same programs with fixed, harmless arguments stay
// narrow where their arguments decide.
func TestSudoCommandGivesRootRunners(t *testing.T) {
	for cmnd, want := range map[string]bool{
		// whatever their arguments
		"/usr/sbin/start-stop-daemon":                            true,
		"/sbin/start-stop-daemon --start --exec /usr/sbin/cupsd": true,
		"/usr/bin/setarch x86_64":                                true,
		"/usr/bin/linux32":                                       true,
		"/usr/bin/dbus-run-session -- /usr/bin/true":             true,
		"/usr/bin/openvt -c 8":                                   true,
		"/usr/bin/xterm":                                         true,
		"/usr/bin/xterm -e /usr/bin/top":                         true,
		"/usr/bin/gnome-terminal":                                true,
		"/usr/bin/konsole":                                       true,
		"/usr/bin/x-terminal-emulator":                           true,
		"/usr/bin/rlwrap /opt/tool":                              true,
		"/usr/bin/sg root":                                       true,
		"/usr/bin/tmate":                                         true,
		// with their arguments free
		"/usr/bin/run-parts":                      true,
		"/usr/bin/run-parts *":                    true,
		"/usr/bin/run-parts /etc/cron.daily":      false,
		"/bin/login":                              true,
		"/bin/login -f root":                      true,
		"/bin/login -pf root":                     true,
		"/bin/login -p":                           false,
		"/usr/bin/ipython3":                       true,
		"/usr/local/bin/ipython":                  true,
		"/usr/bin/bpython3":                       true,
		"/usr/bin/python3-dbg":                    true,
		"/usr/bin/python3.11":                     true,
		"/usr/bin/php-cgi8.2":                     true,
		"/usr/bin/pry":                            true,
		"/usr/bin/jshell":                         true,
		"/usr/bin/octave-cli":                     true,
		"/sbin/agetty":                            true,
		"/usr/bin/ipython3 /opt/clinic/report.py": false,
		"/usr/bin/apt update":                     false,
		"/usr/local/sbin/backup-now":              false,
	} {
		if got := sudoCommandGivesRoot(cmnd); got != want {
			t.Errorf("sudoCommandGivesRoot(%q) = %v, want %v", cmnd, got, want)
		}
	}
}
