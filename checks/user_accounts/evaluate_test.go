package useraccounts

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func TestEvaluate(t *testing.T) {
	two := 2
	base := func(os string) Facts {
		return Facts{OS: os, Guest: Off, AutoLogin: Off, ConsoleUser: ConsoleSignedIn, ConsoleUserAdmin: Off, HumanAccounts: &two}
	}
	tests := []struct {
		name     string
		facts    func() Facts
		status   checks.Status
		summary  string // substring
		fix      string // substring; "" means no fix expected
		noReason bool
	}{
		{"all off standard user", func() Facts { return base("linux") }, checks.Pass, "standard account. 2 user accounts", "", true},
		{"headless", func() Facts {
			f := base("linux")
			f.ConsoleUser, f.ConsoleUserAdmin = ConsoleNone, NotApplicable
			return f
		}, checks.Pass, "nobody is signed in at the screen", "", true},
		{"admin warns", func() Facts {
			f := base("windows")
			f.ConsoleUserAdmin = On
			return f
		}, checks.Warn, "administrator account", "Change account type > Standard User", true},
		{"auto login fails windows", func() Facts {
			f := base("windows")
			f.AutoLogin = On
			return f
		}, checks.Fail, "Automatic login is on", "netplwiz", true},
		{"guest fails mac, admin mentioned", func() Facts {
			f := base("darwin")
			f.Guest, f.ConsoleUserAdmin = On, On
			return f
		}, checks.Fail, "also using an administrator", "Allow guests to log in", true},
		{"gdm auto login fix", func() Facts {
			f := base("linux")
			f.AutoLogin, f.Linux = On, &LinuxFacts{AutoLoginVia: []string{"gdm_automatic"}}
			return f
		}, checks.Fail, "Automatic login is on", "Settings > Users", true},
		{"sddm and getty", func() Facts {
			f := base("linux")
			f.AutoLogin, f.Linux = On, &LinuxFacts{AutoLoginVia: []string{"sddm_autologin", "getty_autologin"}}
			return f
		}, checks.Fail, "Automatic login is on", "text console", true},
		{"fail beats unknown", func() Facts {
			f := base("linux")
			f.AutoLogin, f.Guest = On, Unknown
			return f
		}, checks.Fail, "Automatic login is on", "automatic login", true},
		{"unknown guest is not pass", func() Facts {
			f := base("windows")
			f.Guest, f.Errors = Unknown, []string{"Win32_UserAccount: access denied"}
			return f
		}, checks.Unknown, "whether the guest account is on", "Check again", false},
		{"unknown admin beats warn-free pass", func() Facts {
			f := base("darwin")
			f.ConsoleUserAdmin, f.Errors = Unknown, []string{"dsmemberutil: not recognised"}
			return f
		}, checks.Unknown, "administrator account", "Check again", false},
		{"empty state is unknown", func() Facts { return Facts{OS: "linux"} }, checks.Unknown, "Could not tell", "Check again", false},
		{"kcpassword leftover warns", func() Facts {
			f := base("darwin")
			f.Darwin = &DarwinFacts{KCPassword: new(true)}
			return f
		}, checks.Warn, "saved automatic-login password", "deletes it", true},
		{"count unknown", func() Facts {
			f := base("linux")
			f.HumanAccounts = nil
			return f
		}, checks.Pass, "standard account.", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.facts(), checks.Catalogue{Check}.Default())
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
	f := Facts{OS: "windows", Guest: On, AutoLogin: On, ConsoleUser: ConsoleSignedIn, ConsoleUserAdmin: On, HumanAccounts: &n}
	pol := checks.Catalogue{Check}.Default()
	for b.Loop() {
		if r := Evaluate(f, pol); r.Status != checks.Fail {
			b.Fatal(r.Status)
		}
	}
}
