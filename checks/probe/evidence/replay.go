package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// ErrBadBundle marks an evidence bundle that is missing or malformed.
var ErrBadBundle = errors.New("bad evidence bundle")

// Replay answers from an evidence bundle instead of the machine. Anything the
// bundle does not hold behaves as not installed / not present.
type Replay struct {
	dir       string
	manifest  Manifest
	commands  []Command
	registry  map[string]map[string]any // normalised key → lower-cased value name → value
	wmi       map[string][]map[string]any
	processes []probe.Process
	hasProcs  bool
	denied    map[string]bool
	failed    map[string]string               // matchKey → the recorded failure (WMI)
	mdns      map[string][]probe.MDNSInstance // nil: no mdns.json
	mdnsErr   map[string]string
	dirs      map[string][]string // BundlePath → names, from dirs.json
	heldOpen  *HeldOpenScan       // nil: no held_open.json

	// registryKeys: normalised key → whether it exists (registry_keys.json).
	registryKeys map[string]bool
	// registryLists: normalised key → the names of all its values
	// (registry_lists.json).
	registryLists map[string][]string
	wlan          *WLANRecord // nil: no wlan_bss.json
}

// OpenReplay loads the bundle in dir. Every file is parsed up front, so a
// corrupt bundle fails here with a message naming the file.
func OpenReplay(dir string) (*Replay, error) {
	r := &Replay{dir: dir}
	if err := readJSON(dir, ManifestFile, &r.manifest, true); err != nil {
		return nil, err
	}
	if r.manifest.Format != BundleFormat {
		return nil, fmt.Errorf("%w: %s: format is %q, want %q", ErrBadBundle, filepath.Join(dir, ManifestFile), r.manifest.Format, BundleFormat)
	}
	switch r.manifest.GOOS {
	case "linux", "darwin", "windows":
	default:
		return nil, fmt.Errorf("%w: %s: goos %q is not linux, darwin or windows", ErrBadBundle, filepath.Join(dir, ManifestFile), r.manifest.GOOS)
	}
	if r.manifest.RecordedAt.IsZero() {
		return nil, fmt.Errorf("%w: %s: recorded_at is missing", ErrBadBundle, filepath.Join(dir, ManifestFile))
	}
	if err := readJSON(dir, CommandsFile, &r.commands, false); err != nil {
		return nil, err
	}
	for i, c := range r.commands {
		if len(c.Argv) == 0 {
			return nil, fmt.Errorf("%w: %s: entry %d has an empty argv", ErrBadBundle, filepath.Join(dir, CommandsFile), i)
		}
		if _, err := c.Output(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, filepath.Join(dir, CommandsFile), err)
		}
	}
	if err := r.loadRegistry(); err != nil {
		return nil, err
	}
	var err error
	if r.registryKeys, err = readKeyed[bool](dir, RegistryKeysFile, NormalizeRegistryKey); err != nil {
		return nil, err
	}
	if r.registryLists, err = readKeyed[[]string](dir, RegistryListsFile, NormalizeRegistryKey); err != nil {
		return nil, err
	}
	if err := r.loadWMI(); err != nil {
		return nil, err
	}
	if err := readJSON(dir, ProcessesFile, &r.processes, false); err != nil {
		return nil, err
	}
	var browses []MDNSBrowse
	if err := readJSON(dir, MDNSFile, &browses, false); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, MDNSFile)); err == nil {
		r.mdns = make(map[string][]probe.MDNSInstance, len(browses))
		r.mdnsErr = map[string]string{}
		for _, b := range browses {
			if b.Error != "" {
				r.mdnsErr[strings.ToLower(b.Service)] = b.Error
			}
			r.mdns[strings.ToLower(b.Service)] = append(r.mdns[strings.ToLower(b.Service)], b.Instances...)
		}
	}
	if r.dirs, err = readKeyed[[]string](dir, DirsFile, BundlePath); err != nil {
		return nil, err
	}
	if err := readJSON(dir, HeldOpenFile, &r.heldOpen, false); err != nil {
		return nil, err
	}
	if err := readJSON(dir, WLANFile, &r.wlan, false); err != nil {
		return nil, err
	}
	if err := r.wlan.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, filepath.Join(dir, WLANFile), err)
	}
	var denied []Denied
	if err := readJSON(dir, DeniedFile, &denied, false); err != nil {
		return nil, err
	}
	r.denied = make(map[string]bool, len(denied))
	r.failed = map[string]string{}
	for _, d := range denied {
		if d.Error != "" {
			r.failed[d.matchKey()] = d.Error
			continue
		}
		r.denied[d.matchKey()] = true
	}
	_, statErr := os.Stat(filepath.Join(dir, ProcessesFile))
	r.hasProcs = statErr == nil
	return r, nil
}

// readJSON decodes dir/name into v. A missing optional file leaves v alone.
func readJSON(dir, name string, v any, required bool) error {
	return decodeFile(dir, name, v, required, false)
}

// readJSONNumbers is readJSON for files whose untyped values (registry
// values, WMI properties) must keep their numbers exact: as json.Number,
// not float64 (a QWORD does not fit a float64).
func readJSONNumbers(dir, name string, v any) error {
	return decodeFile(dir, name, v, false, true)
}

func decodeFile(dir, name string, v any, required, numbers bool) error {
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	if !numbers {
		// One pass: a Decoder scans the value once to find its end and
		// again to decode it.
		err = json.Unmarshal(b, v)
	} else {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		err = dec.Decode(v)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadBundle, p, err)
	}
	return nil
}

// readKeyed reads a bundle file holding a JSON object (absent: empty) with
// its keys in their canonical form (norm: a registry key, a bundle path).
func readKeyed[V any](dir, name string, norm func(string) string) (map[string]V, error) {
	var raw map[string]V
	if err := readJSON(dir, name, &raw, false); err != nil {
		return nil, err
	}
	out := make(map[string]V, len(raw))
	for k, v := range raw {
		out[norm(k)] = v
	}
	return out, nil
}

func (r *Replay) loadRegistry() error {
	var raw map[string]map[string]any
	if err := readJSONNumbers(r.dir, RegistryFile, &raw); err != nil {
		return err
	}
	r.registry = make(map[string]map[string]any, len(raw))
	for key, values := range raw {
		norm := NormalizeRegistryKey(key)
		if r.registry[norm] == nil {
			r.registry[norm] = make(map[string]any, len(values))
		}
		for name, v := range values {
			val, err := registryValue(v)
			if err != nil {
				return fmt.Errorf("%w: %s: %s\\%s: %w", ErrBadBundle, filepath.Join(r.dir, RegistryFile), key, name, err)
			}
			r.registry[norm][strings.ToLower(name)] = val
		}
	}
	return nil
}

func (r *Replay) loadWMI() error {
	var classes []WMIClass
	if err := readJSONNumbers(r.dir, WMIFile, &classes); err != nil {
		return err
	}
	r.wmi = make(map[string][]map[string]any, len(classes))
	for _, c := range classes {
		rows := make([]map[string]any, 0, len(c.Rows))
		for _, row := range c.Rows {
			conv := make(map[string]any, len(row))
			for k, v := range row {
				conv[k] = wmiValue(v)
			}
			rows = append(rows, conv)
		}
		r.wmi[wmiKey(c.Namespace, c.Class)] = rows
	}
	return nil
}

func wmiKey(namespace, class string) string {
	return NormalizeWMINamespace(namespace) + ":" + strings.ToLower(class)
}

// Manifest returns the bundle's manifest.
func (r *Replay) Manifest() Manifest { return r.manifest }

// GOOS is the operating system the bundle was recorded on.
func (r *Replay) GOOS() string { return r.manifest.GOOS }

// Now is the bundle's recording time.
func (r *Replay) Now() time.Time { return r.manifest.RecordedAt }

// Host is the recorded host.
func (r *Replay) Host() probe.Host {
	return probe.Host{OS: r.manifest.GOOS, OSVersion: r.manifest.OSVersion, Arch: r.manifest.Arch}
}

// OEMCodePage is the recorded Windows console code page (0 when unknown).
func (r *Replay) OEMCodePage() int { return r.manifest.OEMCodePage }

// Run returns the first recorded command whose argv[0] base name matches name
// and whose other arguments are equal, in order.
func (r *Replay) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return r.run(ctx, "", name.String(), args)
}

// RunAsConsoleUser is Run for the entries recorded with "as":"console_user".
func (r *Replay) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return r.run(ctx, AsConsoleUser, name.String(), args)
}

func (r *Replay) run(ctx context.Context, as, name string, args []string) (probe.Output, error) {
	if err := ctx.Err(); err != nil {
		return probe.Output{}, err
	}
	if r.denied[Denied{Kind: "command", As: as, Argv: append([]string{name}, args...)}.matchKey()] {
		return probe.Output{}, fmt.Errorf("running %s: %w", name, probe.ErrAccessDenied)
	}
	base := CommandBase(name)
	for _, c := range r.commands {
		if c.As == as && CommandBase(c.Argv[0]) == base && slices.Equal(c.Argv[1:], args) {
			return c.Output()
		}
	}
	return probe.Output{}, fmt.Errorf("running %s: %w", name, probe.ErrNotFound)
}

// ConsoleUser is the manifest's console_user.
func (r *Replay) ConsoleUser() (probe.User, error) {
	if r.manifest.ConsoleUser == nil {
		return probe.User{}, fmt.Errorf("console user: %w", probe.ErrNotFound)
	}
	return *r.manifest.ConsoleUser, nil
}

// MDNS answers from mdns.json: a service type it does not list found
// nothing; without mdns.json the network could not be browsed.
func (r *Replay) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.mdns == nil {
		return nil, fmt.Errorf("mdns browse: %w", probe.ErrUnavailable)
	}
	if msg, failed := r.mdnsErr[strings.ToLower(service)]; failed {
		return nil, fmt.Errorf("mdns browse for %s (recorded): %s: %w", service, msg, probe.ErrUnavailable)
	}
	return r.mdns[strings.ToLower(service)], nil
}

// ReadFile reads files/<path> from the bundle.
func (r *Replay) ReadFile(p string) ([]byte, error) {
	if r.denied[Denied{Kind: "file", Path: p}.matchKey()] {
		return nil, fmt.Errorf("reading %s: %w", p, probe.ErrAccessDenied)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(BundlePath(p))))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", p, probe.ErrNotFound)
	}
	return b, err
}

// ReadFileHead returns at most the first n bytes of files/<path>; the
// recorder stores only the head that was read.
func (r *Replay) ReadFileHead(p string, n int) ([]byte, error) {
	b, err := r.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return b[:min(n, len(b))], nil
}

// ReadDir lists a directory: the names dirs.json recorded for it together
// with whatever the bundle holds under files/<path>.
func (r *Replay) ReadDir(p string) ([]string, error) {
	if r.denied[Denied{Kind: "dir", Path: p}.matchKey()] {
		return nil, fmt.Errorf("listing %s: %w", p, probe.ErrAccessDenied)
	}
	listed, recorded := r.dirs[BundlePath(p)]
	entries, err := os.ReadDir(filepath.Join(r.dir, filepath.FromSlash(BundlePath(p))))
	if errors.Is(err, fs.ErrNotExist) && !recorded {
		return nil, fmt.Errorf("listing %s: %w", p, probe.ErrNotFound)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	names := slices.Clone(listed)
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Registry returns a recorded registry value.
func (r *Replay) Registry(key, value string) (any, error) {
	if r.denied[Denied{Kind: "registry", Key: key, Value: value}.matchKey()] {
		return nil, fmt.Errorf("registry %s\\%s: %w", key, value, probe.ErrAccessDenied)
	}
	if v, ok := r.registry[NormalizeRegistryKey(key)][strings.ToLower(value)]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("registry %s\\%s: %w", key, value, probe.ErrNotFound)
}

// WMI returns the recorded rows of a class.
func (r *Replay) WMI(namespace, class string) ([]map[string]any, error) {
	key := Denied{Kind: "wmi", Namespace: namespace, Class: class}.matchKey()
	if r.denied[key] {
		return nil, fmt.Errorf("wmi %s %s: %w", namespace, class, probe.ErrAccessDenied)
	}
	if msg, ok := r.failed[key]; ok {
		return nil, errors.New(msg) // as recorded: the same reason as live
	}
	if rows, ok := r.wmi[wmiKey(namespace, class)]; ok {
		return rows, nil
	}
	return nil, fmt.Errorf("wmi %s %s: %w", namespace, class, probe.ErrNotFound)
}

// Processes returns the recorded process list; a bundle without
// processes.json could not read it.
func (r *Replay) Processes() ([]probe.Process, error) {
	if r.denied["processes"] {
		return nil, fmt.Errorf("process list: %w", probe.ErrAccessDenied)
	}
	if !r.hasProcs {
		return nil, fmt.Errorf("process list: %w", probe.ErrUnavailable)
	}
	return r.processes, nil
}
