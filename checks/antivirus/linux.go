package antivirus

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ClamAV locations on Debian/Ubuntu (/etc/clamav) and Fedora/RHEL (/etc,
// /etc/clamd.d).
var (
	freshclamConfs = []string{"/etc/clamav/freshclam.conf", "/etc/freshclam.conf"}
	clamdConfs     = []string{"/etc/clamav/clamd.conf", "/etc/clamd.d/scan.conf", "/etc/clamd.conf"}
	clamdPidFiles  = []string{"/run/clamav/clamd.pid", "/var/run/clamav/clamd.pid", "/run/clamd.scan/clamd.pid"}
)

const defaultClamDBDir = "/var/lib/clamav"

// cvdHeaderSize is the size of the ASCII header of a .cvd/.cld file.
const cvdHeaderSize = 512

// headReader is implemented by probes that can read the start of a file;
// the daily database is far larger than ReadFile's limit.
type headReader interface {
	ReadFileHead(path string, n int) ([]byte, error)
}

var (
	errNoDatabase          = errors.New("ClamAV has no signature database")
	errCVDNotRecognised    = errors.New("not a ClamAV database header")
	errVersionUnrecognised = errors.New("version output not recognised")
)

func collectLinux(ctx context.Context, p probe.Probe) (*linuxFacts, error) {
	lf := &linuxFacts{}
	procs, err := p.Processes()
	if err != nil {
		lf.ProcessesError = errKind(err)
	}
	lf.ClamAV = collectClamAV(ctx, p, procs, lf.ProcessesError)
	lf.MDATP, lf.MDATPError = collectMDATP(ctx, p)
	lf.Endpoint, lf.OptError = collectEndpoints(ctx, p, procs, lf.ProcessesError)
	return lf, nil
}

func collectClamAV(ctx context.Context, p probe.Probe, procs []probe.Process, procErr string) *clamAVFacts {
	c := &clamAVFacts{DatabaseDir: defaultClamDBDir}
	found := false
	freshDir := ""
	for _, f := range freshclamConfs {
		b, err := p.ReadFile(f)
		if err != nil {
			continue
		}
		found = true
		conf := parseClamConf(b)
		c.FreshclamConfigured = !conf.Example
		freshDir = conf.DatabaseDirectory
		break
	}
	var clamd clamConf
	clamdRead := false
	for _, f := range clamdConfs {
		b, err := p.ReadFile(f)
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		// The first clamd configuration that exists is clamd's: one that
		// cannot be read hides what clamd and clamonacc do.
		found = true
		c.ClamdConf = f
		if err != nil {
			c.ClamdConfError = errKind(err)
			break
		}
		clamdRead = true
		clamd = parseClamConf(b)
		c.ClamdInstalled = !clamd.Example
		c.OnAccessIncludePaths = clamd.OnAccessIncludePaths
		c.OnAccessMountPaths = clamd.OnAccessMountPaths
		c.OnAccessPrevention = clamd.OnAccessPrevention
		break
	}
	// The databases clamd loads are in clamd.conf's DatabaseDirectory (its
	// default when unset); freshclam.conf's only says where updates go, and
	// is used only when there is no clamd.
	switch {
	case clamd.DatabaseDirectory != "":
		c.DatabaseDir = clamd.DatabaseDirectory
	case !clamdRead && c.ClamdConfError == "" && freshDir != "":
		c.DatabaseDir = freshDir
	}

	names, dirErr := p.ReadDir(c.DatabaseDir)
	if dirErr == nil {
		found = true
		for _, n := range names {
			switch path.Ext(n) {
			case ".cvd", ".cld", ".cud":
				c.DatabaseFiles = append(c.DatabaseFiles, n)
			}
		}
	}
	if !found {
		return nil
	}

	c.Daily, c.DatabaseError = readDaily(ctx, p, c.DatabaseDir, c.DatabaseFiles, dirErr)
	if c.Daily != nil {
		if t, err := time.Parse(time.RFC3339, c.Daily.BuildTime); err == nil {
			c.DatabaseAgeDays = ageDays(p.Now(), t)
		}
	}
	c.ClamdRunning, c.ClamdSource, c.ClamdError = clamdRunning(p, clamd.PidFile, c.ClamdInstalled || c.ClamdConfError != "", procs, procErr)
	switch {
	case procErr != "":
		c.ClamonaccError = "process list: " + procErr
	default:
		c.ClamonaccRunning = ptr(false)
		for _, pr := range procs {
			if isProgram(pr, "clamonacc", clamBinDirs) {
				c.ClamonaccRunning = ptr(true)
				if clamdRead || c.ClamdConfError != "" {
					c.OnAccess = collectOnAccess(p, c, clamd, pr.Args())
				}
				break
			}
		}
	}
	// Whatever was judged, no person's folder is named in the facts
	// (collectOnAccess has written the one at the screen's as ~).
	c.OnAccessIncludePaths = homeRelativeAll(c.OnAccessIncludePaths, onAccessSubject{})
	c.OnAccessMountPaths = homeRelativeAll(c.OnAccessMountPaths, onAccessSubject{})
	return c
}

// collectOnAccess reads what the running clamonacc watches — its own
// configuration when its command line names one, its watch and exclude
// lists — and judges it for the folder of the person at the screen (with
// nobody signed in, /home). It sets c's on-access settings to the ones
// clamonacc reads.
func collectOnAccess(p probe.Probe, c *clamAVFacts, clamd clamConf, argv []string) *onAccessFacts {
	oa := &onAccessFacts{Config: c.ClamdConf}
	var opts clamonaccOptions
	if len(argv) > 1 {
		opts = parseClamonaccArgs(argv[1:])
	}
	conf := clamd
	if opts.Config != "" && opts.Config != c.ClamdConf {
		oa.Config = hideHome(opts.Config)
		b, err := p.ReadFile(opts.Config)
		if err != nil {
			oa.ConfigError = errKind(err)
			return oa
		}
		conf = parseClamConf(b)
		c.OnAccessIncludePaths, c.OnAccessMountPaths = conf.OnAccessIncludePaths, conf.OnAccessMountPaths
		c.OnAccessPrevention = conf.OnAccessPrevention
	} else if c.ClamdConfError != "" {
		return nil // clamd.conf's error says it
	}
	if conf.Refused != "" {
		oa.Unread = oa.Config + ", which ClamAV would not accept as it is now (" + conf.Refused + "): the running clamonacc read another version of it"
		return oa
	}
	var watchLists, excludeLists []string
	readLists := func(files []string, into *[]string) bool {
		for _, f := range files {
			b, err := p.ReadFile(f)
			if err != nil {
				oa.Unread = "the list " + hideHome(f) + ": " + errKind(err)
				return false
			}
			*into = append(*into, parsePathList(b)...)
		}
		return true
	}
	if !readLists(opts.WatchLists, &watchLists) || !readLists(opts.ExcludeLists, &excludeLists) {
		return oa
	}
	oa.WatchListPaths = watchLists
	oa.DisableDDD = conf.OnAccessDisableDDD
	oa.ExcludedAccounts = len(conf.OnAccessExcludeUIDs) + len(conf.OnAccessExcludeUnames)
	// The file as each ClamAV version that may be running reads it.
	var settings []onAccessSettings
	for r := &conf; r != nil; r = r.Older {
		settings = append(settings, onAccessSettings{
			Include: append(slices.Clone(r.OnAccessIncludePaths), watchLists...), Mount: r.OnAccessMountPaths,
			Exclude: append(slices.Clone(r.OnAccessExcludePaths), excludeLists...), DisableDDD: r.OnAccessDisableDDD,
			ExcludeUIDs: r.OnAccessExcludeUIDs, ExcludeUnames: r.OnAccessExcludeUnames})
	}

	who := onAccessSubject{Home: "/home"}
	switch u, err := p.ConsoleUser(); {
	case err == nil && u.Home != "":
		who = onAccessSubject{Home: u.Home, UID: u.UID, Name: u.Name, Account: true}
		oa.Folder = "~"
	case err == nil || errors.Is(err, probe.ErrNotFound):
		oa.Folder = "/home" // nobody signed in (or no home told): where people's folders are
	default:
		oa.Unread = "who is at the screen: " + errKind(err)
		return oa
	}
	var mounts []procmounts.Entry
	mountsRead, mountsOK := false, false
	mountOf := func(q string) (string, bool) {
		if !mountsRead {
			mountsRead = true
			b, err := p.ReadFile("/proc/self/mounts")
			mounts = procmounts.Parse(b)
			mountsOK = err == nil && len(mounts) > 0
		}
		m, ok := procmounts.Containing(mounts, q)
		return m.Target, mountsOK && ok
	}
	// The reading that leaves most out decides.
	var j onAccessJudgement
	var s onAccessSettings
	for i, si := range settings {
		if ji := judgeOnAccess(si, who, mountOf); i == 0 || ji.worseThan(j) {
			j, s = ji, si
		}
	}
	if j.MountsUnread {
		oa.Unread = "the mount table (/proc/self/mounts), to tell which filesystem OnAccessMountPath watches"
	}
	oa.Gap = j.Gap
	oa.GapPath = homeRelative(j.Path, who)
	oa.WatchListPaths = homeRelativeAll(oa.WatchListPaths, who)
	oa.ExcludePaths = homeRelativeAll(s.Exclude, who)
	c.OnAccessIncludePaths = homeRelativeAll(c.OnAccessIncludePaths, who)
	c.OnAccessMountPaths = homeRelativeAll(c.OnAccessMountPaths, who)
	return oa
}

// homeRelative writes a path inside the person at the screen's home as
// ~/…, and one in anybody else's home with their folder as …, so facts
// never hold a person's folder name; below a home folder only a folder
// every account has is kept (see homeTail).
func homeRelative(p string, who onAccessSubject) string {
	if p == "" {
		return p
	}
	if who.Account {
		home := path.Clean(who.Home)
		if c := path.Clean(p); within(c, home) {
			return "~" + homeTail(strings.Split(strings.TrimPrefix(c, home), "/"), "/")
		}
	}
	return hideHome(p)
}

// hideHome writes the account folder of a home path as … (see
// replaceHomeName), and what is below it as homeTail does.
func hideHome(p string) string {
	const mark = "\x00" // no path holds a NUL
	head, rest, ok := strings.Cut(replaceHomeName(p, func(string) string { return mark }), mark)
	if !ok {
		return p
	}
	return head + "…" + homeTail(strings.Split(rest, "/"), "/")
}

func homeRelativeAll(ps []string, who onAccessSubject) []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = homeRelative(p, who)
	}
	return out
}

// clamBinDirs are where distributions and source builds install clamd and
// clamonacc.
var clamBinDirs = []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}

// readDaily reads the newest daily database header: the file itself, else
// clamscan --version, else sigtool --info.
func readDaily(ctx context.Context, p probe.Probe, dir string, files []string, dirErr error) (*cvdInfo, string) {
	var dailies []string
	for _, n := range []string{"daily.cld", "daily.cvd"} {
		if slices.Contains(files, n) {
			dailies = append(dailies, n)
		}
	}
	if dirErr != nil && !errors.Is(dirErr, probe.ErrNotFound) {
		return nil, "listing " + dir + ": " + errKind(dirErr)
	}
	if len(dailies) == 0 {
		return nil, errNoDatabase.Error()
	}
	var best *cvdInfo
	var errs []string
	fallback := false
	for _, n := range dailies {
		full := path.Join(dir, n)
		var b []byte
		var err error
		if hr, ok := p.(headReader); ok {
			b, err = hr.ReadFileHead(full, cvdHeaderSize)
		} else {
			b, err = p.ReadFile(full)
		}
		if err != nil {
			errs = append(errs, n+": "+errKind(err))
			fallback = true
			continue
		}
		info, err := parseCVDHeader(b)
		if err != nil {
			errs = append(errs, n+": "+err.Error())
			continue
		}
		info.File = n
		if best == nil || info.Version > best.Version {
			best = &info
		}
	}
	if best != nil {
		return best, ""
	}
	if fallback {
		args := []string{"--version"}
		if dir != defaultClamDBDir {
			args = append(args, "--database="+dir)
		}
		out, err := p.Run(ctx, probe.CmdClamscan, args...)
		if err == nil {
			info, perr := parseClamscanVersion(out.Stdout)
			if perr == nil {
				return &info, ""
			}
			errs = append(errs, "clamscan: "+perr.Error())
		} else {
			errs = append(errs, "clamscan: "+errKind(err))
		}
		full := path.Join(dir, dailies[0])
		out, err = p.Run(ctx, probe.CmdSigtool, "--info", full)
		if err == nil {
			info, perr := parseSigtoolInfo(out.Stdout)
			if perr == nil {
				info.File = dailies[0]
				return &info, ""
			}
			errs = append(errs, "sigtool: "+perr.Error())
		} else {
			errs = append(errs, "sigtool: "+errKind(err))
		}
	}
	return nil, strings.Join(errs, "; ")
}

// clamdRunning reads clamd's pid file and /proc/<pid>/comm; without a pid
// file, and only when clamd is configured, it looks at the process list
// (a process named clamd whose executable is a clamd in a system directory).
func clamdRunning(p probe.Probe, confPid string, installed bool, procs []probe.Process, procErr string) (*bool, string, string) {
	pidFiles := clamdPidFiles
	if confPid != "" && !slices.Contains(pidFiles, confPid) {
		pidFiles = append([]string{confPid}, pidFiles...)
	}
	sawPidFile := false
	for _, f := range pidFiles {
		b, err := p.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			sawPidFile = true
			continue
		}
		comm, err := p.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		switch {
		case err == nil && strings.TrimSpace(string(comm)) == "clamd":
			return ptr(true), "pidfile", ""
		case err == nil || errors.Is(err, probe.ErrNotFound):
			sawPidFile = true // no such process, or another program
		}
	}
	if !installed {
		if sawPidFile {
			return ptr(false), "stale_pidfile", ""
		}
		return ptr(false), "not_installed", ""
	}
	if procErr != "" {
		if sawPidFile {
			return ptr(false), "stale_pidfile", ""
		}
		return nil, "", "process list: " + procErr
	}
	for _, pr := range procs {
		if isProgram(pr, "clamd", clamBinDirs) {
			return ptr(true), "processes", ""
		}
	}
	if sawPidFile {
		return ptr(false), "stale_pidfile", ""
	}
	return ptr(false), "processes", ""
}

// parseCVDHeader reads the 512-byte ASCII header of a .cvd/.cld file:
// ClamAV-VDB:<build time>:<version>:<signatures>:<f-level>:<md5>:<dsig>:
// <builder>:<build time as unix seconds>. Old headers lack the last field;
// then the build time text ("16 Apr 2020 07-58 -0400") is used.
func parseCVDHeader(b []byte) (cvdInfo, error) {
	if len(b) > cvdHeaderSize {
		b = b[:cvdHeaderSize]
	}
	s := strings.TrimRight(string(b), " \x00\n\r\t")
	if !strings.HasPrefix(s, "ClamAV-VDB:") {
		return cvdInfo{}, errCVDNotRecognised
	}
	f := strings.Split(s, ":")
	if len(f) < 4 {
		return cvdInfo{}, errCVDNotRecognised
	}
	ver, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return cvdInfo{}, fmt.Errorf("%w: version %q", errCVDNotRecognised, f[2])
	}
	info := cvdInfo{Version: ver, Source: "header"}
	if len(f) >= 9 {
		if sec, err := strconv.ParseInt(strings.TrimSpace(f[8]), 10, 64); err == nil && sec > 0 {
			info.BuildTime = time.Unix(sec, 0).UTC().Format(time.RFC3339)
			return info, nil
		}
	}
	t, err := time.Parse("02 Jan 2006 15-04 -0700", strings.TrimSpace(f[1]))
	if err != nil {
		return cvdInfo{}, fmt.Errorf("%w: build time %q", errCVDNotRecognised, f[1])
	}
	info.BuildTime = t.UTC().Format(time.RFC3339)
	return info, nil
}

// parseClamscanVersion reads `clamscan --version`:
// "ClamAV 1.4.6/27830/Sat Nov 21 07:41:00 2026" — engine, daily database
// version and its build time in local time without a zone (read as UTC).
// "ClamAV 1.4.6" alone means no database was found.
func parseClamscanVersion(b []byte) (cvdInfo, error) {
	s := strings.TrimSpace(string(b))
	if !strings.HasPrefix(s, "ClamAV ") {
		return cvdInfo{}, errVersionUnrecognised
	}
	f := strings.SplitN(s, "/", 3)
	if len(f) == 1 {
		return cvdInfo{}, errNoDatabase
	}
	if len(f) != 3 {
		return cvdInfo{}, errVersionUnrecognised
	}
	ver, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return cvdInfo{}, errVersionUnrecognised
	}
	t, err := time.Parse(time.ANSIC, strings.TrimSpace(f[2]))
	if err != nil {
		return cvdInfo{}, errVersionUnrecognised
	}
	return cvdInfo{Version: ver, BuildTime: t.UTC().Format(time.RFC3339), Source: "clamscan", LocalTime: true}, nil
}

// parseSigtoolInfo reads `sigtool --info FILE` ("Build time: 20 Nov 2026
// 07:41 +0000", "Version: 27830"). Its exit status is 1 when the signature
// cannot be verified, which does not matter for the header.
func parseSigtoolInfo(b []byte) (cvdInfo, error) {
	info := cvdInfo{Source: "sigtool"}
	var haveTime, haveVer bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Build time":
			t, err := time.Parse("02 Jan 2006 15:04 -0700", val)
			if err != nil {
				return cvdInfo{}, errVersionUnrecognised
			}
			info.BuildTime, haveTime = t.UTC().Format(time.RFC3339), true
		case "Version":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return cvdInfo{}, errVersionUnrecognised
			}
			info.Version, haveVer = n, true
		}
	}
	if !haveTime || !haveVer {
		return cvdInfo{}, errVersionUnrecognised
	}
	return info, nil
}
