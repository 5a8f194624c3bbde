package useraccounts

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
)

func TestEvaluate(t *testing.T) {
	two := 2
	base := func(os string) facts {
		return facts{OS: os, Guest: stateOff, AutoLogin: stateOff, ConsoleUser: consoleSignedIn, ConsoleUserAdmin: stateOff, HumanAccounts: &two}
	}
	tests := []struct {
		name     string
		facts    func() facts
		status   checks.Status
		summary  string // substring
		fix      string // substring; "" means no fix expected
		noReason bool
	}{
		{"all off standard user", func() facts { return base("linux") }, checks.Pass, "standard account. 2 user accounts", "", true},
		{"empty password fails", func() facts {
			f := base("linux")
			f.ConsolePassword = passwordEmpty
			return f
		}, checks.Fail, "Your account has no password, so anyone at this computer can sign in as you", "Give your account a password", true},
		{"empty password and an admin", func() facts {
			f := base("linux")
			f.ConsolePassword, f.ConsoleUserAdmin = passwordEmpty, stateOn
			return f
		}, checks.Fail, "You are also using an administrator account", "Give your account a password", true},
		{"password status unread", func() facts {
			f := base("linux")
			f.ConsolePassword = passwordUnknown
			f.Errors = []string{"passwd -S: exit status 1"}
			return f
		}, checks.Unknown, "whether your account has a password", "Check again", false},
		{"password set, locked or a directory's pass", func() facts {
			f := base("linux")
			f.ConsolePassword = passwordDirectory
			return f
		}, checks.Pass, "standard account", "", true},
		{"locked password passes", func() facts {
			f := base("linux")
			f.ConsolePassword = passwordLocked
			return f
		}, checks.Pass, "standard account", "", true},
		{"headless", func() facts {
			f := base("linux")
			f.ConsoleUser, f.ConsoleUserAdmin = consoleNone, stateNotApplicable
			return f
		}, checks.Pass, "nobody is signed in at the screen", "", true},
		{"admin warns", func() facts {
			f := base("windows")
			f.ConsoleUserAdmin = stateOn
			return f
		}, checks.Warn, "administrator account", "Change account type > Standard User", true},
		{"auto login fails windows", func() facts {
			f := base("windows")
			f.AutoLogin = stateOn
			return f
		}, checks.Fail, "Automatic login is on", "netplwiz", true},
		{"guest fails mac, admin mentioned", func() facts {
			f := base("darwin")
			f.Guest, f.ConsoleUserAdmin = stateOn, stateOn
			return f
		}, checks.Fail, "also using an administrator", "Allow guests to log in", true},
		{"gdm auto login fix", func() facts {
			f := base("linux")
			f.AutoLogin, f.Linux = stateOn, &linuxFacts{AutoLoginVia: []string{"gdm_automatic"}}
			return f
		}, checks.Fail, "Automatic login is on", "Settings > Users", true},
		{"a pam_succeed_if rule lets the person in", func() facts {
			f := base("linux")
			f.AutoLogin, f.Linux = stateOn, &linuxFacts{AutoLoginVia: []string{unixlogin.ViaSucceedIf}, PAMRules: []unixlogin.Rule{{Via: unixlogin.ViaSucceedIf, File: "/etc/pam.d/lightdm"}}}
			return f
		}, checks.Fail, "The login screen signs you in without a password", "remove the sufficient pam_succeed_if line from /etc/pam.d/lightdm", true},
		{"sddm and getty", func() facts {
			f := base("linux")
			f.AutoLogin, f.Linux = stateOn, &linuxFacts{AutoLoginVia: []string{"sddm_autologin", "getty_autologin"}}
			return f
		}, checks.Fail, "Automatic login is on", "text console", true},
		{"fail beats unknown", func() facts {
			f := base("linux")
			f.AutoLogin, f.Guest = stateOn, stateUnknown
			return f
		}, checks.Fail, "Automatic login is on", "automatic login", true},
		{"unknown guest is not pass", func() facts {
			f := base("windows")
			f.Guest, f.Errors = stateUnknown, []string{"Win32_UserAccount: access denied"}
			return f
		}, checks.Unknown, "whether the guest account is on", "Check again", false},
		{"unknown admin beats warn-free pass", func() facts {
			f := base("darwin")
			f.ConsoleUserAdmin, f.Errors = stateUnknown, []string{"dsmemberutil: not recognised"}
			return f
		}, checks.Unknown, "administrator account", "Check again", false},
		{"empty state is unknown", func() facts { return facts{OS: "linux"} }, checks.Unknown, "Could not tell", "Check again", false},
		{"kcpassword leftover warns", func() facts {
			f := base("darwin")
			f.Darwin = &darwinFacts{KCPassword: new(true)}
			return f
		}, checks.Warn, "saved automatic-login password", "deletes it", true},
		{"windows built-in Administrator on warns", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "enabled", BuiltinAdministratorPasswordRequired: new(true), ConsoleUserLocal: new(true), ConsolePasswordRequired: new(true)}
			return f
		}, checks.Warn, "built-in Administrator account is turned on", "net user Administrator /active:no", true},
		{"windows built-in Administrator with a blank password allowed still only warns", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "enabled", BuiltinAdministratorPasswordRequired: new(false), ConsoleUserLocal: new(true), ConsolePasswordRequired: new(true)}
			return f
		}, checks.Warn, "built-in Administrator account is turned on", "net user Administrator /active:no", true},
		{"windows console account's PasswordRequired false is not a blank password", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "disabled", ConsoleUserLocal: new(true), ConsolePasswordRequired: new(false)}
			return f
		}, checks.Pass, "standard account", "", true},
		{"windows built-in Administrator whose password LAPS manages", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "enabled", BuiltinAdministratorLAPS: true, ConsoleUserLocal: new(true)}
			return f
		}, checks.Pass, "standard account", "", true},
		{"an older agent's windows facts with the built-in Administrator on", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "enabled"}
			return f
		}, checks.Warn, "built-in Administrator account is turned on", "net user Administrator /active:no", true},
		{"a domain account's password rule is its directory's", func() facts {
			f := base("windows")
			f.Windows = &windowsFacts{BuiltinAdministrator: "disabled", ConsoleUserLocal: new(false)}
			return f
		}, checks.Pass, "standard account", "", true},
		{"two other accounts without a password that the login screen accepts", func() facts {
			f := base("linux")
			f.Linux = &linuxFacts{OtherEmptyPassword: stateOn, EmptyPasswordAccounts: 2}
			return f
		}, checks.Fail, "2 other accounts on this computer have no password", "sudo passwd", true},
		{"other accounts' passwords unread without root", func() facts {
			f := base("linux")
			f.Linux = &linuxFacts{OtherEmptyPassword: stateUnknown, ShadowNeedsRoot: true}
			f.Errors = []string{"/etc/shadow: access denied"}
			return f
		}, checks.Unknown, "whether the other accounts on this computer have a password", "sudo sessionguard check", false},
		{"an older agent's linux facts, other accounts not judged", func() facts {
			f := base("linux")
			f.Linux = &linuxFacts{}
			return f
		}, checks.Pass, "standard account", "", true},
		{"count unknown", func() facts {
			f := base("linux")
			f.HumanAccounts = nil
			return f
		}, checks.Pass, "standard account.", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := evaluate(tc.facts(), checks.Catalogue{Check}.Default())
			if r.Status != tc.status {
				t.Fatalf("status = %s, want %s (%+v)", r.Status, tc.status, r)
			}
			if !strings.Contains(r.Summary, tc.summary) || strings.Contains(r.Summary, "\n") {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			if tc.fix == "" && r.Fix != "" {
				t.Errorf("pass with a fix: %q", r.Fix)
			}
			if tc.fix != "" && !strings.Contains(r.Fix, tc.fix) {
				t.Errorf("fix %q does not contain %q", r.Fix, tc.fix)
			}
			if r.Status == checks.Unknown && r.Reason == "" {
				t.Error("unknown without a reason")
			}
			if tc.noReason && r.Reason != "" {
				t.Errorf("reason on %s: %q", r.Status, r.Reason)
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	n := 3
	f := facts{OS: "windows", Guest: stateOn, AutoLogin: stateOn, ConsoleUser: consoleSignedIn, ConsoleUserAdmin: stateOn, HumanAccounts: &n}
	pol := checks.Catalogue{Check}.Default()
	for b.Loop() {
		if r := evaluate(f, pol); r.Status != checks.Fail {
			b.Fatal(r.Status)
		}
	}
}
