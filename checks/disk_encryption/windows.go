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
	BitLockerNamespace = `root\CIMV2\Security\MicrosoftVolumeEncryption`
	BitLockerClass     = "Win32_EncryptableVolume"
	osNamespace        = `root\CIMV2`
	osClass            = "Win32_OperatingSystem"
	currentVersionKey  = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
)

// Win32_EncryptableVolume ConversionStatus values.
const (
	ConvFullyDecrypted       = 0
	ConvFullyEncrypted       = 1
	ConvEncryptionInProgress = 2
	ConvDecryptionInProgress = 3
	ConvEncryptionPaused     = 4
	ConvDecryptionPaused     = 5
)

// Win32_EncryptableVolume ProtectionStatus values.
const (
	ProtOff     = 0
	ProtOn      = 1
	ProtUnknown = 2
)

func collectWindows(ctx context.Context, p probe.Probe) (*WindowsFacts, error) {
	f := &WindowsFacts{SystemDrive: systemDrive(p)}
	rows, err := p.WMI(BitLockerNamespace, BitLockerClass)
	if err != nil {
		f.WMIError = err.Error()
		f.AccessDenied = errors.Is(err, probe.ErrAccessDenied)
	} else if row := pickVolume(rows, f.SystemDrive); row == nil {
		f.WMIError = fmt.Sprintf("%s lists no volume for %s", BitLockerClass, f.SystemDrive)
	} else {
		if m, ok := probe.AsInt(row["EncryptionMethod"]); ok {
			f.EncryptionMethod = &m
		}
		ps, okP := probe.AsInt(row["ProtectionStatus"])
		cs, okC := probe.AsInt(row["ConversionStatus"])
		if okP && okC {
			f.Source, f.ProtectionStatus, f.ConversionStatus = "wmi", &ps, &cs
			return f, nil
		}
		f.WMIError = BitLockerClass + " has no ProtectionStatus/ConversionStatus properties on this Windows build"
	}

	out, err := p.Run(ctx, "manage-bde", "-status", f.SystemDrive)
	if err != nil {
		f.ManageBDEError = err.Error()
		f.AccessDenied = f.AccessDenied || errors.Is(err, probe.ErrAccessDenied)
		return f, nil
	}
	text := probe.ConsoleText(p, out.Stdout) + "\n" + probe.ConsoleText(p, out.Stderr)
	st := ParseManageBDE(text)
	switch {
	case st.AccessDenied:
		f.AccessDenied = true
		f.ManageBDEError = "manage-bde: access denied (needs administrator rights)"
	case !st.Recognised:
		f.ManageBDEError = fmt.Sprintf("manage-bde output not recognised (exit status %d)", out.ExitCode)
	default:
		f.Source = "manage-bde"
		f.ProtectionStatus, f.ConversionStatus = st.Protection, st.Conversion
		f.UsedSpaceOnly, f.Percent, f.KeyProtectors = st.UsedSpaceOnly, st.Percent, st.KeyProtectors
		f.AccessDenied = false
	}
	return f, nil
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

// pickVolume returns the Win32_EncryptableVolume row of the drive, or the
// operating system volume (VolumeType 0).
func pickVolume(rows []map[string]any, drive string) map[string]any {
	for _, r := range rows {
		if s, ok := probe.AsString(r["DriveLetter"]); ok && strings.EqualFold(s, drive) {
			return r
		}
	}
	for _, r := range rows {
		if t, ok := probe.AsInt(r["VolumeType"]); ok && t == 0 {
			return r
		}
	}
	return nil
}

// ManageBDEStatus is the parsed output of `manage-bde -status X:`, mapped
// onto the Win32_EncryptableVolume enumerations.
type ManageBDEStatus struct {
	// Recognised is true when both the conversion and the protection status
	// were understood.
	Recognised    bool
	AccessDenied  bool
	Conversion    *int64
	Protection    *int64
	UsedSpaceOnly bool
	Percent       *float64
	// KeyProtectors is the number listed, 0 for "None Found".
	KeyProtectors *int
}

// manage-bde labels, English and German, lower case.
var (
	labelConversion = []string{"conversion status", "konvertierungsstatus"}
	labelProtection = []string{"protection status", "schutzstatus"}
	labelPercent    = []string{"percentage encrypted", "verschlüsselt (prozent)"}
	labelProtectors = []string{"key protectors", "schlüsselschutzvorrichtungen"}
)

// ParseManageBDE reads the (decoded) output of manage-bde -status for one
// volume. Labels and values are matched in English and German; anything
// else is not recognised.
func ParseManageBDE(text string) ManageBDEStatus {
	var st ManageBDEStatus
	lower := strings.ToLower(text)
	if strings.Contains(lower, "access a required resource was denied") ||
		strings.Contains(lower, "0x80070005") ||
		(strings.Contains(lower, "fehler") && strings.Contains(lower, "verweigert")) {
		st.AccessDenied = true
		return st
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
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
			n := 0
			if lv == "none found" || lv == "keine gefunden" || strings.HasPrefix(lv, "none") || strings.HasPrefix(lv, "keine") {
				st.KeyProtectors = &n
				continue
			}
			if lv != "" {
				n = 1
			}
			// The protectors follow, indented deeper than the label.
			indent := leadingSpace(lines[i])
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && leadingSpace(lines[i+1]) > indent {
				i++
				n++
			}
			st.KeyProtectors = &n
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
		return ConvFullyEncrypted, true, true
	case v == "fully encrypted", v == "vollständig verschlüsselt":
		return ConvFullyEncrypted, false, true
	case v == "fully decrypted", v == "vollständig entschlüsselt":
		return ConvFullyDecrypted, false, true
	case v == "encryption in progress", de && strings.HasPrefix(v, "verschlüsselung") && (strings.Contains(v, "wird") || strings.Contains(v, "läuft") || strings.Contains(v, "durchgeführt")):
		return ConvEncryptionInProgress, false, true
	case v == "decryption in progress", de && strings.HasPrefix(v, "entschlüsselung") && (strings.Contains(v, "wird") || strings.Contains(v, "läuft") || strings.Contains(v, "durchgeführt")):
		return ConvDecryptionInProgress, false, true
	case v == "encryption paused", de && strings.HasPrefix(v, "verschlüsselung") && strings.Contains(v, "angehalten"):
		return ConvEncryptionPaused, false, true
	case v == "decryption paused", de && strings.HasPrefix(v, "entschlüsselung") && strings.Contains(v, "angehalten"):
		return ConvDecryptionPaused, false, true
	}
	return 0, false, false
}

// protectionOf maps a protection status text to its WMI value. "Protection
// Off (2 reboots left)" is suspended: off.
func protectionOf(v string) (int64, bool) {
	switch {
	case strings.HasPrefix(v, "protection on"), strings.HasPrefix(v, "der schutz ist aktiviert"):
		return ProtOn, true
	case strings.HasPrefix(v, "protection off"), strings.HasPrefix(v, "der schutz ist deaktiviert"):
		return ProtOff, true
	case strings.HasPrefix(v, "protection unknown"), strings.Contains(v, "unbekannt"):
		return ProtUnknown, true
	}
	return 0, false
}
