package smartspeakers

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "smart_speakers"

// Check is the smart speakers check.
var Check checks.Check = check{checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Smart speakers",
	Meta:       checks.Meta{Controls: []string{checks.ControlSecureConfig}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFixGeneric,
}}

// check is the check's definition plus the DNS-SD service types it
// browses, which the running agent keeps browsing in the background.
type check struct {
	checks.Definition[facts]
}

// LANServices returns the DNS-SD service types the check browses.
func (check) LANServices() []string { return slices.Clone(services) }

// Browse statuses.
const (
	browseOK          = "ok"
	browseUnavailable = "unavailable"
	browseFailed      = "failed"
)

// facts are the raw observations: no instance names, friendly names, host
// names, addresses or device ids, only kinds, model strings and counts.
type facts struct {
	OS string `json:"os"`
	// Browses has one entry per service type browsed.
	Browses []browse `json:"browses"`
	// Devices are the distinct devices that answered, sorted.
	Devices []device `json:"devices,omitempty"`
	// Counts is the number of devices per kind.
	Counts map[string]int `json:"counts,omitempty"`
	// Windows is what was read of Windows Firewall's handling of direct
	// answers (Windows only; nil when not read, as by older agents).
	Windows *windowsFacts `json:"windows,omitempty"`
	// Darwin is what was read of the macOS firewall's "Block all incoming
	// connections" (macOS only; nil when not read, as by older agents).
	Darwin *darwinFacts `json:"darwin,omitempty"`
}

// browse is what one service-type browse gave.
type browse struct {
	Service string `json:"service"`
	// Status is ok, unavailable (the network could not be browsed) or
	// failed (another error).
	Status string `json:"status"`
	// Answered is how many instances answered.
	Answered int `json:"answered"`
	// ObservedSecondsAgo, when set, says the answer is the running
	// agent's background browse of that many seconds ago rather than a
	// browse made for this check.
	ObservedSecondsAgo *int `json:"observed_seconds_ago,omitempty"`
	// Err is the probe's error, shown as the reason when the check is
	// unknown; kept out of the JSON facts.
	Err string `json:"-"`
}

// device is one device that answered.
type device struct {
	Kind    string `json:"kind"`
	Model   string `json:"model,omitempty"`
	Service string `json:"service"`
	Listens bool   `json:"listens"`
}

// lanObserver is a probe that answers MDNS from a background browse (the
// running agent's), and says when that browse was made.
type lanObserver interface {
	ObservedAt(service string) (time.Time, bool)
}

// collect browses every service type concurrently. It never fails: a browse
// that could not run is recorded and evaluate decides.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), Browses: make([]browse, len(services))}
	answers := make([][]probe.MDNSInstance, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := browse{Service: svc, Status: browseOK}
			if o, ok := p.(lanObserver); ok {
				if at, ok := o.ObservedAt(svc); ok {
					ago := max(0, int(p.Now().Sub(at)/time.Second))
					b.ObservedSecondsAgo = &ago
				}
			}
			found, err := p.MDNS(ctx, svc)
			b.Answered = len(found)
			switch {
			case err == nil:
				answers[i] = found
			case errors.Is(err, probe.ErrUnavailable):
				b.Status, b.Err = browseUnavailable, err.Error()
			default:
				b.Status, b.Err = browseFailed, err.Error()
			}
			f.Browses[i] = b
		}()
	}
	wg.Wait()
	switch f.OS {
	case "windows":
		f.Windows = collectWindows(p)
	case "darwin":
		f.Darwin = collectDarwin(ctx, p)
	}

	// One device may answer several types (a HomePod answers _airplay and
	// _raop): keep, per device, the answer that says most about listening.
	best := map[string]device{}
	var order []string
	for i, svc := range services {
		for _, inst := range answers[i] {
			kind, model := classifyTXT(svc, inst.TXT)
			d := device{Kind: kind, Model: model, Service: svc, Listens: listens(kind)}
			key := deviceKey(svc, inst)
			old, seen := best[key]
			if !seen {
				order = append(order, key)
			}
			if !seen || rank(d) > rank(old) {
				best[key] = d
			}
		}
	}
	for _, k := range order {
		d := best[k]
		f.Devices = append(f.Devices, d)
		if f.Counts == nil {
			f.Counts = map[string]int{}
		}
		f.Counts[d.Kind]++
	}
	sort.SliceStable(f.Devices, func(i, j int) bool {
		a, b := f.Devices[i], f.Devices[j]
		if a.Listens != b.Listens {
			return a.Listens
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		return a.Service < b.Service
	})
	return f, nil
}

// rank orders classifications of the same device: listening first, then a
// recognised kind with a model, then anything.
func rank(d device) int {
	r := 0
	if d.Listens {
		r += 4
	}
	if d.Kind != kindAirPlayOther && d.Kind != kindUnrecognised {
		r += 2
	}
	if d.Model != "" {
		r++
	}
	return r
}

// deviceKey identifies a device across service types, in memory only:
// the AirPlay deviceid= or the "MAC@" prefix of a RAOP instance, else (for
// AirPlay and RAOP) the host the instance points at, else the instance name.
func deviceKey(service string, inst probe.MDNSInstance) string {
	if id := txtValue(inst.TXT, "deviceid"); id != "" {
		return "mac:" + normMAC(id)
	}
	if service == serviceRAOP {
		if mac, _, ok := strings.Cut(inst.Name, "@"); ok && mac != "" {
			return "mac:" + normMAC(mac)
		}
	}
	// A Cast group is served by one of its members' host, so the host
	// identifies a device only for the AirPlay types.
	if inst.Host != "" && (service == serviceAirPlay || service == serviceRAOP) {
		return "host:" + strings.ToLower(strings.TrimSuffix(inst.Host, "."))
	}
	return "name:" + service + "/" + strings.ToLower(inst.Name)
}

func normMAC(s string) string {
	return strings.ToUpper(strings.NewReplacer(":", "", "-", "").Replace(strings.TrimSpace(s)))
}

// browseBudget is about how long collect takes live: the browses run
// concurrently, each bounded by probe.MDNSBrowseTimeout.
const browseBudget = probe.MDNSBrowseTimeout + 500*time.Millisecond
