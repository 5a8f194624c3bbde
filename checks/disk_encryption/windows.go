package diskencryption

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// WMI sources on Windows.
const (
	bitLockerNamespace = `root\CIMV2\Security\MicrosoftVolumeEncryption`
	bitLockerClass     = "Win32_EncryptableVolume"
	osNamespace        = `root\CIMV2`
	osClass            = "Win32_OperatingSystem"
	currentVersionKey  = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
)

// Win32_EncryptableVolume ConversionStatus values.
const (
	convFullyDecrypted       = 0
	convFullyEncrypted       = 1
	convEncryptionInProgress = 2
	convDecryptionInProgress = 3
	convEncryptionPaused     = 4
	convDecryptionPaused     = 5
)

// Win32_EncryptableVolume ProtectionStatus values.
const (
	protOff     = 0
	protOn      = 1
	protUnknown = 2
)

func collectWindows(ctx context.Context, p probe.Probe) (*windowsFacts, error) {
	f := &windowsFacts{SystemDrive: systemDrive(p)}
	rows, err := p.WMI(bitLockerNamespace, bitLockerClass)
	f.DataDrives = dataDrives(rows)
	if err != nil {
		f.WMIError = err.Error()
		f.DataDrivesUnread = err.Error()
		f.AccessDenied = errors.Is(err, probe.ErrAccessDenied)
	} else if row := pickVolume(rows, f.SystemDrive); row == nil {
		f.WMIError = fmt.Sprintf("%s lists no operating-system volume (VolumeType 0) for %s", bitLockerClass, f.SystemDrive)
	} else {
		// The row is the operating-system volume by its own VolumeType;
		// its letter is the one manage-bde is asked about.
		f.OSVolume = "wmi"
		if s, ok := probe.AsString(row["DriveLetter"]); ok && isDrive(s) {
			f.SystemDrive = strings.ToUpper(s)
		}
		if m, ok := probe.AsInt(row["EncryptionMethod"]); ok {
			f.EncryptionMethod = &m
		}
		ps, okP := probe.AsInt(row["ProtectionStatus"])
		cs, okC := probe.AsInt(row["ConversionStatus"])
		if okP && okC {
			f.Source, f.ProtectionStatus, f.ConversionStatus = "wmi", &ps, &cs
		} else {
			f.WMIError = bitLockerClass + " has no ProtectionStatus/ConversionStatus properties on this Windows build"
		}
	}
	if f.Source != "" && !needsProtectors(f) {
		return f, nil
	}

	// manage-bde -status gives the state when WMI did not, and the key
	// protectors WMI has no property for. -status names the protectors'
	// types only; -protectors -get would also print recovery passwords,
	// which must never reach an evidence bundle.
	out, err := p.Run(ctx, probe.CmdManageBDE, "-status", f.SystemDrive)
	if err != nil {
		f.ManageBDEError = err.Error()
		f.AccessDenied = f.AccessDenied || errors.Is(err, probe.ErrAccessDenied)
		return f, nil
	}
	text := probe.ConsoleText(p, out.Stdout) + "\n" + probe.ConsoleText(p, out.Stderr)
	st := parseManageBDE(text)
	switch {
	case st.AccessDenied:
		f.AccessDenied = true
		f.ManageBDEError = "manage-bde: access denied (needs administrator rights)"
		return f, nil
	case !st.Recognised:
		f.ManageBDEError = fmt.Sprintf("manage-bde output not recognised (exit status %d)", out.ExitCode)
	}
	f.KeyProtectors = st.KeyProtectors
	if f.Percent == nil {
		f.Percent = st.Percent
	}
	if st.OSVolume && f.OSVolume == "" {
		f.OSVolume = "manage-bde"
	}
	if f.Source == "" {
		if st.Recognised {
			f.Source = "manage-bde"
			f.AccessDenied = false
		}
		// A conversion status read without a protection status still
		// counts when no key protector decides the verdict on its own.
		f.ProtectionStatus, f.ConversionStatus = st.Protection, st.Conversion
		f.UsedSpaceOnly = st.UsedSpaceOnly
	}
	return f, nil
}

// needsProtectors reports whether the verdict on a state read from WMI
// depends on the volume's key protectors: protection off while the volume
// is encrypted, being encrypted or paused. Without a protector such a
// volume never becomes protected.
func needsProtectors(f *windowsFacts) bool {
	if f.ProtectionStatus == nil || f.ConversionStatus == nil || *f.ProtectionStatus != protOff {
		return false
	}
	switch *f.ConversionStatus {
	case convFullyEncrypted, convEncryptionInProgress, convEncryptionPaused:
		return true
	}
	return false
}

// systemDrive is the drive Windows boots from: Win32_OperatingSystem's
// SystemDrive, else the registry's SystemRoot, else C:.
func systemDrive(p probe.Probe) string {
	if rows, err := p.WMI(osNamespace, osClass); err == nil {
		for _, r := range rows {
			if s, ok := probe.AsString(r["SystemDrive"]); ok && isDrive(s) {
				return strings.ToUpper(s)
			}
		}
	}
	if v, err := p.Registry(currentVersionKey, "SystemRoot"); err == nil {
		if s, ok := v.(string); ok && len(s) >= 2 && isDrive(s[:2]) {
			return strings.ToUpper(s[:2])
		}
	}
	return "C:"
}

func isDrive(s string) bool {
	return len(s) == 2 && s[1] == ':' && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z'
}

// Win32_EncryptableVolume VolumeType of a fixed data drive.
const volumeFixedData = 1

// dataDrives lists the fixed data drives with a letter (a volume without
// one is not where files are kept) and their state.
func dataDrives(rows []map[string]any) []dataDrive {
	var out []dataDrive
	for _, r := range rows {
		t, ok := probe.AsInt(r["VolumeType"])
		letter, _ := probe.AsString(r["DriveLetter"])
		if !ok || t != volumeFixedData || !isDrive(letter) {
			continue
		}
		d := dataDrive{Drive: strings.ToUpper(letter)}
		if ps, ok := probe.AsInt(r["ProtectionStatus"]); ok {
			d.ProtectionStatus = &ps
		}
		if cs, ok := probe.AsInt(r["ConversionStatus"]); ok {
			d.ConversionStatus = &cs
		}
		out = append(out, d)
	}
	return out
}

// pickVolume returns the Win32_EncryptableVolume row of the operating
// system volume (VolumeType 0), preferring the one on drive when several
// claim it. A row that is not marked as the operating-system volume is
// never taken for it, whatever its letter.
func pickVolume(rows []map[string]any, drive string) map[string]any {
	var osRows []map[string]any
	for _, r := range rows {
		if t, ok := probe.AsInt(r["VolumeType"]); ok && t == 0 {
			osRows = append(osRows, r)
		}
	}
	for _, r := range osRows {
		if s, ok := probe.AsString(r["DriveLetter"]); ok && strings.EqualFold(s, drive) {
			return r
		}
	}
	if len(osRows) > 0 {
		return osRows[0]
	}
	return nil
}

// manageBDEStatus is the parsed output of `manage-bde -status X:`, mapped
// onto the Win32_EncryptableVolume enumerations.
type manageBDEStatus struct {
	// Recognised is true when both the conversion and the protection status
	// were understood.
	Recognised    bool
	AccessDenied  bool
	Conversion    *int64
	Protection    *int64
	UsedSpaceOnly bool
	Percent       *float64
	// KeyProtectors is the number listed, 0 for "None Found"; nil when
	// the output did not say.
	KeyProtectors *int
	// OSVolume is true when the output marks the volume as the one
	// Windows runs from ("[OS Volume]", "[Betriebssystemvolume]").
	OSVolume bool
}

// manage-bde labels, English and German, lower case.
var (
	labelConversion = []string{"conversion status", "konvertierungsstatus"}
	labelProtection = []string{"protection status", "schutzstatus"}
	labelPercent    = []string{"percentage encrypted", "verschlüsselt (prozent)"}
	labelProtectors = []string{"key protectors", "schlüsselschutzvorrichtungen"}
)

// parseManageBDE reads the (decoded) output of manage-bde -status for one
// volume. Labels and values are matched in English and German; anything
// else is not recognised.
func parseManageBDE(text string) manageBDEStatus {
	var st manageBDEStatus
	lower := strings.ToLower(text)
	if strings.Contains(lower, "access a required resource was denied") ||
		strings.Contains(lower, "0x80070005") ||
		(strings.Contains(lower, "fehler") && strings.Contains(lower, "verweigert")) {
		st.AccessDenied = true
		return st
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if t := strings.ToLower(strings.TrimSpace(lines[i])); t == "[os volume]" || t == "[betriebssystemvolume]" {
			st.OSVolume = true
			continue
		}
		label, value, ok := strings.Cut(lines[i], ":")
		if !ok {
			continue
		}
		label = strings.ToLower(strings.TrimSpace(label))
		value = strings.TrimSpace(value)
		lv := strings.ToLower(value)
		switch {
		case hasLabel(label, labelConversion):
			if c, used, ok := conversionOf(lv); ok {
				st.Conversion, st.UsedSpaceOnly = &c, used
			}
		case hasLabel(label, labelProtection):
			if p, ok := protectionOf(lv); ok {
				st.Protection = &p
			}
		case hasLabel(label, labelPercent):
			num := strings.TrimSpace(strings.TrimSuffix(strings.ReplaceAll(lv, ",", "."), "%"))
			if v, err := strconv.ParseFloat(num, 64); err == nil {
				st.Percent = &v
			}
		case hasLabel(label, labelProtectors):
			if lv == "none found" || lv == "keine gefunden" || strings.HasPrefix(lv, "none") || strings.HasPrefix(lv, "keine") {
				n := 0
				st.KeyProtectors = &n
				continue
			}
			n := 0
			if lv != "" {
				n = 1
			}
			// The protectors follow, indented deeper than the label.
			indent := leadingSpace(lines[i])
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && leadingSpace(lines[i+1]) > indent {
				i++
				n++
			}
			// An empty list that does not say "None Found" is not read
			// as "no protector".
			if n > 0 {
				st.KeyProtectors = &n
			}
		}
	}
	st.Recognised = st.Conversion != nil && st.Protection != nil
	return st
}

func hasLabel(label string, names []string) bool {
	for _, n := range names {
		if label == n {
			return true
		}
	}
	return false
}

func leadingSpace(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}

// conversionOf maps a conversion status text to its WMI value.
func conversionOf(v string) (int64, bool, bool) {
	de := strings.Contains(v, "verschlüssel") || strings.Contains(v, "entschlüssel")
	switch {
	case v == "used space only encrypted", strings.HasPrefix(v, "nur verwendeter speicherplatz"):
		return convFullyEncrypted, true, true
	case v == "fully encrypted", v == "vollständig verschlüsselt":
		return convFullyEncrypted, false, true
	case v == "fully decrypted", v == "vollständig entschlüsselt":
		return convFullyDecrypted, false, true
	case v == "encryption in progress", de && strings.HasPrefix(v, "verschlüsselung") && (strings.Contains(v, "wird") || strings.Contains(v, "läuft") || strings.Contains(v, "durchgeführt")):
		return convEncryptionInProgress, false, true
	case v == "decryption in progress", de && strings.HasPrefix(v, "entschlüsselung") && (strings.Contains(v, "wird") || strings.Contains(v, "läuft") || strings.Contains(v, "durchgeführt")):
		return convDecryptionInProgress, false, true
	case v == "encryption paused", de && strings.HasPrefix(v, "verschlüsselung") && strings.Contains(v, "angehalten"):
		return convEncryptionPaused, false, true
	case v == "decryption paused", de && strings.HasPrefix(v, "entschlüsselung") && strings.Contains(v, "angehalten"):
		return convDecryptionPaused, false, true
	}
	return 0, false, false
}

// protectionOf maps a protection status text to its WMI value. "Protection
// Off (2 reboots left)" is suspended: off.
func protectionOf(v string) (int64, bool) {
	switch {
	case strings.HasPrefix(v, "protection on"), strings.HasPrefix(v, "der schutz ist aktiviert"):
		return protOn, true
	case strings.HasPrefix(v, "protection off"), strings.HasPrefix(v, "der schutz ist deaktiviert"):
		return protOff, true
	case strings.HasPrefix(v, "protection unknown"), strings.Contains(v, "unbekannt"):
		return protUnknown, true
	}
	return 0, false
}
