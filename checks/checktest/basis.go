package checktest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// Denying wraps a probe: it answers every source named in Deny with
// probe.ErrAccessDenied (the source exists but cannot be read), and notes
// every source asked for and whether it answered. A source is named by
// SourceKey: "run nft -j list ruleset", "file /etc/gdm3/custom.conf",
// "reg HKLM\…\Winlogon\AutoAdminLogon", "wmi root/cimv2 Win32_Service", …
type Denying struct {
	probe.Probe
	mu   sync.Mutex // a check may ask from several goroutines (mDNS browses)
	Deny map[string]bool
	// Asked holds every source asked for; Answered those that gave
	// anything but an error (a command that ran, whatever its exit status;
	// a file that was read; a listing; a process list).
	Asked, Answered map[string]bool
}

// NewDenying wraps p, denying the sources in deny.
func NewDenying(p probe.Probe, deny map[string]bool) *Denying {
	return &Denying{Probe: p, Deny: deny, Asked: map[string]bool{}, Answered: map[string]bool{}}
}

func (d *Denying) ask(key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Asked[key] = true
	if d.Deny[key] {
		return fmt.Errorf("%s: %w", key, probe.ErrAccessDenied)
	}
	return nil
}

func (d *Denying) note(key string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil {
		d.Answered[key] = true
	}
}

// Run implements probe.Probe.
func (d *Denying) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	key := SourceKey("run", append([]string{name.String()}, args...)...)
	if err := d.ask(key); err != nil {
		return probe.Output{}, err
	}
	out, err := d.Probe.Run(ctx, name, args...)
	d.note(key, err)
	return out, err
}

// RunAsConsoleUser implements probe.Probe.
func (d *Denying) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	key := SourceKey("runas", append([]string{name.String()}, args...)...)
	if err := d.ask(key); err != nil {
		return probe.Output{}, err
	}
	out, err := d.Probe.RunAsConsoleUser(ctx, name, args...)
	d.note(key, err)
	return out, err
}

// ReadFile implements probe.Probe.
func (d *Denying) ReadFile(path string) ([]byte, error) {
	key := SourceKey("file", path)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	b, err := d.Probe.ReadFile(path)
	d.note(key, err)
	return b, err
}

// ReadFileHead implements probe.Probe (the same source as ReadFile).
func (d *Denying) ReadFileHead(path string, n int) ([]byte, error) {
	key := SourceKey("file", path)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	b, err := d.Probe.ReadFileHead(path, n)
	d.note(key, err)
	return b, err
}

// ReadDir implements probe.Probe.
func (d *Denying) ReadDir(path string) ([]string, error) {
	key := SourceKey("dir", path)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	names, err := d.Probe.ReadDir(path)
	d.note(key, err)
	return names, err
}

// Registry implements probe.Probe.
func (d *Denying) Registry(k, value string) (any, error) {
	key := SourceKey("reg", k+`\`+value)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	v, err := d.Probe.Registry(k, value)
	d.note(key, err)
	return v, err
}

// WMI implements probe.Probe.
func (d *Denying) WMI(namespace, class string) ([]map[string]any, error) {
	key := SourceKey("wmi", namespace, class)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	rows, err := d.Probe.WMI(namespace, class)
	d.note(key, err)
	return rows, err
}

// Processes implements probe.Probe.
func (d *Denying) Processes() ([]probe.Process, error) {
	key := SourceKey("processes")
	if err := d.ask(key); err != nil {
		return nil, err
	}
	ps, err := d.Probe.Processes()
	d.note(key, err)
	return ps, err
}

// HeldOpen implements probe.HolderLister.
func (d *Denying) HeldOpen(paths []string) ([]probe.Holder, error) {
	key := SourceKey("heldopen")
	if err := d.ask(key); err != nil {
		return nil, err
	}
	hs, err := probe.HeldOpen(d.Probe, paths)
	d.note(key, err)
	return hs, err
}

// RegistryKeyExists implements probe.RegistryKeyChecker. As with a file
// that is not there, a key found absent is no source read: only a key
// found counts as answered.
func (d *Denying) RegistryKeyExists(k string) (bool, error) {
	key := SourceKey("regkey", k)
	if err := d.ask(key); err != nil {
		return false, err
	}
	ok, err := probe.RegistryKeyExists(d.Probe, k)
	if ok || err != nil {
		d.note(key, err)
	}
	return ok, err
}

// RegistryValues implements probe.RegistryValueLister. A key found absent
// is no source read, as with RegistryKeyExists.
func (d *Denying) RegistryValues(k string) (map[string]any, error) {
	key := SourceKey("regvalues", k)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	values, err := probe.RegistryValues(d.Probe, k)
	if !errors.Is(err, probe.ErrNotFound) {
		d.note(key, err)
	}
	return values, err
}

// WLANAssociations implements probe.WLANReader.
func (d *Denying) WLANAssociations() ([]probe.WLANAssociation, error) {
	key := SourceKey("wlan")
	if err := d.ask(key); err != nil {
		return nil, err
	}
	as, err := probe.WLANAssociations(d.Probe)
	d.note(key, err)
	return as, err
}

// ConsoleUser implements probe.Probe.
func (d *Denying) ConsoleUser() (probe.User, error) {
	key := SourceKey("consoleuser")
	if err := d.ask(key); err != nil {
		return probe.User{}, err
	}
	u, err := d.Probe.ConsoleUser()
	d.note(key, err)
	return u, err
}

// MDNS implements probe.Probe.
func (d *Denying) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	key := SourceKey("mdns", service)
	if err := d.ask(key); err != nil {
		return nil, err
	}
	in, err := d.Probe.MDNS(ctx, service)
	d.note(key, err)
	return in, err
}

// Host passes the wrapped probe's host information on.
func (d *Denying) Host() probe.Host { return probe.HostOf(d.Probe) }

// SourceKey names one source for Denying: its kind and its parts.
func SourceKey(kind string, parts ...string) string {
	return strings.Join(append([]string{kind}, parts...), " ")
}

// Basis tells RunBasisProperty what a check's sources mean where a lost
// source may rightly leave a pass standing. Keys are source-key prefixes
// (see SourceKey); every entry carries its reason, for the reader.
type Basis struct {
	// Informational sources are read for facts or wording only, never for
	// a verdict: they are never denied.
	Informational map[string]string
	// Alternatives are groups of sources each of which alone proves the
	// same thing (two tools reading one setting): losing one may leave the
	// pass standing while another in its group answered; the property then
	// denies the others too.
	Alternatives []Alternative
}

// Alternative is one group of interchangeable sources.
type Alternative struct {
	Sources []string
	Reason  string
}

func (b Basis) informational(key string) bool {
	for prefix := range b.Informational {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// alternativeAnswered reports whether key belongs to a group another member
// of which answered in d.
func (b Basis) alternativeAnswered(key string, d *Denying) bool {
	for _, g := range b.Alternatives {
		if !hasPrefixIn(key, g.Sources) {
			continue
		}
		for k := range d.Answered {
			if k != key && !d.Deny[k] && hasPrefixIn(k, g.Sources) {
				return true
			}
		}
	}
	return false
}

func hasPrefixIn(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// RunBasisProperty tests the rule every check keeps ("pass only when the
// evidence that would show a failure was read and shows none") on every
// scenario under testdata that passes: for each source the passing run read
// (a command that ran, a file, listing, registry value, WMI class or process
// list that answered), the same scenario with that source unreadable must
// not pass — unless another source, not read before, answered instead (a
// fallback route), in which case the rule applies again to that run. It
// fails when a pass survives losing a source with nothing read in its place.
// basis names the sources that may rightly be lost (see Basis).
func RunBasisProperty(t *testing.T, c checks.Check, testdata string, basis Basis) {
	t.Helper()
	for _, dir := range Scenarios(t, testdata) {
		rel, _ := filepath.Rel(testdata, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			rp, err := evidence.OpenReplay(dir)
			if err != nil {
				t.Fatal(err)
			}
			pol := PolicyOf(t, c, dir)
			run := func(deny map[string]bool) (checks.Result, *Denying) {
				d := NewDenying(rp, deny)
				r := checks.Run(t.Context(), d, pol, []checks.Check{c}).Results[0]
				return r, d
			}
			seen := map[string]bool{}
			var explore func(deny map[string]bool, depth int)
			explore = func(deny map[string]bool, depth int) {
				id := strings.Join(slices.Sorted(maps.Keys(deny)), "|")
				if seen[id] || depth > 6 {
					return
				}
				seen[id] = true
				r, d := run(deny)
				if r.Status != checks.Pass {
					return
				}
				var cands []string
				for k := range d.Answered {
					if !deny[k] && !basis.informational(k) {
						cands = append(cands, k)
					}
				}
				sort.Strings(cands)
				if len(cands) == 0 && len(deny) > 0 {
					t.Errorf("passes (%q) with %s unreadable and nothing else read", r.Summary, strings.Join(slices.Sorted(maps.Keys(deny)), ", "))
					return
				}
				for _, s := range cands {
					next := maps.Clone(deny)
					next[s] = true
					r2, d2 := run(next)
					if r2.Status != checks.Pass {
						continue
					}
					fallback := false
					for k := range d2.Answered {
						if !d.Answered[k] {
							fallback = true
							break
						}
					}
					if !fallback && !basis.alternativeAnswered(s, d2) {
						t.Errorf("still passes (%q) with %q unreadable (denied: %s), and no other source answered instead", r2.Summary, s, strings.Join(slices.Sorted(maps.Keys(next)), ", "))
						continue
					}
					explore(next, depth+1)
				}
			}
			explore(map[string]bool{}, 0)
		})
	}
}

// PolicyOf is the policy a scenario of c is judged under: its
// policy.json, else the default.
func PolicyOf(t testing.TB, c checks.Check, dir string) checks.Policy {
	t.Helper()
	path := filepath.Join(dir, "policy.json")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return checks.Catalogue{c}.Default()
	}
	pol, err := checks.Catalogue{c}.LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
