package antivirus

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestParseWSCRows(t *testing.T) {
	tests := []struct {
		file   string
		states []string // "name=state/uptodate"
	}{
		{"defender_on_current.json", []string{"Windows Defender=on/true"}},
		{"defender_off_eset_on.json", []string{"Windows Defender=off/true", "ESET Security=on/true"}},
		{"defender_on_out_of_date.json", []string{"Windows Defender=on/false"}},
		{"defender_snoozed.json", []string{"Windows Defender=snoozed/true"}},
		{"eset_expired.json", []string{"Windows Defender=off/true", "ESET Security=expired/true"}},
		{"eset_on_out_of_date.json", []string{"ESET Security=on/false"}},
		{"third_party_off_393216.json", []string{"Norton Security=off/true"}},
		{"gdata_off_262144.json", []string{"Windows Defender=off/true", "G DATA Antivirus=off/true"}},
		{"unrecognised_state.json", []string{"Windows Defender=unrecognised/false"}},
		{"state_not_a_number.json", []string{"Windows Defender=unrecognised/false"}},
		{"empty.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var rows []map[string]any
			if err := json.Unmarshal(checktest.ReadParserData(t, "wsc", tt.file), &rows); err != nil {
				t.Fatal(err)
			}
			got := parseWSCRows(rows)
			if len(got) != len(tt.states) {
				t.Fatalf("got %d products, want %d: %+v", len(got), len(tt.states), got)
			}
			for i, p := range got {
				s := p.Name + "=" + p.State + "/" + map[bool]string{true: "true", false: "false"}[p.SignaturesUpToDate]
				if s != tt.states[i] {
					t.Errorf("product %d = %s, want %s", i, s, tt.states[i])
				}
			}
		})
	}
}

func TestParseDefenderStatus(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		file    string
		active  bool
		ok      bool
		passive bool
		never   bool
		age     *float64
		updated string
	}{
		{"normal_current.json", true, true, false, false, f(1.16), "2026-10-31T06:15:07Z"},
		{"passive_mode.json", false, true, true, false, f(1.16), "2026-10-31T06:15:07Z"},
		{"sxs_passive_mode.json", false, true, true, false, f(1.16), "2026-10-31T06:15:07Z"},
		{"edr_block_mode.json", false, true, true, false, f(1.16), "2026-10-31T06:15:07Z"},
		{"realtime_off.json", false, true, false, false, f(1.16), "2026-10-31T06:15:07Z"},
		{"never_updated_65535.json", true, true, false, true, nil, ""},
		{"never_updated_4294967295.json", true, true, false, true, nil, ""},
		// +120 minutes: 10:30 local is 08:30 UTC.
		{"old_signatures_offset.json", true, true, false, false, f(12.06), "2026-10-20T08:30:00Z"},
		{"no_running_mode_old_platform.json", true, true, false, false, f(2), ""},
		{"missing_fields.json", false, false, false, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var row map[string]any
			if err := json.Unmarshal(checktest.ReadParserData(t, "defender", tt.file), &row); err != nil {
				t.Fatal(err)
			}
			d := parseDefenderStatus(row, now)
			active, ok := d.active()
			if active != tt.active || ok != tt.ok || d.passive() != tt.passive || d.NeverUpdated != tt.never {
				t.Errorf("active,ok,passive,never = %v,%v,%v,%v; want %v,%v,%v,%v", active, ok, d.passive(), d.NeverUpdated, tt.active, tt.ok, tt.passive, tt.never)
			}
			if (d.SignatureAgeDays == nil) != (tt.age == nil) || (tt.age != nil && *d.SignatureAgeDays != *tt.age) {
				t.Errorf("age = %v, want %v", fmtPtr(d.SignatureAgeDays), fmtPtr(tt.age))
			}
			if d.SignatureLastUpdated != tt.updated {
				t.Errorf("last updated = %q, want %q", d.SignatureLastUpdated, tt.updated)
			}
		})
	}
}

func fmtPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestParseWMITime(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"20261031061507.000000+000", "2026-10-31T06:15:07Z"},
		{"20261020103000.000000+120", "2026-10-20T08:30:00Z"},
		{"20261020030000.000000-300", "2026-10-20T08:00:00Z"},
		{"/Date(1793426107000)/", "2026-10-31T05:55:07Z"},
		{"2026-10-31T06:15:07+01:00", "2026-10-31T05:15:07Z"},
		{"Freitag, 31. Oktober 2026 06:15:07", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := parseWMITime(tt.in)
		s := ""
		if ok {
			s = got.UTC().Format(time.RFC3339)
		}
		if s != tt.want {
			t.Errorf("ParseWMITime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestParseSpctlStatus(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"enabled.txt", "enabled"},
		{"disabled.txt", "disabled"},
		{"developer_mode.txt", "enabled"},
		{"unrecognised.txt", "unrecognised"},
		{"empty.txt", "unrecognised"},
	}
	for _, tt := range tests {
		if got := parseSpctlStatus(checktest.ReadParserData(t, "spctl", tt.file), nil); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.file, got, tt.want)
		}
	}
	// Some builds write the status to stderr.
	if got := parseSpctlStatus(nil, checktest.ReadParserData(t, "spctl", "disabled.txt")); got != "disabled" {
		t.Errorf("stderr: got %q, want disabled", got)
	}
}

func TestParseXProtectInstall(t *testing.T) {
	tests := []struct {
		file, version, date string
		wantErr             bool
	}{
		{"sequoia_recent.json", "5322", "2026-10-28T18:02:45Z", false},
		{"sonoma_old.json", "5272", "2024-09-18T08:45:49Z", false},
		{"no_xprotect.json", "", "", true},
		{"empty_object.json", "", "", true},
		{"not_json.txt", "", "", true},
		{"bad_date.json", "", "", true},
	}
	for _, tt := range tests {
		got, err := parseXProtectInstall(checktest.ReadParserData(t, "install_history", tt.file))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.file, err, tt.wantErr)
			continue
		}
		if err == nil && (got.Version != tt.version || got.Date.UTC().Format(time.RFC3339) != tt.date) {
			t.Errorf("%s: got %s %s, want %s %s", tt.file, got.Version, got.Date, tt.version, tt.date)
		}
	}
}

func TestParseBundleVersion(t *testing.T) {
	tests := []struct {
		file, want string
		wantErr    bool
	}{
		{"xml_5322.plist", "5322", false},
		{"binary_5272.plist", "5272", false},
		{"only_bundle_version.plist", "2166", false},
		{"no_version.plist", "", true},
		{"garbage.plist", "", true},
	}
	for _, tt := range tests {
		got, err := parseBundleVersion(checktest.ReadParserData(t, "infoplist", tt.file))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q, error %v", tt.file, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseMDATPHealth(t *testing.T) {
	tests := []struct {
		file    string
		state   string // "" = parse error
		minutes int64
		issues  int
	}{
		{"linux_active_fanotify.txt", "active", 159, 0},
		{"macos_active_endpoint_security.txt", "active", 5, 0},
		{"linux_passive_default.txt", "passive", 159, 0},
		{"macos_rtp_disabled_kext.txt", "off", 5, 0},
		{"linux_managed_outdated.txt", "outdated", 20160, 1},
		{"linux_no_event_provider.txt", "off", -1, 1},
		{"linux_rtp_unavailable.txt", "off", -1, 1},
		{"linux_unhealthy_license.txt", "unhealthy", 75, 1},
		{"not_licensed.txt", "", 0, 0},
		{"daemon_not_running.txt", "", 0, 0},
		{"empty.txt", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h, err := parseMDATPHealth(checktest.ReadParserData(t, "mdatp", tt.file))
			if tt.state == "" {
				if !errors.Is(err, errMDATPUnrecognised) {
					t.Fatalf("err = %v, want errMDATPUnrecognised", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.state(); got != tt.state {
				t.Errorf("state = %q, want %q", got, tt.state)
			}
			if len(h.HealthIssues) != tt.issues {
				t.Errorf("issues = %v, want %d", h.HealthIssues, tt.issues)
			}
			if tt.minutes >= 0 && (h.DefinitionsMinutesAgo == nil || *h.DefinitionsMinutesAgo != tt.minutes) {
				t.Errorf("minutes = %v, want %d", h.DefinitionsMinutesAgo, tt.minutes)
			}
		})
	}
	// The [managed] suffix does not hide a value.
	h, err := parseMDATPHealth(checktest.ReadParserData(t, "mdatp", "linux_managed_outdated.txt"))
	if err != nil || h.RealTimeProtectionEnabled == nil || !*h.RealTimeProtectionEnabled || h.DefinitionsStatus != "out_of_date" {
		t.Errorf("managed values: %+v, %v", h, err)
	}
}

func TestParseCVDHeader(t *testing.T) {
	tests := []struct {
		file    string
		version int64
		built   string
		wantErr bool
	}{
		{"daily_cvd_2020.bin", 25784, "2020-04-16T11:58:59Z", false},
		{"daily_cld_2026.bin", 27830, "2026-11-20T07:41:00Z", false},
		{"main_cvd_2016_no_stime.bin", 57, "2016-03-16T23:17:00Z", false},
		{"not_a_database.bin", 0, "", true},
		{"bad_version.bin", 0, "", true},
		{"truncated.bin", 0, "", true},
	}
	for _, tt := range tests {
		got, err := parseCVDHeader(checktest.ReadParserData(t, "cvd", tt.file))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.file, err, tt.wantErr)
			continue
		}
		if err == nil && (got.Version != tt.version || got.BuildTime != tt.built || got.Source != "header") {
			t.Errorf("%s: got %+v, want %d %s", tt.file, got, tt.version, tt.built)
		}
	}
}

func TestParseClamscanVersion(t *testing.T) {
	tests := []struct {
		file    string
		version int64
		built   string
		err     error
	}{
		{"daily_27830.txt", 27830, "2026-11-20T07:41:00Z", nil},
		// Local time (Europe/Berlin) without a zone: read as UTC, an hour off.
		{"daily_27830_berlin.txt", 27830, "2026-11-20T08:41:00Z", nil},
		{"no_database.txt", 0, "", errNoDatabase},
		{"missing_dir.txt", 0, "", errNoDatabase},
		{"unrecognised_option.txt", 0, "", errVersionUnrecognised},
	}
	for _, tt := range tests {
		got, err := parseClamscanVersion(checktest.ReadParserData(t, "clamscan", tt.file))
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err = %v, want %v", tt.file, err, tt.err)
			continue
		}
		if err == nil && (got.Version != tt.version || got.BuildTime != tt.built || !got.LocalTime) {
			t.Errorf("%s: got %+v", tt.file, got)
		}
	}
}

func TestParseSigtoolInfo(t *testing.T) {
	tests := []struct {
		file    string
		version int64
		built   string
		wantErr bool
	}{
		{"cld_unverified.txt", 27830, "2026-11-20T07:41:00Z", false},
		{"cvd_unverified.txt", 27830, "2026-11-20T07:41:00Z", false},
		{"missing_file.txt", 0, "", true},
	}
	for _, tt := range tests {
		got, err := parseSigtoolInfo(checktest.ReadParserData(t, "sigtool", tt.file))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.file, err, tt.wantErr)
			continue
		}
		if err == nil && (got.Version != tt.version || got.BuildTime != tt.built) {
			t.Errorf("%s: got %+v", tt.file, got)
		}
	}
	if _, err := parseSigtoolInfo([]byte("Build time: 20 Nov 2026 07:41 +0000\n")); err == nil {
		t.Error("sigtool output without Version accepted")
	}
	if _, err := parseSigtoolInfo([]byte("Build time: gestern\nVersion: 27830\n")); err == nil {
		t.Error("sigtool output with a bad build time accepted")
	}
}

func TestParseClamConf(t *testing.T) {
	tests := []struct {
		file               string
		example            bool
		dbDir, pid, socket string
		include, mount     []string
		prevention         bool
		excludeUnames      []string
	}{
		{"debian_freshclam.conf", false, "/var/lib/clamav", "", "", nil, nil, false, nil},
		{"freshclam_sample_unedited.conf", true, "", "", "", nil, nil, false, nil},
		{"debian_clamd.conf", false, "/var/lib/clamav", "", "/var/run/clamav/clamd.ctl", nil, nil, false, nil},
		{"fedora_scan.conf", false, "", "", "/run/clamd.scan/clamd.sock", nil, nil, false, nil},
		{"custom_dir_pidfile.conf", false, "/srv/clamav/db", "/run/clamav/clamd-custom.pid", "/run/clamav/clamd.ctl", nil, nil, false, nil},
		{"debian_clamd_onaccess.conf", false, "/var/lib/clamav", "", "/var/run/clamav/clamd.ctl", []string{"/home", "/tmp"}, nil, true, []string{"clamav"}},
		{"fedora_scan_onaccess_mount.conf", false, "", "", "/run/clamd.scan/clamd.sock", nil, []string{"/home"}, false, []string{"clamscan"}},
	}
	for _, tt := range tests {
		c := parseClamConf(checktest.ReadParserData(t, "clamconf", tt.file))
		want := clamConf{Example: tt.example, DatabaseDirectory: tt.dbDir, PidFile: tt.pid, LocalSocket: tt.socket,
			OnAccessIncludePaths: tt.include, OnAccessMountPaths: tt.mount, OnAccessPrevention: tt.prevention,
			OnAccessExcludeUnames: tt.excludeUnames}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("%s: got %+v, want %+v", tt.file, c, want)
		}
	}
}

func TestParseEndpointStatus(t *testing.T) {
	tests := []struct {
		parse  func([]byte) (string, string, error)
		file   string
		status string // "" = not recognised
	}{
		{parseFalconRFM, "falconctl/rfm_false.txt", statusProtecting},
		{parseFalconRFM, "falconctl/rfm_true_with_reason.txt", statusNotProtecting},
		{parseFalconRFM, "falconctl/combined_fields.txt", statusProtecting},
		{parseFalconRFM, "falconctl/not_root.txt", ""},
		{parseSentinelCtlStatus, "sentinelctl/control_status_enabled.txt", statusProtecting},
		{parseSentinelCtlStatus, "sentinelctl/control_status_disabled.txt", statusNotProtecting},
		{parseSentinelCtlStatus, "sentinelctl/empty.txt", ""},
		{parseBduitoolStatus, "bduitool/get_ps_on.txt", statusProtecting},
		{parseBduitoolStatus, "bduitool/get_ps_antimalware_off.txt", statusNotProtecting},
	}
	for _, tt := range tests {
		dir, file, _ := strings.Cut(tt.file, "/")
		st, _, err := tt.parse(checktest.ReadParserData(t, dir, file))
		if tt.status == "" {
			if !errors.Is(err, errStatusUnrecognised) {
				t.Errorf("%s: err = %v, want errStatusUnrecognised", tt.file, err)
			}
			continue
		}
		if err != nil || st != tt.status {
			t.Errorf("%s: %q, %v; want %q", tt.file, st, err, tt.status)
		}
	}
}

// TestParseClamConfLikeClamAV: lines are split, repeated and commented as
// ClamAV's own option parser does them.
func TestParseClamConfLikeClamAV(t *testing.T) {
	tests := []struct {
		name, in string
		want     clamConf
	}{
		{"tab separates", "OnAccessDisableDDD\tyes\nOnAccessExcludePath\t/home\n",
			clamConf{OnAccessDisableDDD: true, OnAccessExcludePaths: []string{"/home"}}},
		{"the first value of an option given once counts", "OnAccessDisableDDD yes\nDatabaseDirectory /srv/db\nOnAccessDisableDDD no\nDatabaseDirectory /var/lib/clamav\nOnAccessPrevention no\nOnAccessPrevention yes\n",
			clamConf{OnAccessDisableDDD: true, DatabaseDirectory: "/srv/db"}},
		{"lists keep every line", "OnAccessIncludePath /home\n  OnAccessIncludePath \t /srv  \nOnAccessExcludeUname a\nOnAccessExcludeUname b\nOnAccessExcludeUID 01000\n",
			clamConf{OnAccessIncludePaths: []string{"/home", "/srv"}, OnAccessExcludeUnames: []string{"a", "b"}, OnAccessExcludeUIDs: []string{"1000"}}},
		{"quotes run to the last one", "OnAccessExcludePath \"/home\" # staff\nDatabaseDirectory \"/srv/a b\"\n",
			clamConf{OnAccessExcludePaths: []string{"/home"}, DatabaseDirectory: "/srv/a b"}},
		{"yes in any case", "OnAccessPrevention YES\nOnAccessDisableDDD True\n",
			clamConf{OnAccessPrevention: true, OnAccessDisableDDD: true}},
		{"a yes/no with a comment: only 1.5 accepts it", "OnAccessDisableDDD yes # for speed\nOnAccessExcludeUID 1000 # backup\n",
			clamConf{OnAccessDisableDDD: true, OnAccessExcludeUIDs: []string{"1000"}}},
		{"a text value with a comment: read both ways", "OnAccessExcludePath /home # all staff folders\nOnAccessIncludePath /home#x\n",
			clamConf{OnAccessExcludePaths: []string{"/home"}, OnAccessIncludePaths: []string{"/home"},
				Older: &clamConf{OnAccessExcludePaths: []string{"/home # all staff folders"}, OnAccessIncludePaths: []string{"/home#x"}}}},
		{"a comment in the quotes", "OnAccessExcludeUname \"user # x\"\n",
			clamConf{OnAccessExcludeUnames: []string{"user"}, Older: &clamConf{OnAccessExcludeUnames: []string{"user # x"}}}},
		{"no value", "OnAccessPrevention yes\nOnAccessExcludePath\n",
			clamConf{OnAccessPrevention: true, Refused: "line 2: OnAccessExcludePath has no value"}},
		{"not yes or no", "OnAccessDisableDDD on\n", clamConf{Refused: "line 1: OnAccessDisableDDD is not yes or no"}},
		{"a comment after a tab", "OnAccessPrevention yes\t# on\n", clamConf{Refused: "line 1: OnAccessPrevention is not yes or no"}},
		{"carriage return kept", "OnAccessIncludePath /home\r\nOnAccessPrevention yes\r\n",
			clamConf{OnAccessIncludePaths: []string{"/home\r"}, Refused: "line 2: OnAccessPrevention is not yes or no"}},
		{"unclosed quote", "OnAccessExcludePath \"/home\n", clamConf{Refused: "line 1: OnAccessExcludePath has an empty or unclosed quote"}},
		{"Example starts a line", "ExampleLine\n", clamConf{Example: true}},
	}
	for _, tt := range tests {
		if got := parseClamConf([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestReportingRuns(t *testing.T) {
	procs := []probe.Process{
		{PID: 4, Name: "System"},
		{PID: 3388, Name: "ekrn.exe", Exe: `C:\Program Files\ESET\ESET Security\ekrn.exe`},
		{PID: 3500, Name: "avp.exe"},
		{PID: 3600, Name: "wsc_proxy.exe", Exe: `C:\Users\Public\wsc_proxy.exe`},
	}
	tests := []struct {
		name, path, procErr, drive string
		running                    bool
		unread                     string // a word of the reason; "" when told
	}{
		{"runs, other case", `c:\program files\eset\eset security\EKRN.EXE`, "", "C:", true, ""},
		{"runs, variable expanded", `%ProgramFiles%\ESET\ESET Security\ekrn.exe`, "", "C:", true, ""},
		{"not running", `C:\Program Files\Common Files\McAfee\Platform\McUICnt.exe`, "", "C:", false, ""},
		{"same name elsewhere is not it", `C:\Program Files\Avast Software\Avast\wsc_proxy.exe`, "", "C:", false, ""},
		{"name only", `C:\Program Files (x86)\Kaspersky Lab\avp.exe`, "", "C:", false, "path could not be read"},
		{"variable without the system drive", `%ProgramFiles%\ESET\ESET Security\ekrn.exe`, "", "", false, "variable"},
		{"unknown variable", `%ONEDRIVE%\x.exe`, "", "C:", false, "variable"},
		{"no path", "", "", "C:", false, "pathToSignedReportingExe"},
		{"not a full path", `\`, "", "C:", false, "not a full path"},
		{"a bare name", "ekrn.exe", "", "C:", false, "not a full path"},
		{"process list unread", `C:\Program Files\ESET\ESET Security\ekrn.exe`, "access_denied", "C:", false, "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			running, unread := reportingRuns(tt.path, procs, tt.procErr, tt.drive)
			if running != tt.running || (tt.unread == "") != (unread == "") || !strings.Contains(unread, tt.unread) {
				t.Errorf("reportingRuns(%q) = %v, %q; want %v, %q", tt.path, running, unread, tt.running, tt.unread)
			}
		})
	}
}

func TestParseWSCTime(t *testing.T) {
	for s, want := range map[string]string{
		"Fri, 30 Oct 2026 07:12:44 GMT": "2026-10-30T07:12:44Z",
		"Thu, 23 May 2024 12:29:05 GMT": "2024-05-23T12:29:05Z",
		"20261030071244.000000+060":     "2026-10-30T06:12:44Z",
		"yesterday":                     "",
	} {
		got := ""
		if tm, ok := parseWSCTime(s); ok {
			got = tm.Format(time.RFC3339)
		}
		if got != want {
			t.Errorf("parseWSCTime(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestParseBduitoolContentUpdate(t *testing.T) {
	const line = "Product version: 7.0.3.2239\nLast security content update: %s\nFeatures:\n  - Antimalware status: On\n"
	for in, want := range map[string]string{
		"2026-11-22 at 08:14:37 GMT+1":    "2026-11-22T07:14:37Z",
		"2026-08-20 at 08:14:37 GMT-5":    "2026-08-20T13:14:37Z",
		"2026-08-20 at 08:14:37 GMT+5:30": "2026-08-20T02:44:37Z",
		"2026-08-20 at 08:14:37 GMT":      "2026-08-20T08:14:37Z",
		"2026-08-20 at 08:14:37 UTC":      "2026-08-20T08:14:37Z",
		"2026-08-20 08:14:37":             "2026-08-20T08:14:37Z",
		"2026-08-20 at 08:14:37 CEST":     "",
		"never":                           "",
		"N/A":                             "",
	} {
		got := ""
		if tm, err := parseBduitoolContentUpdate([]byte(fmt.Sprintf(line, in))); err == nil {
			got = tm.Format(time.RFC3339)
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if _, err := parseBduitoolContentUpdate(checktest.ReadParserData(t, "bduitool", "get_ps_on.txt")); err != nil {
		t.Errorf("get_ps_on.txt: %v", err)
	}
	if _, err := parseBduitoolContentUpdate([]byte("Features:\n  - Antimalware status: On\n")); err == nil {
		t.Error("no content line: no error")
	}
}
