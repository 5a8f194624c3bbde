package osupdates

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
)

// `reg query` of the component store's package key prints one line per
// subkey, its full path; only the cumulative update packages of the
// running revision are kept, whatever the build they carry (25H2 runs
// 26100 ones) and in any case.
func TestRollupFixPackages(t *testing.T) {
	const parent = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages`
	out := "\r\n" + parent + "\r\n" + strings.Join([]string{
		parent + `\Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~10.0.26100.1`,
		parent + `\Package_for_DotNetRollup_481~31bf3856ad364e35~amd64~~10.0.9310.1`,
		parent + `\Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.1742.1.10`,
		parent + `\Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.71710.1.2`,
		parent + `\Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171.1.11`,
		strings.ToUpper(parent) + `\PACKAGE_FOR_ROLLUPFIX~31BF3856AD364E35~AMD64~~26100.7171.1.12`,
		parent + `\Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171.1.11\Owners`,
		parent + `\Package_for_ServicingStack_7171~31bf3856ad364e35~amd64~~26100.7171.1.5`,
	}, "\r\n") + "\r\n"
	names, ok := rollupFixPackages(out, 7171)
	want := []string{"Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171.1.11", "PACKAGE_FOR_ROLLUPFIX~31BF3856AD364E35~AMD64~~26100.7171.1.12"}
	if !ok || !slices.Equal(names, want) {
		t.Errorf("got %q %v, want %q", names, ok, want)
	}
	if names, ok := rollupFixPackages(out, 6899); !ok || len(names) != 0 {
		t.Errorf("revision 6899: got %q %v, want none listed", names, ok)
	}
	for _, bad := range []string{"", "ERROR: Access is denied.\r\n", "\r\n" + parent + "\r\n"} {
		if _, ok := rollupFixPackages(bad, 7171); ok {
			t.Errorf("%q was read as a package list", bad)
		}
	}
}

func TestRollupFixRevision(t *testing.T) {
	for name, want := range map[string]uint64{
		"Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171.1.11": 7171,
		"Package_for_RollupFix~31bf3856ad364e35~arm64~~26100.6899.1.17": 6899,
		"Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.6456.1.7":  6456,
	} {
		if got, ok := rollupFixRevision(name); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{
		"Package_for_ServicingStack_7171~31bf3856ad364e35~amd64~~26100.7171.1.5",
		"Package_for_DotNetRollup_481~31bf3856ad364e35~amd64~~10.0.9310.1",
		"Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171",
		"Package_for_RollupFix",
	} {
		if got, ok := rollupFixRevision(name); ok {
			t.Errorf("%s was read as a cumulative update of revision %d", name, got)
		}
	}
}

// InstallTimeHigh and InstallTimeLow are the halves of a FILETIME (UTC).
func TestFileTime(t *testing.T) {
	got, ok := fileTime(31289990<<32 | 687832960)
	if want := time.Date(2026, 11, 12, 9, 14, 3, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("got %v %v, want %v", got, ok, want)
	}
	if _, ok := fileTime(0); ok {
		t.Error("a zero FILETIME was read as a time")
	}
}

// No security update waiting passes only when the cumulative update that
// runs was installed after the latest monthly release: facts of an older
// agent (no LCU), an install time not read, or one before the release
// are unknown.
func TestEvaluatePendingWindowsLCU(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	after, before := time.Date(2026, 11, 12, 9, 14, 3, 0, time.UTC), time.Date(2026, 10, 15, 8, 2, 19, 0, time.UTC)
	const pkg = "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.7171.1.11"
	for _, tc := range []struct {
		name  string
		lcu   *cumulativeUpdate
		want  checks.Status
		words string
	}{
		{"installed after the release", &cumulativeUpdate{Package: pkg, Installed: &after}, checks.Pass, ""},
		{"an older agent's facts", nil, checks.Unknown, "older SessionGuard agent"},
		{"install time not read", &cumulativeUpdate{Package: pkg, Unread: "when it was installed could not be read"}, checks.Unknown, "could not be read"},
		{"package list not read", &cumulativeUpdate{Unread: "the component store's list of packages (reg query) could not be read: access denied"}, checks.Unknown, "access denied"},
		{"installed before the release", &cumulativeUpdate{Package: pkg, Installed: &before}, checks.Unknown, "before the monthly security update of 10 November 2026"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := facts{OS: "windows", At: at, Updates: updates{Source: sourceWindowsUpdate, Read: true, Installed: &after, LCU: tc.lcu, Reboot: rebootNotRequired}}
			r := evaluatePending(f, 14)
			if r.Status != tc.want || !strings.Contains(r.Reason, tc.words) {
				t.Errorf("%s %q (reason %q), want %s with %q", r.Status, r.Summary, r.Reason, tc.want, tc.words)
			}
		})
	}
}
