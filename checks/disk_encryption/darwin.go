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
	fvOn             = "on"
	fvOff            = "off"
	fvEncrypting     = "encrypting"
	fvDecrypting     = "decrypting"
	fvDeferred       = "deferred"
	fvRestartPending = "restart_pending"
	fvUnrecognised   = "unrecognised"
)

// fdeStatus is the parsed output of `fdesetup status`.
type fdeStatus struct {
	State   string
	Percent *float64
}

var percentRE = regexp.MustCompile(`(?i)percent completed\s*=\s*([0-9]+(?:\.[0-9]+)?)`)

// parseFdesetupStatus reads `fdesetup status`. It never echoes the text
// (the deferred line names a user).
func parseFdesetupStatus(b []byte) fdeStatus {
	s := strings.TrimSpace(string(b))
	lower := strings.ToLower(s)
	st := fdeStatus{State: fvUnrecognised}
	if m := percentRE.FindStringSubmatch(s); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			st.Percent = &v
		}
	}
	on := strings.Contains(lower, "filevault is on")
	off := strings.Contains(lower, "filevault is off")
	switch {
	case strings.Contains(lower, "decryption in progress"), strings.Contains(lower, "decryption paused"):
		st.State = fvDecrypting
	case strings.Contains(lower, "encryption in progress"), strings.Contains(lower, "encryption paused"):
		st.State = fvEncrypting
	case strings.Contains(lower, "deferred enablement appears to be active"):
		st.State = fvDeferred
	case (on || off) && strings.Contains(lower, "disabled"):
		st.State = fvDecrypting
	case (on || off) && strings.Contains(lower, "restart"):
		st.State = fvRestartPending
	case on:
		st.State = fvOn
	case off:
		st.State = fvOff
	}
	return st
}

// parseAPFSList reads `diskutil apfs list -plist` and returns the volumes
// whose Roles include "Data" (the volume holding users' files since macOS
// 10.15).
func parseAPFSList(b []byte) ([]apfsVolume, error) {
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
	var out []apfsVolume
	for _, c := range doc.Containers {
		for _, v := range c.Volumes {
			if slices.Contains(v.Roles, "Data") {
				out = append(out, apfsVolume{FileVault: v.FileVault, Encryption: v.Encryption, Locked: v.Locked, CryptoMigrationOn: v.CryptoMigrationOn})
			}
		}
	}
	return out, nil
}

func collectDarwin(ctx context.Context, p probe.Probe) (*darwinFacts, error) {
	f := &darwinFacts{}
	out, err := p.Run(ctx, probe.CmdFdesetup, "status")
	switch {
	case err != nil:
		f.FDESetupError = err.Error()
	case out.ExitCode != 0:
		f.FDESetupError = fmt.Sprintf("fdesetup exit status %d: %s", out.ExitCode, firstLine(out.Stderr))
	default:
		st := parseFdesetupStatus(out.Stdout)
		f.FDESetup, f.Percent = st.State, st.Percent
	}
	out, err = p.Run(ctx, probe.CmdDiskutil, "apfs", "list", "-plist")
	switch {
	case err != nil:
		f.APFSError = err.Error()
	case out.ExitCode != 0:
		f.APFSError = fmt.Sprintf("diskutil exit status %d: %s", out.ExitCode, firstLine(out.Stderr))
	default:
		vols, perr := parseAPFSList(out.Stdout)
		if perr != nil {
			f.APFSError = perr.Error()
		} else {
			f.APFSRead, f.DataVolumes = true, vols
		}
	}
	return f, nil
}
