package smartspeakers

import (
	"context"
	"errors"
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
var Check checks.Check = checks.Definition[Facts]{
	CheckID:    ID,
	CheckTitle: "Smart speakers",
	Meta:       checks.Meta{Controls: []string{checks.ControlSecureConfig}},
	Collect:    Collect,
	Evaluate:   Evaluate,
	UnknownFix: unknownFixGeneric,
}

// Browse statuses.
const (
	BrowseOK          = "ok"
	BrowseUnavailable = "unavailable"
	BrowseFailed      = "failed"
)

// Facts are the raw observations: no instance names, friendly names, host
// names, addresses or device ids, only kinds, model strings and counts.
type Facts struct {
	OS string `json:"os"`
	// Browses has one entry per service type browsed.
	Browses []Browse `json:"browses"`
	// Devices are the distinct devices that answered, sorted.
	Devices []Device `json:"devices,omitempty"`
	// Counts is the number of devices per kind.
	Counts map[string]int `json:"counts,omitempty"`
}

// Browse is what one service-type browse gave.
type Browse struct {
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

// Device is one device that answered.
type Device struct {
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

// Collect browses every service type concurrently. It never fails: a browse
// that could not run is recorded and Evaluate decides.
func Collect(ctx context.Context, p probe.Probe) (Facts, error) {
	f := Facts{OS: p.GOOS(), Browses: make([]Browse, len(Services))}
	answers := make([][]probe.MDNSInstance, len(Services))
	var wg sync.WaitGroup
	for i, svc := range Services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := Browse{Service: svc, Status: BrowseOK}
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
				b.Status, b.Err = BrowseUnavailable, err.Error()
			default:
				b.Status, b.Err = BrowseFailed, err.Error()
			}
			f.Browses[i] = b
		}()
	}
	wg.Wait()

	// One device may answer several types (a HomePod answers _airplay and
	// _raop): keep, per device, the answer that says most about listening.
	best := map[string]Device{}
	var order []string
	for i, svc := range Services {
		for _, inst := range answers[i] {
			kind, model := ClassifyTXT(svc, inst.TXT)
			d := Device{Kind: kind, Model: model, Service: svc, Listens: Listens(kind)}
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
func rank(d Device) int {
	r := 0
	if d.Listens {
		r += 4
	}
	if d.Kind != KindAirPlayOther && d.Kind != KindUnrecognised {
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
	if service == ServiceRAOP {
		if mac, _, ok := strings.Cut(inst.Name, "@"); ok && mac != "" {
			return "mac:" + normMAC(mac)
		}
	}
	// A Cast group is served by one of its members' host, so the host
	// identifies a device only for the AirPlay types.
	if inst.Host != "" && (service == ServiceAirPlay || service == ServiceRAOP) {
		return "host:" + strings.ToLower(strings.TrimSuffix(inst.Host, "."))
	}
	return "name:" + service + "/" + strings.ToLower(inst.Name)
}

func normMAC(s string) string {
	return strings.ToUpper(strings.NewReplacer(":", "", "-", "").Replace(strings.TrimSpace(s)))
}

// BrowseBudget is about how long Collect takes live: the browses run
// concurrently, each bounded by probe.MDNSBrowseTimeout.
const BrowseBudget = probe.MDNSBrowseTimeout + 500*time.Millisecond
