package diskencryption

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// writeBundle writes a minimal Windows evidence bundle and opens it.
func writeBundle(t *testing.T, wmi []evidence.WMIClass, registry map[string]map[string]any) *evidence.Replay {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(evidence.ManifestFile, map[string]any{"format": evidence.BundleFormat, "goos": "windows", "recorded_at": "2026-11-01T10:00:00Z"})
	if wmi != nil {
		write(evidence.WMIFile, wmi)
	}
	if registry != nil {
		write(evidence.RegistryFile, registry)
	}
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestWindowsWMISources(t *testing.T) {
	vol := func(letter string, vtype, prot, conv int) map[string]any {
		return map[string]any{"DriveLetter": letter, "VolumeType": vtype, "ProtectionStatus": prot, "ConversionStatus": conv, "EncryptionMethod": 7}
	}
	osRow := func(drive string) evidence.WMIClass {
		return evidence.WMIClass{Namespace: `root\CIMV2`, Class: "Win32_OperatingSystem", Rows: []map[string]any{{"SystemDrive": drive}}}
	}
	enc := func(rows ...map[string]any) evidence.WMIClass {
		return evidence.WMIClass{Namespace: "root/cimv2/security/microsoftvolumeencryption", Class: "win32_encryptablevolume", Rows: rows}
	}
	tests := []struct {
		name     string
		wmi      []evidence.WMIClass
		registry map[string]map[string]any
		drive    string
		source   string
		prot     int64
	}{
		{name: "system drive D: from Win32_OperatingSystem", wmi: []evidence.WMIClass{osRow("D:"), enc(vol("C:", 1, 0, 0), vol("D:", 0, 1, 1))}, drive: "D:", source: "wmi", prot: 1},
		{name: "lower-case drive letter", wmi: []evidence.WMIClass{osRow("c:"), enc(vol("C:", 0, 1, 1))}, drive: "C:", source: "wmi", prot: 1},
		{name: "drive from registry SystemRoot", wmi: []evidence.WMIClass{enc(vol("E:", 0, 0, 1))}, registry: map[string]map[string]any{currentVersionKey: {"SystemRoot": `E:\WINDOWS`}}, drive: "E:", source: "wmi", prot: 0},
		{name: "OS volume without a letter match", wmi: []evidence.WMIClass{enc(vol("", 0, 1, 1), vol("F:", 1, 0, 0))}, drive: "C:", source: "wmi", prot: 1},
		{name: "no row for the system drive", wmi: []evidence.WMIClass{enc(vol("F:", 1, 1, 1))}, drive: "C:", source: ""},
		// A row on the system drive's letter that is not the OS volume is
		// not taken for it.
		{name: "letter matches a data volume", wmi: []evidence.WMIClass{osRow("C:"), enc(vol("C:", 1, 1, 1))}, drive: "C:", source: ""},
		// Without Win32_OperatingSystem or SystemRoot, the OS volume's own
		// letter replaces the guessed C:.
		{name: "drive from the OS volume row", wmi: []evidence.WMIClass{enc(vol("C:", 1, 0, 0), vol("D:", 0, 1, 1))}, drive: "D:", source: "wmi", prot: 1},
		{name: "class missing", wmi: nil, drive: "C:", source: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := writeBundle(t, tc.wmi, tc.registry)
			f, err := collect(t.Context(), rp)
			if err != nil {
				t.Fatal(err)
			}
			w := f.Windows
			if w.SystemDrive != tc.drive || w.Source != tc.source {
				t.Fatalf("drive %q source %q, want %q %q (%+v)", w.SystemDrive, w.Source, tc.drive, tc.source, w)
			}
			if tc.source != "" && (w.ProtectionStatus == nil || *w.ProtectionStatus != tc.prot) {
				t.Errorf("protection = %v, want %d", deref(w.ProtectionStatus), tc.prot)
			}
			if tc.source == "" && w.WMIError == "" {
				t.Error("no WMI error recorded")
			}
			if (tc.source == "wmi") != (w.OSVolume == "wmi") {
				t.Errorf("os volume %q for source %q", w.OSVolume, tc.source)
			}
		})
	}
}

func TestDataDrives(t *testing.T) {
	rows := []map[string]any{
		{"DriveLetter": "C:", "VolumeType": int64(0), "ProtectionStatus": int64(1), "ConversionStatus": int64(1)},
		{"DriveLetter": "d:", "VolumeType": int64(1), "ProtectionStatus": int64(0), "ConversionStatus": int64(0)},
		{"DriveLetter": "E:", "VolumeType": int64(2), "ProtectionStatus": int64(0), "ConversionStatus": int64(0)}, // a USB stick
		{"DriveLetter": nil, "VolumeType": int64(1), "ProtectionStatus": int64(0), "ConversionStatus": int64(0)},  // no letter
		{"DriveLetter": "F:", "VolumeType": int64(1)},
	}
	got := dataDrives(rows)
	if len(got) != 2 || got[0].Drive != "D:" || *got[0].ProtectionStatus != 0 || got[1].Drive != "F:" || got[1].ProtectionStatus != nil {
		t.Fatalf("data drives %+v", got)
	}
	i := func(v int64) *int64 { return &v }
	tests := []struct {
		d    dataDrive
		want checks.Status
		sum  string
	}{
		{dataDrive{Drive: "D:", ProtectionStatus: i(1), ConversionStatus: i(1)}, checks.Pass, ""},
		{dataDrive{Drive: "D:", ProtectionStatus: i(2)}, checks.Pass, ""},
		{dataDrive{Drive: "D:", ProtectionStatus: i(0), ConversionStatus: i(0)}, checks.Warn, "Drive D:, another drive in this PC, is not encrypted"},
		{dataDrive{Drive: "D:", ProtectionStatus: i(0), ConversionStatus: i(1)}, checks.Warn, "is not protected by BitLocker"},
		{dataDrive{Drive: "F:"}, checks.Unknown, "drive F:"},
	}
	for _, tt := range tests {
		r := dataDrivePart(tt.d)
		if r.Status != tt.want || !strings.Contains(r.Summary, tt.sum) {
			t.Errorf("%+v: %s %q", tt.d, r.Status, r.Summary)
		}
	}
	// Beside a protected C:, a plain D: is a warning; beside an
	// unprotected C:, the fail stands.
	on, off, full, none := i(1), i(0), i(1), i(0)
	base := windowsFacts{SystemDrive: "C:", Source: "wmi", OSVolume: "wmi", ProtectionStatus: on, ConversionStatus: full, EncryptionMethod: i(6)}
	base.DataDrives = []dataDrive{{Drive: "D:", ProtectionStatus: off, ConversionStatus: none}}
	if r := evaluateWindows(base); r.Status != checks.Warn || !strings.Contains(r.Summary, "D:") {
		t.Errorf("protected C:, plain D: %s %q", r.Status, r.Summary)
	}
	base.ProtectionStatus, base.ConversionStatus = off, none
	if r := evaluateWindows(base); r.Status != checks.Fail {
		t.Errorf("plain C: and D: %s %q", r.Status, r.Summary)
	}
}
