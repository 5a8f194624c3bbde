package diskencryption

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// fdesetup states.
const (
	FVOn             = "on"
	FVOff            = "off"
	FVEncrypting     = "encrypting"
	FVDecrypting     = "decrypting"
	FVDeferred       = "deferred"
	FVRestartPending = "restart_pending"
	FVUnrecognised   = "unrecognised"
)

// FDEStatus is the parsed output of `fdesetup status`.
type FDEStatus struct {
	State   string
	Percent *float64
}

var percentRE = regexp.MustCompile(`(?i)percent completed\s*=\s*([0-9]+(?:\.[0-9]+)?)`)

// ParseFdesetupStatus reads `fdesetup status`. It never echoes the text
// (the deferred line names a user).
func ParseFdesetupStatus(b []byte) FDEStatus {
	s := strings.TrimSpace(string(b))
	lower := strings.ToLower(s)
	st := FDEStatus{State: FVUnrecognised}
	if m := percentRE.FindStringSubmatch(s); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			st.Percent = &v
		}
	}
	on := strings.Contains(lower, "filevault is on")
	off := strings.Contains(lower, "filevault is off")
	switch {
	case strings.Contains(lower, "decryption in progress"), strings.Contains(lower, "decryption paused"):
		st.State = FVDecrypting
	case strings.Contains(lower, "encryption in progress"), strings.Contains(lower, "encryption paused"):
		st.State = FVEncrypting
	case strings.Contains(lower, "deferred enablement appears to be active"):
		st.State = FVDeferred
	case (on || off) && strings.Contains(lower, "disabled"):
		st.State = FVDecrypting
	case (on || off) && strings.Contains(lower, "restart"):
		st.State = FVRestartPending
	case on:
		st.State = FVOn
	case off:
		st.State = FVOff
	}
	return st
}

// ParseAPFSList reads `diskutil apfs list -plist` and returns the volumes
// whose Roles include "Data" (the volume holding users' files since macOS
// 10.15).
func ParseAPFSList(b []byte) ([]APFSVolume, error) {
	var doc struct {
		Containers []struct {
			Volumes []struct {
				Roles             []string `plist:"Roles"`
				FileVault         bool     `plist:"FileVault"`
				Encryption        bool     `plist:"Encryption"`
				Locked            bool     `plist:"Locked"`
				CryptoMigrationOn bool     `plist:"CryptoMigrationOn"`
			} `plist:"Volumes"`
		} `plist:"Containers"`
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("diskutil printed nothing")
	}
	if _, err := plist.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("diskutil output is not a property list: %w", err)
	}
	if doc.Containers == nil {
		return nil, errors.New("diskutil output has no Containers")
	}
	var out []APFSVolume
	for _, c := range doc.Containers {
		for _, v := range c.Volumes {
			if slices.Contains(v.Roles, "Data") {
				out = append(out, APFSVolume{FileVault: v.FileVault, Encryption: v.Encryption, Locked: v.Locked, CryptoMigrationOn: v.CryptoMigrationOn})
			}
		}
	}
	return out, nil
}

func collectDarwin(ctx context.Context, p probe.Probe) (*DarwinFacts, error) {
	f := &DarwinFacts{}
	out, err := p.Run(ctx, probe.CmdFdesetup, "status")
	switch {
	case err != nil:
		f.FDESetupError = err.Error()
	case out.ExitCode != 0:
		f.FDESetupError = fmt.Sprintf("fdesetup exit status %d: %s", out.ExitCode, firstLine(out.Stderr))
	default:
		st := ParseFdesetupStatus(out.Stdout)
		f.FDESetup, f.Percent = st.State, st.Percent
	}
	out, err = p.Run(ctx, probe.CmdDiskutil, "apfs", "list", "-plist")
	switch {
	case err != nil:
		f.APFSError = err.Error()
	case out.ExitCode != 0:
		f.APFSError = fmt.Sprintf("diskutil exit status %d: %s", out.ExitCode, firstLine(out.Stderr))
	default:
		vols, perr := ParseAPFSList(out.Stdout)
		if perr != nil {
			f.APFSError = perr.Error()
		} else {
			f.APFSRead, f.DataVolumes = true, vols
		}
	}
	return f, nil
}
