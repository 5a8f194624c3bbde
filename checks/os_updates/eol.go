package osupdates

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
)

// eolTableDate is when the built-in end-of-life table was last brought up
// to date. The policy's updates_eol_table carries anything newer.
const eolTableDate = "2026-12-06"

// builtinEOL is the built-in end-of-life table: system, version and the
// last day the vendor publishes security updates for it ("rolling": a
// rolling release, supported while it is kept up to date). A version
// matches itself and its point releases ("12" matches "12.8"; "*" matches
// any). Dates marked "planned" are the vendor's announced or customary
// schedule; the policy corrects them when the vendor moves.
//
// Debian: the LTS end (LTS updates come through the same security
// archive). Ubuntu: standard support; ubuntu-esm with Ubuntu Pro / ESM
// sources. RHEL and clones: end of maintenance support. macOS: Apple
// updates the three newest major versions, so a version ends when the one
// three newer ships (planned: September). Windows: Microsoft's lifecycle
// dates for Home/Pro, Enterprise/Education, LTSC and Server (by build).
// Windows 10 enrolled in Extended Security Updates is windows-10-esu (shown
// by its build: the programme's last day) or windows-10-esu-yearN (shown
// by an activated licence: the end of that year); an organisation whose
// ESU the check cannot see sets its end in the policy
// ("windows-10 * 2027-10-12").
//
// Windows and macOS lines were checked on 2026-12-06 against (the notes of
// issue 19 list what was found where):
//   - Windows 10 and its ESU: learn.microsoft.com/lifecycle/products/
//     windows-10-home-and-pro, .../windows-10-enterprise-and-education,
//     learn.microsoft.com/windows/whats-new/extended-security-updates
//     (consumer year to 2026-10-13; organisations up to three years, to
//     2028-10-10);
//   - Windows 10 LTSB/LTSC and IoT LTSC: learn.microsoft.com/lifecycle/
//     products/windows-10-enterprise-ltsc-2019 (-2021, -2016) and
//     .../windows-10-iot-enterprise-ltsc-2019 (-2021);
//   - Windows 11: learn.microsoft.com/lifecycle/products/windows-11-home-
//     and-pro, .../windows-11-enterprise-and-education, .../windows-11-
//     enterprise-ltsc-2024, .../windows-11-iot-enterprise-ltsc-2024 (as
//     also listed by pureinfotech.com/windows-11-lifecycle);
//   - Windows Server: learn.microsoft.com/lifecycle/products/windows-
//     server-2016 (-2019, -2022, -2025), as listed by vinfrastructure.it;
//     2025's extended end is "2034" in every source found, the day was
//     not confirmed;
//   - macOS: endoflife.date/macos and Apple's security releases
//     (support.apple.com/100100); macOS 27 shipped on 2026-09-15 (Software
//     Update's first offer of 27.0 on a real Mac, eclecticlight.co's
//     schedule), which ended macOS 14.
var builtinEOL = []string{
	"debian 9 2022-06-30", "debian 10 2024-06-30", "debian 11 2026-08-31",
	"debian 12 2028-06-30", "debian 13 2030-06-30",
	"ubuntu 16.04 2021-04-30", "ubuntu 18.04 2023-05-31", "ubuntu 20.04 2025-05-31",
	"ubuntu 22.04 2027-06-01", "ubuntu 24.04 2029-05-31", "ubuntu 24.10 2025-07-10",
	"ubuntu 25.04 2026-01-15", "ubuntu 25.10 2026-07-09", "ubuntu 26.04 2031-05-31",
	"ubuntu-esm 16.04 2026-04-30", "ubuntu-esm 18.04 2028-04-30", "ubuntu-esm 20.04 2030-04-30",
	"ubuntu-esm 22.04 2032-04-30", "ubuntu-esm 24.04 2034-04-30", "ubuntu-esm 26.04 2036-04-30",
	"linuxmint 19 2023-04-30", "linuxmint 20 2025-04-30", "linuxmint 21 2027-04-30", "linuxmint 22 2029-04-30",
	"pop 20.04 2025-05-31", "pop 22.04 2027-06-01", "pop 24.04 2029-05-31",
	"fedora 39 2024-11-26", "fedora 40 2025-05-13", "fedora 41 2025-12-15",
	"fedora 42 2026-05-13", "fedora 43 2026-12-09", // 43: planned
	"rhel 7 2024-06-30", "rhel 8 2029-05-31", "rhel 9 2032-05-31", "rhel 10 2035-05-31",
	"rocky 8 2029-05-31", "rocky 9 2032-05-31", "rocky 10 2035-05-31",
	"almalinux 8 2029-03-01", "almalinux 9 2032-05-31", "almalinux 10 2035-05-31",
	"ol 7 2024-12-31", "ol 8 2029-07-31", "ol 9 2032-06-30",
	"centos 7 2024-06-30", "centos 8 2024-05-31", "centos 9 2027-05-31",
	"opensuse-leap 15.4 2023-12-07", "opensuse-leap 15.5 2024-12-31", "opensuse-leap 15.6 2026-04-30",
	"opensuse-leap 16.0 2027-10-31", "opensuse-tumbleweed * rolling", "arch * rolling",
	"manjaro * rolling", "endeavouros * rolling",
	"macos 11 2023-09-26", "macos 12 2024-09-16", "macos 13 2025-09-15", "macos 14 2026-09-15",
	"macos 15 2027-09-15", "macos 26 2028-09-15", "macos 27 2029-09-15", // 15, 26, 27: planned
	"windows-10 * 2025-10-14", "windows-10 21H2 2023-06-13", "windows-10 21H1 2022-12-13",
	"windows-10-esu 22H2 2028-10-10", "windows-10-esu-year1 22H2 2026-10-13",
	"windows-10-esu-year2 22H2 2027-10-12", "windows-10-esu-year3 22H2 2028-10-10",
	"windows-10-enterprise 21H2 2024-06-11",
	"windows-10-ltsc 1607 2026-10-13", "windows-10-ltsc 1809 2029-01-09", "windows-10-ltsc 21H2 2027-01-12",
	"windows-10-iot-ltsc 1809 2029-01-09", "windows-10-iot-ltsc 21H2 2032-01-13",
	"windows-11 21H2 2023-10-10", "windows-11 22H2 2024-10-08", "windows-11 23H2 2025-11-11",
	"windows-11 24H2 2026-10-13", "windows-11 25H2 2027-10-12",
	"windows-11-enterprise 21H2 2024-10-08", "windows-11-enterprise 22H2 2025-10-14",
	"windows-11-enterprise 23H2 2026-11-10", "windows-11-enterprise 24H2 2027-10-12",
	"windows-11-enterprise 25H2 2028-10-10",
	"windows-11-ltsc 24H2 2029-10-09", "windows-11-iot-ltsc 24H2 2034-10-10",
	"windows-server 14393 2027-01-12", "windows-server 17763 2029-01-09",
	"windows-server 20348 2031-10-14", "windows-server 26100 2034-10-10",
}

// eolEntry is one line of the end-of-life table.
type eolEntry struct {
	System, Version string
	// End is the last supported day; zero for a rolling release.
	End     time.Time
	Rolling bool
	// FromPolicy is whether the policy's table gave the line.
	FromPolicy bool
}

// parseEOLLine reads "system version end": end is YYYY-MM-DD or rolling.
func parseEOLLine(line string) (eolEntry, error) {
	fields := strings.Fields(line)
	if len(fields) != 3 {
		return eolEntry{}, fmt.Errorf("%q is not \"system version end-date\"", line)
	}
	e := eolEntry{System: strings.ToLower(fields[0]), Version: fields[1]}
	if !tableWord(e.System, false) {
		return eolEntry{}, fmt.Errorf("%q: the system is lower-case letters, digits, . - and _ (debian, windows-11)", line)
	}
	if e.Version != "*" && !tableWord(e.Version, true) {
		return eolEntry{}, fmt.Errorf("%q: the version is letters, digits, . - and _, or *", line)
	}
	if fields[2] == "rolling" {
		e.Rolling = true
		return e, nil
	}
	t, err := time.Parse(time.DateOnly, fields[2])
	if err != nil {
		return eolEntry{}, fmt.Errorf("%q: the end date is YYYY-MM-DD or rolling", line)
	}
	e.End = t
	return e, nil
}

func tableWord(s string, upper bool) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || upper && r >= 'A' && r <= 'Z' || i > 0 && strings.ContainsRune(".-_", r)
		if !ok {
			return false
		}
	}
	return true
}

// eolTableSetting is a dated table the policy extends: updates_eol_table
// (support ends) and updates_release_dates (macOS release dates). Its
// lines are added to the built-in ones, each checked by parseEOLLine.
type eolTableSetting struct {
	checks.Names
	builtin []string
	// datesOnly: every line has a date ("rolling" is refused).
	datesOnly bool
}

// Check implements checks.Setting.
func (s eolTableSetting) Check(raw json.RawMessage) error {
	if err := s.Names.Check(raw); err != nil {
		return err
	}
	var entries []string
	_ = json.Unmarshal(raw, &entries)
	lines, err := eolLines(entries)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	for _, l := range lines {
		e, err := parseEOLLine(l)
		if err == nil && s.datesOnly && e.Rolling {
			err = fmt.Errorf("%q: the date is YYYY-MM-DD", l)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return nil
}

// eolLines reads the setting's entries as system-version-date triples:
// one line each ("debian 12 2028-06-30"), or the same words as separate
// names (the policy editor splits a list at spaces).
func eolLines(entries []string) ([]string, error) {
	words := strings.Fields(strings.Join(entries, " "))
	if len(words)%3 != 0 {
		return nil, fmt.Errorf("%q is not lines of \"system version end-date\"", strings.Join(entries, "; "))
	}
	var lines []string
	for i := 0; i < len(words); i += 3 {
		lines = append(lines, strings.Join(words[i:i+3], " "))
	}
	return lines, nil
}

// Table is the built-in table with the policy's lines laid over it.
func (s eolTableSetting) Table(pol checks.Policy) []eolEntry {
	var out []eolEntry
	for _, l := range s.builtin {
		e, err := parseEOLLine(l)
		if err != nil {
			panic(err) // the built-in table is tested
		}
		out = append(out, e)
	}
	var lines []string
	if raw, ok := pol.Settings[s.Name]; ok && s.Check(raw) == nil {
		var entries []string
		_ = json.Unmarshal(raw, &entries)
		lines, _ = eolLines(entries)
	}
	for _, l := range lines {
		e, _ := parseEOLLine(l)
		e.FromPolicy = true
		replaced := false
		for i := range out {
			if out[i].System == e.System && strings.EqualFold(out[i].Version, e.Version) {
				out[i], replaced = e, true
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

// lookupEOL finds the release in the table: the first of its systems that
// the table lists, with the most specific version that matches (exactly,
// as a point release of the table's version, or *).
func lookupEOL(table []eolEntry, r release) (eolEntry, bool) {
	for _, sys := range r.Systems {
		best, score := eolEntry{}, -1
		for _, e := range table {
			if e.System != sys {
				continue
			}
			s := versionMatch(e.Version, r.Version)
			if s > score {
				best, score = e, s
			}
		}
		if score >= 0 {
			return best, true
		}
	}
	return eolEntry{}, false
}

// versionMatch scores how well a table version matches a release's: -1
// not at all, 0 for *, else the length matched.
func versionMatch(table, version string) int {
	switch {
	case table == "*":
		return 0
	case version == "":
		return -1
	case strings.EqualFold(table, version):
		return len(table) + 1
	case len(version) > len(table) && strings.EqualFold(version[:len(table)], table) && version[len(table)] == '.':
		return len(table)
	}
	return -1
}
