package evidence

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

var (
	_ probe.Probe = (*Replay)(nil)
	_ probe.Probe = (*Recorder)(nil)
)

// Recorder wraps a probe and keeps every answer it gave, to be written out as
// an evidence bundle. It is safe for concurrent use. Answers that were errors
// (not installed, not present) are not kept, which is exactly how replay
// represents them.
type Recorder struct {
	inner probe.Probe
	start time.Time
	scrub []probe.Scrubber
	// key makes the bundle's pseudonyms (see Pseudonym); never written.
	key pseudonymKey
	// keepArgs say which processes' arguments checks read (see
	// KeepProcessArgs); every other process is kept without them.
	keepArgs []probe.ArgsKeeper

	mu          sync.Mutex
	commands    []Command
	files       map[string][]byte
	dirs        map[string][]string
	registry    map[string]map[string]any
	wmi         []WMIClass
	processes   []probe.Process
	hasProcs    bool
	denied      []Denied
	consoleUser *probe.User
	mdns        []MDNSBrowse
	heldOpen    *HeldOpenScan

	registryKeys  map[string]bool     // key → whether it exists
	registryLists map[string][]string // key → the names of all its values
	wlan          *WLANRecord         // nil: never asked
	// renamed is set once the console user's account is pseudonymised
	// (by the first WriteBundle).
	renamed bool
}

// NewRecorder records what inner answers, passing each command's output
// through the scrubbers before keeping it (what the checks see is not
// scrubbed). The bundle's recorded_at is the time of this call.
func NewRecorder(inner probe.Probe, scrub ...probe.Scrubber) *Recorder {
	return &Recorder{
		inner:    inner,
		start:    inner.Now(),
		scrub:    scrub,
		key:      newPseudonymKey(),
		files:    map[string][]byte{},
		dirs:     map[string][]string{},
		registry: map[string]map[string]any{},

		registryKeys:  map[string]bool{},
		registryLists: map[string][]string{},
	}
}

// GOOS passes through.
func (r *Recorder) GOOS() string { return r.inner.GOOS() }

// Now is the recording start, the clock replay will use, so a bundle
// replays to exactly what was recorded.
func (r *Recorder) Now() time.Time { return r.start }

// Host passes through.
func (r *Recorder) Host() probe.Host { return probe.HostOf(r.inner) }

// OEMCodePage passes through.
func (r *Recorder) OEMCodePage() int {
	if cp, ok := r.inner.(probe.CodePager); ok {
		return cp.OEMCodePage()
	}
	return 0
}

// Run runs and records the command under the absolute path it resolved to
// when the inner probe says so, else under name.
func (r *Recorder) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	out, err := r.inner.Run(ctx, name, args...)
	return out, r.recordCommand("", name, args, out, err)
}

// RunAsConsoleUser runs and records a command marked "as":"console_user".
func (r *Recorder) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	out, err := r.inner.RunAsConsoleUser(ctx, name, args...)
	return out, r.recordCommand(AsConsoleUser, name, args, out, err)
}

func (r *Recorder) recordCommand(as string, cmd probe.Command, args []string, out probe.Output, err error) error {
	name := cmd.String()
	if err != nil {
		r.deny(err, Denied{Kind: "command", As: as, Argv: append([]string{name}, args...)})
		return err
	}
	argv0 := name
	if res, ok := r.inner.(Resolver); ok {
		if abs, err := res.Resolve(cmd); err == nil {
			argv0 = abs
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.commands {
		if c.As == as && CommandBase(c.Argv[0]) == CommandBase(argv0) && slices.Equal(c.Argv[1:], args) {
			return nil // replay answers the first one
		}
	}
	for _, s := range r.scrub {
		out.Stdout, out.Stderr = s(name, args, out.Stdout), s(name, args, out.Stderr)
	}
	c := NewCommand(append([]string{argv0}, args...), out)
	c.As = as
	r.commands = append(r.commands, c)
	return nil
}

// ConsoleUser asks the inner probe and records the answer in the manifest.
func (r *Recorder) ConsoleUser() (probe.User, error) {
	u, err := r.inner.ConsoleUser()
	if err == nil {
		r.mu.Lock()
		r.consoleUser = &u
		r.mu.Unlock()
	}
	return u, err
}

// MDNS browses and records what answered, with instance and host names
// replaced by pseudonyms (they often carry a person's name), and records a
// browse that failed as such.
func (r *Recorder) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	found, err := r.inner.MDNS(ctx, service)
	browse := MDNSBrowse{Service: service, Instances: make([]probe.MDNSInstance, 0, len(found))}
	if err != nil {
		browse.Error = err.Error()
	}
	for _, in := range found {
		browse.Instances = append(browse.Instances, pseudonymousInstance(in))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mdns = append(r.mdns, browse)
	return found, err
}

// ReadFile reads and records a file.
func (r *Recorder) ReadFile(p string) ([]byte, error) {
	b, err := r.inner.ReadFile(p)
	if err != nil {
		r.deny(err, Denied{Kind: "file", Path: p})
		return b, err
	}
	kept := r.scrubFile(p, b)
	r.mu.Lock()
	r.files[p] = kept
	r.mu.Unlock()
	return b, nil
}

// scrubFile is a file's content as the bundle keeps it.
func (r *Recorder) scrubFile(p string, b []byte) []byte {
	kept := slices.Clone(b)
	for _, s := range r.scrub {
		kept = s(p, nil, kept)
	}
	return kept
}

// ReadFileHead reads and records the head of a file as files/<path>; a
// whole-file read of the same path wins.
func (r *Recorder) ReadFileHead(p string, n int) ([]byte, error) {
	b, err := r.inner.ReadFileHead(p, n)
	if err != nil {
		r.deny(err, Denied{Kind: "file", Path: p})
		return b, err
	}
	kept := r.scrubFile(p, b)
	r.mu.Lock()
	if have, ok := r.files[p]; !ok || len(have) < len(kept) {
		r.files[p] = kept
	}
	r.mu.Unlock()
	return b, nil
}

// ReadDir lists a directory and records the listing (dirs.json), so replay
// sees entries whose content was never read, such as a file whose mere
// presence matters.
func (r *Recorder) ReadDir(p string) ([]string, error) {
	names, err := r.inner.ReadDir(p)
	if err != nil {
		r.deny(err, Denied{Kind: "dir", Path: p})
		return names, err
	}
	r.mu.Lock()
	r.dirs[p] = slices.Clone(names)
	r.mu.Unlock()
	return names, nil
}

// Registry reads and records a registry value.
func (r *Recorder) Registry(key, value string) (any, error) {
	v, err := r.inner.Registry(key, value)
	if err != nil {
		r.deny(err, Denied{Kind: "registry", Key: key, Value: value})
		return v, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keepRegistry(key, value, v)
	return v, nil
}

// keepRegistry records one registry value; the caller holds r.mu.
func (r *Recorder) keepRegistry(key, value string, v any) {
	if r.registry[key] == nil {
		r.registry[key] = map[string]any{}
	}
	r.registry[key][value] = v
}

// WMI queries and records a class (an empty class is recorded as such),
// keeping only the columns WMIColumns lists for it.
func (r *Recorder) WMI(namespace, class string) ([]map[string]any, error) {
	rows, err := r.inner.WMI(namespace, class)
	if err != nil {
		r.deny(err, Denied{Kind: "wmi", Namespace: namespace, Class: class})
		return rows, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.wmi {
		if wmiKey(c.Namespace, c.Class) == wmiKey(namespace, class) {
			return rows, nil
		}
	}
	r.wmi = append(r.wmi, WMIClass{Namespace: namespace, Class: class, Rows: pseudonymiseProfileFolders(class, probe.WMIKeptColumns(class, rows))})
	return rows, nil
}

// Processes lists and records the running processes, each without the
// arguments no check reads (see KeepProcessArgs).
func (r *Recorder) Processes() ([]probe.Process, error) {
	ps, err := r.inner.Processes()
	if err != nil {
		r.deny(err, Denied{Kind: "processes"})
		return ps, err
	}
	r.mu.Lock()
	r.processes = make([]probe.Process, len(ps))
	for i, pr := range ps {
		r.processes[i] = minimalProcess(pr, r.keepArgs)
	}
	r.hasProcs = true
	r.mu.Unlock()
	return ps, nil
}

// deny remembers a source the inner probe was not allowed to read.
func (r *Recorder) deny(err error, d Denied) {
	switch {
	case errors.Is(err, probe.ErrAccessDenied):
	case d.Kind == "wmi" && !errors.Is(err, probe.ErrNotFound):
		d.Error = err.Error()
	default:
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.denied {
		if have.matchKey() == d.matchKey() {
			return
		}
	}
	r.denied = append(r.denied, d)
}

// WriteBundle writes what was recorded as a new folder dir, which must not
// exist yet and whose parent folder must be the recording user's (or
// root's): see writeBundleFiles for how it is made safe to run as root
// into a folder a user names. Every pseudonym is resolved here under this
// recorder's key (see Pseudonym).
func (r *Recorder) WriteBundle(dir string) error {
	files, err := r.bundleFiles()
	if err != nil {
		return err
	}
	return writeBundleFiles(dir, files)
}

// bundleFiles is the bundle's content: bundle-relative path → bytes.
func (r *Recorder) bundleFiles() (map[string][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.renamed {
		pseudonymiseAccounts(r)
		r.renamed = true
	}
	out := map[string][]byte{}
	var err error
	add := func(name string, v any) {
		if err != nil {
			return
		}
		var b []byte
		if b, err = json.MarshalIndent(v, "", "  "); err != nil {
			err = fmt.Errorf("writing evidence bundle %s: %w", name, err)
			return
		}
		out[name] = r.key.resolve(append(b, '\n'))
	}
	host := r.Host()
	add(ManifestFile, Manifest{Format: BundleFormat, GOOS: r.GOOS(), RecordedAt: r.start.UTC(), OSVersion: host.OSVersion, Arch: host.Arch, OEMCodePage: r.OEMCodePage(), ConsoleUser: r.consoleUser})
	commands := make([]Command, 0, len(r.commands))
	for _, c := range r.commands {
		commands = append(commands, r.resolveEncoded(c))
	}
	add(CommandsFile, commands)
	if len(r.registry) > 0 {
		add(RegistryFile, r.registry)
	}
	if len(r.registryKeys) > 0 {
		add(RegistryKeysFile, r.registryKeys)
	}
	if len(r.registryLists) > 0 {
		add(RegistryListsFile, r.registryLists)
	}
	if len(r.wmi) > 0 {
		add(WMIFile, r.wmi)
	}
	if r.hasProcs {
		add(ProcessesFile, r.processes)
	}
	if r.mdns != nil {
		add(MDNSFile, r.mdns)
	}
	if len(r.denied) > 0 {
		add(DeniedFile, r.denied)
	}
	if len(r.dirs) > 0 {
		add(DirsFile, r.dirs)
	}
	if r.heldOpen != nil {
		add(HeldOpenFile, r.heldOpen)
	}
	if r.wlan != nil {
		add(WLANFile, r.wlan)
	}
	for p, b := range r.files {
		out[BundlePath(r.key.resolveString(p))] = r.key.resolve(b)
	}
	return out, err
}

// resolveEncoded resolves the pseudonyms inside output kept as base64 (the
// JSON text around it is resolved as a whole).
func (r *Recorder) resolveEncoded(c Command) Command {
	for _, f := range []*string{&c.StdoutB64, &c.StderrB64} {
		if *f == "" {
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(*f); err == nil {
			*f = base64.StdEncoding.EncodeToString(r.key.resolve(raw))
		}
	}
	return c
}

// Resolver is implemented by the live probe: it tells which absolute path a
// logical command name runs.
type Resolver interface {
	Resolve(name probe.Command) (string, error)
}
