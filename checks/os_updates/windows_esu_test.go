package osupdates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
)

// Only an activated licence (LicenseStatus 1) of a known ESU add-on
// counts; the latest year wins; IDs are read in any case and with braces.
func TestESULicenceYear(t *testing.T) {
	const y1, y2, y3 = "f520e45e-7413-4a34-a497-d2765967d094", "1043add5-23b1-4afb-9a0f-64343c8f3f8d", "83d49986-add3-41d7-ba33-87c7bfb5c0fb"
	row := func(id string, status any) map[string]any { return map[string]any{"ID": id, "LicenseStatus": status} }
	for _, tc := range []struct {
		name string
		rows []map[string]any
		want int
	}{
		{"none", nil, 0},
		{"listed, not activated", []map[string]any{row(y1, int64(0)), row(y2, int64(0)), row(y3, int64(0))}, 0},
		{"year 1 activated", []map[string]any{row(y1, int64(1)), row(y2, int64(0))}, 1},
		{"years 1 and 2 activated", []map[string]any{row(y2, int64(1)), row(y1, int64(1))}, 2},
		{"upper case, braces", []map[string]any{row("{"+strings.ToUpper(y3)+"}", int64(1))}, 3},
		{"grace period is not licensed", []map[string]any{row(y1, int64(2)), row(y2, int64(5))}, 0},
		{"status missing", []map[string]any{{"ID": y1}}, 0},
		{"another add-on activated", []map[string]any{row("00000000-0000-0000-0000-000000000000", int64(1))}, 0},
	} {
		if got := osupdates.ESULicenceYear(tc.rows); got != tc.want {
			t.Errorf("%s: year %d, want %d", tc.name, got, tc.want)
		}
	}
}

// A Windows 10 judged on its ESU: the licence's year decides the end (a
// lapsed year 1 fails); shown enrolled by its build it passes until the
// programme's last day; without either it ended in October 2025.
func TestEvaluateWindows10ESU(t *testing.T) {
	win10 := func(esu string, systems ...string) osupdates.Facts {
		f := good()
		f.OS = "windows"
		f.Release = osupdates.Release{Systems: append(systems, "windows-10"), Version: "22H2", Name: "Windows 10 Pro 22H2 (build 19045.6575)", ESU: esu}
		return f
	}
	for _, tc := range []struct {
		name  string
		f     osupdates.Facts
		at    time.Time
		want  checks.Status
		words string
	}{
		{"no ESU", win10(""), at, checks.Fail, "support ended on 14 October 2025"},
		{"by update", win10(osupdates.ESUByUpdate, "windows-10-esu"), at, checks.Pass, "ESU ends by 10 October 2028 at the latest"},
		{"year 1 in force", win10("licence year 1", "windows-10-esu-year1"), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), checks.Pass, "(licence year 1) gets security updates until 13 October 2026"},
		{"year 1 lapsed", win10("licence year 1", "windows-10-esu-year1"), at, checks.Fail, "support ended on 13 October 2026"},
		{"year 2", win10("licence year 2", "windows-10-esu-year2"), at, checks.Pass, "until 12 October 2027"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.At = tc.at
			tc.f.Updates.Checked = nil
			r := osupdates.Evaluate(tc.f, policy(nil))
			if r.Status != tc.want || !strings.Contains(r.Summary, tc.words) {
				t.Errorf("%s %q, want %s with %q", r.Status, r.Summary, tc.want, tc.words)
			}
		})
	}
}

// Lines checked against the vendors on the table's date: a Mac on macOS
// 27 and the Windows 10 editions with their own lifecycle are judged,
// not unknown.
func TestEOLTableChecked(t *testing.T) {
	for _, tc := range []struct {
		release osupdates.Release
		at      time.Time
		want    checks.Status
	}{
		{osupdates.Release{Systems: []string{"macos"}, Version: "27.1"}, at, checks.Pass},
		{osupdates.Release{Systems: []string{"macos"}, Version: "14.8.7"}, at, checks.Fail},
		{osupdates.Release{Systems: []string{"windows-10-enterprise", "windows-10"}, Version: "21H2"}, time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), checks.Pass},
		{osupdates.Release{Systems: []string{"windows-10-iot-ltsc"}, Version: "1809"}, at, checks.Pass},
		{osupdates.Release{Systems: []string{"windows-11-enterprise", "windows-11"}, Version: "23H2"}, at, checks.Fail},
	} {
		f := good()
		f.At, f.Updates.Checked, f.Release = tc.at, nil, tc.release
		if r := osupdates.Evaluate(f, policy(nil)); r.Status != tc.want {
			t.Errorf("%v %s at %s: %s %q, want %s", tc.release.Systems, tc.release.Version, tc.at.Format(time.DateOnly), r.Status, r.Summary, tc.want)
		}
	}
}
