package smartspeakers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func okBrowses() []Browse {
	var bs []Browse
	for _, s := range Services {
		bs = append(bs, Browse{Service: s, Status: BrowseOK})
	}
	return bs
}

func TestEvaluate(t *testing.T) {
	unavailable := okBrowses()
	unavailable[0] = Browse{Service: ServiceGoogleCast, Status: BrowseUnavailable, Err: "mdns browse for _googlecast._tcp: no network interface that is up and can multicast: not available"}
	nest := Device{Kind: KindGoogleSpeaker, Model: "Google Nest Mini", Service: ServiceGoogleCast, Listens: true}
	tests := []struct {
		name     string
		f        Facts
		status   checks.Status
		summary  []string
		fix      []string
		reason   string
		noFields bool
	}{
		{"nothing answered", Facts{OS: "linux", Browses: okBrowses()}, checks.Pass,
			[]string{"No listening smart speaker"}, nil, "", true},
		{"only a TV and a group", Facts{OS: "linux", Browses: okBrowses(), Devices: []Device{
			{Kind: KindGoogleCastOther, Model: "TPM191E", Service: ServiceGoogleCast},
			{Kind: KindGoogleCastGroup, Model: "Google Cast Group", Service: ServiceGoogleCast},
		}}, checks.Pass, []string{"1 other media device"}, nil, "", true},
		{"a Google speaker", Facts{OS: "linux", Browses: okBrowses(), Devices: []Device{nest}}, checks.Warn,
			[]string{WarnSummary, "1 Google or Nest speaker: Google Nest Mini"}, []string{"microphone switch", "unplug"}, "", false},
		{"two of a kind, one model", Facts{OS: "windows", Browses: okBrowses(), Devices: []Device{nest, nest}}, checks.Warn,
			[]string{"2 Google or Nest speakers: Google Nest Mini."}, nil, "", false},
		{"Echo by device type", Facts{OS: "darwin", Browses: okBrowses(), Devices: []Device{{Kind: KindAmazonEcho, Model: "A4ZXE0RM7LQ7A", Service: ServiceAmazon, Listens: true}}}, checks.Warn,
			[]string{"1 Amazon Echo: Echo Dot (5th gen)"}, []string{"microphone on/off button"}, "", false},
		{"HomePod mini and Sonos", Facts{OS: "darwin", Browses: okBrowses(), Devices: []Device{
			{Kind: KindAppleHomePod, Model: "AudioAccessory5,1", Service: ServiceAirPlay, Listens: true},
			{Kind: KindSonosMicrophone, Model: "Era 100", Service: ServiceAirPlay, Listens: true},
		}}, checks.Warn, []string{"1 Apple HomePod: HomePod mini; 1 Sonos speaker with a microphone: Sonos Era 100"}, []string{"Home app", "Sonos app"}, "", false},
		{"a speaker found although one browse failed", Facts{OS: "linux", Browses: unavailable, Devices: []Device{{Kind: KindAppleHomePod, Model: "AudioAccessory1,1", Listens: true}}}, checks.Warn,
			[]string{"1 Apple HomePod: HomePod"}, nil, "", false},
		{"one browse failed, nothing found", Facts{OS: "linux", Browses: unavailable}, checks.Unknown,
			[]string{"Could not look"}, []string{"firewall"}, "no network interface that is up and can multicast", false},
		{"macOS permission hint", Facts{OS: "darwin", Browses: []Browse{{Service: ServiceAirPlay, Status: BrowseFailed}}}, checks.Unknown,
			nil, []string{"Local Network"}, "mDNS browse for _airplay._tcp: failed", false},
		{"Windows hint", Facts{OS: "windows", Browses: []Browse{{Service: ServiceAirPlay, Status: BrowseUnavailable, Err: "x"}}}, checks.Unknown,
			nil, []string{"private networks"}, "x", false},
		{"no browse at all", Facts{OS: "freebsd"}, checks.Unknown, nil, []string{"look around the room"}, "no mDNS browse was run", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.f, checks.Catalogue{Check}.Default())
			if r.Status != tt.status {
				t.Fatalf("status %s, want %s (%+v)", r.Status, tt.status, r)
			}
			for _, s := range tt.summary {
				if !strings.Contains(r.Summary, s) {
					t.Errorf("summary %q lacks %q", r.Summary, s)
				}
			}
			for _, s := range tt.fix {
				if !strings.Contains(r.Fix, s) {
					t.Errorf("fix %q lacks %q", r.Fix, s)
				}
			}
			if !strings.Contains(r.Reason, tt.reason) || (tt.status == checks.Unknown) != (r.Reason != "") {
				t.Errorf("reason %q, want it to contain %q only when unknown", r.Reason, tt.reason)
			}
			if (r.Status != checks.Pass) != (r.Fix != "") {
				t.Errorf("fix %q for status %s", r.Fix, r.Status)
			}
			if strings.Contains(r.Summary, "\n") {
				t.Errorf("summary is not one line: %q", r.Summary)
			}
		})
	}
}

// fakeProbe answers MDNS from a table; the other methods are not used.
type fakeProbe struct {
	probe.Probe
	goos    string
	answers map[string][]probe.MDNSInstance
	errs    map[string]error
}

func (f fakeProbe) GOOS() string { return f.goos }

func (f fakeProbe) MDNS(_ context.Context, svc string) ([]probe.MDNSInstance, error) {
	if err := f.errs[svc]; err != nil {
		return nil, err
	}
	return f.answers[svc], nil
}

func TestCollect(t *testing.T) {
	p := fakeProbe{goos: "linux",
		answers: map[string][]probe.MDNSInstance{
			ServiceGoogleCast: {
				{Name: "Sam's kitchen speaker", Host: "e8b58877-627a.local", Port: 8009, TXT: []string{"md=Google Nest Mini", "fn=Sam's kitchen speaker", "id=e8b58877627a8cea"}},
				{Name: "Google-Cast-Group-b438", Host: "e8b58877-627a.local", Port: 32162, TXT: []string{"md=Google Cast Group", "fn=Sam's house"}},
			},
			ServiceAirPlay: {{Name: "Sam’s HomePod", Host: "Sams-HomePod.local", Port: 7000, TXT: []string{"model=AudioAccessory5,1", "deviceid=F4:22:F0:10:33:71"}}},
			ServiceRAOP:    {{Name: "F422F0103371@Sam’s HomePod", Host: "Sams-HomePod.local", Port: 7000, TXT: []string{"am=AudioAccessory5,1"}}},
		},
		errs: map[string]error{ServiceAmazon: fmt.Errorf("mdns browse for _amzn-wplay._tcp: %w", probe.ErrUnavailable)},
	}
	f, err := Collect(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{KindGoogleSpeaker: 1, KindGoogleCastGroup: 1, KindAppleHomePod: 1}
	if fmt.Sprint(f.Counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v (the HomePod answers twice and is one device)", f.Counts, want)
	}
	if f.Browses[3].Status != BrowseUnavailable || f.Browses[0].Answered != 2 || f.Browses[2].Answered != 1 {
		t.Errorf("browses %+v", f.Browses)
	}
	if len(f.Devices) != 3 || !f.Devices[0].Listens || f.Devices[2].Listens {
		t.Errorf("devices not sorted listening first: %+v", f.Devices)
	}
	raw, _ := json.Marshal(f)
	for _, secret := range []string{"Sam", "e8b58877", "F4:22", "F422", "local", "8009", "mdns browse"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("facts carry %q: %s", secret, raw)
		}
	}
	if r := Evaluate(f, checks.Catalogue{Check}.Default()); r.Status != checks.Warn {
		t.Errorf("status %s", r.Status)
	}

	other := fakeProbe{goos: "windows", errs: map[string]error{}}
	for _, s := range Services {
		other.errs[s] = errors.New("socket: permission denied")
	}
	f, err = Collect(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(f, checks.Catalogue{Check}.Default())
	if r.Status != checks.Unknown || f.Browses[0].Status != BrowseFailed || !strings.Contains(r.Reason, "permission denied") {
		t.Errorf("every browse failing: %+v / %+v", f.Browses, r)
	}
}
