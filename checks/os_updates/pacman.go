package osupdates

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// sourcePacman names Arch Linux's package manager (Manjaro, EndeavourOS).
const sourcePacman = "pacman"

// Where pacman keeps the core repository's list as last synchronised, and
// its log.
const (
	pacmanCoreDB = "/var/lib/pacman/sync/core.db"
	pacmanLog    = "/var/log/pacman.log"
)

// collectPacman reads the upgrades pacman already knows of (`pacman -Qu`
// compares the installed packages with the lists of the last sync; it
// fetches nothing and takes no lock). pacman has no security metadata,
// so every upgrade counts: on a rolling release any of them may be the
// security fix. false when pacman is not installed.
func collectPacman(ctx context.Context, p probe.Probe, f *facts) bool {
	out, err := p.Run(ctx, probe.CmdPacman, "-Qu")
	if errors.Is(err, probe.ErrNotFound) {
		return false
	}
	f.Updates.Source = sourcePacman
	f.Auto.State, f.Auto.By = autoOff, "pacman installs updates only when someone runs it"
	if err != nil {
		f.addError("pacman", err)
		f.Updates.Reason = "pacman could not be run (" + probe.ErrorKind(err) + ")"
		return true
	}
	pacmanReboot(p, f)
	pending, ok := parsePacmanUpgrades(out)
	if !ok {
		f.Updates.Reason = fmt.Sprintf("pacman's list of upgrades was not recognised (exit status %d)", out.ExitCode)
		return true
	}
	pacmanChecked(p, f)
	if f.Updates.Checked == nil {
		return true // an undated list may be years old: nothing is known
	}
	f.Updates.Read = true
	f.Updates.Security = pending
	if pending > 0 {
		f.Updates.Since = pacmanLastSync(p, f)
	}
	return true
}

var pacmanUpgrade = regexp.MustCompile(`^\S+ \S+ -> \S+( \[ignored\])?$`)

// parsePacmanUpgrades counts the lines of `pacman -Qu`, "linux
// 6.9.1.arch1-1 -> 6.9.2.arch1-1", held ones ending "[ignored]" (they
// still wait). pacman exits 1 with no output when nothing is upgradable.
func parsePacmanUpgrades(out probe.Output) (n int, ok bool) {
	switch {
	case out.ExitCode == 1 && len(bytes.TrimSpace(out.Stdout)) == 0:
		return 0, true
	case out.ExitCode != 0:
		return 0, false
	}
	for line := range strings.Lines(string(out.Stdout)) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
		case pacmanUpgrade.MatchString(line):
			n++
		default:
			return 0, false
		}
	}
	return n, true
}

// pacmanChecked dates the lists of the last sync: the newest build date
// in the core repository's list. A list holds no package built after it
// was made, nor after it was fetched, so this is never later than the
// last sync (it may be earlier: core changes every few days).
func pacmanChecked(p probe.Probe, f *facts) {
	b, err := readWhole(p, pacmanCoreDB)
	var newest time.Time
	if err == nil {
		newest, err = newestBuildDate(b)
	}
	if err != nil {
		f.addError("pacman core.db", err)
		f.Updates.Reason = "pacman's list of the core repository could not be read (" + probe.ErrorKind(err) + "), so how old its package lists are cannot be told"
		return
	}
	if !newest.After(f.At.Add(24 * time.Hour)) {
		f.Updates.Checked = timePtr(newest)
	}
	if f.Updates.Checked == nil {
		f.Updates.Reason = "pacman's list of the core repository could not be dated"
	}
}

// newestBuildDate reads a pacman sync database (a tar archive, gzip
// compressed as Arch's repositories publish it, or plain): the newest
// %BUILDDATE% of its packages' desc entries.
func newestBuildDate(b []byte) (time.Time, error) {
	var r io.Reader = bytes.NewReader(b)
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(r)
		if err != nil {
			return time.Time{}, err
		}
		r = gz
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return time.Time{}, errors.New("compressed as zstd, which SessionGuard does not read")
	}
	var newest int64
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("not a pacman database: %w", err)
		}
		if !strings.HasSuffix(h.Name, "/desc") || h.Size > 1<<20 {
			continue
		}
		desc, err := io.ReadAll(tr)
		if err != nil {
			return time.Time{}, err
		}
		if _, v, ok := strings.Cut(string(desc), "%BUILDDATE%\n"); ok {
			v, _, _ = strings.Cut(v, "\n")
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > newest {
				newest = n
			}
		}
	}
	if newest == 0 {
		return time.Time{}, errors.New("no package build dates")
	}
	return time.Unix(newest, 0).UTC(), nil
}

var pacmanLogTime = regexp.MustCompile(`^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})\]`)

// pacmanLastSync is when pacman last synchronised its package lists, by
// its log ("[2024-05-28T09:14:05+0200] [PACMAN] synchronizing package
// lists"): the lists it has now were fetched then or before, so an
// upgrade they offer has waited at least since then. Nil when the log
// cannot say.
func pacmanLastSync(p probe.Probe, f *facts) *time.Time {
	b, err := readWhole(p, pacmanLog)
	if err != nil {
		f.addError("pacman log", err)
		return nil
	}
	i := bytes.LastIndex(b, []byte("] [PACMAN] synchronizing package lists"))
	if i < 0 {
		return nil
	}
	line := b[bytes.LastIndexByte(b[:i], '\n')+1:]
	m := pacmanLogTime.FindSubmatch(line)
	if m == nil {
		return nil
	}
	t, err := time.Parse("2006-01-02T15:04:05-0700", string(m[1]))
	if err != nil || t.After(f.At) {
		return nil
	}
	return timePtr(t)
}

// pacmanReboot: a kernel upgrade removes the running kernel's
// /usr/lib/modules/<release> (the linux package owns it), so its absence
// says a restart is due. A kernel pacman did not install (a container's
// host kernel) also lacks it, which only warns. Without the running
// kernel's release nothing tells whether a restart is due.
func pacmanReboot(p probe.Probe, f *facts) {
	if f.kernelErr != nil {
		f.rebootUnread("kernel release", "the running kernel's release ("+kernelRelease+")", probe.ErrorKind(f.kernelErr))
		return
	}
	k := strings.TrimPrefix(f.Release.Build, "kernel ")
	if k == "" || k == f.Release.Build || strings.ContainsAny(k, "/ ") || k == ".." {
		return
	}
	dir := "/usr/lib/modules/" + k
	_, err := p.ReadDir(dir)
	rebootByPresence(f, "kernel modules", "the running kernel's modules folder "+dir, err, rebootNotRequired, rebootIsRequired)
}
