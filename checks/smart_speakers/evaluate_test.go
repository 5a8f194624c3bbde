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

func okBrowses() []browse {
	var bs []browse
	for _, s := range services {
		bs = append(bs, browse{Service: s, Status: browseOK})
	}
	return bs
}

func TestEvaluate(t *testing.T) {
	unavailable := okBrowses()
	unavailable[0] = browse{Service: serviceGoogleCast, Status: browseUnavailable, Err: "mdns browse for _googlecast._tcp: no network interface that is up and can multicast: not available"}
	nest := device{Kind: kindGoogleSpeaker, Model: "Google Nest Mini", Service: serviceGoogleCast, Listens: true}
	tests := []struct {
		name     string
		f        facts
		status   checks.Status
		summary  []string
		fix      []string
		reason   string
		noFields bool
	}{
		{"nothing answered", facts{OS: "linux", Browses: okBrowses()}, checks.Pass,
			[]string{"No listening smart speaker"}, nil, "", true},
		{"only a TV and a group", facts{OS: "linux", Browses: okBrowses(), Devices: []device{
			{Kind: kindGoogleCastOther, Model: "TPM191E", Service: serviceGoogleCast},
			{Kind: kindGoogleCastGroup, Model: "Google Cast Group", Service: serviceGoogleCast},
		}}, checks.Pass, []string{"1 other media device"}, nil, "", true},
		{"a Google speaker", facts{OS: "linux", Browses: okBrowses(), Devices: []device{nest}}, checks.Warn,
			[]string{warnSummary, "1 Google or Nest speaker: Google Nest Mini"}, []string{"microphone switch", "unplug"}, "", false},
		{"two of a kind, one model", facts{OS: "windows", Browses: okBrowses(), Devices: []device{nest, nest}}, checks.Warn,
			[]string{"2 Google or Nest speakers: Google Nest Mini."}, nil, "", false},
		{"Echo by device type", facts{OS: "darwin", Browses: okBrowses(), Devices: []device{{Kind: kindAmazonEcho, Model: "A4ZXE0RM7LQ7A", Service: serviceAmazon, Listens: true}}}, checks.Warn,
			[]string{"1 Amazon Echo: Echo Dot (5th gen)"}, []string{"microphone on/off button"}, "", false},
		{"HomePod mini and Sonos", facts{OS: "darwin", Browses: okBrowses(), Devices: []device{
			{Kind: kindAppleHomePod, Model: "AudioAccessory5,1", Service: serviceAirPlay, Listens: true},
			{Kind: kindSonosMicrophone, Model: "Era 100", Service: serviceAirPlay, Listens: true},
		}}, checks.Warn, []string{"1 Apple HomePod: HomePod mini; 1 Sonos speaker with a microphone: Sonos Era 100"}, []string{"Home app", "Sonos app"}, "", false},
		{"a speaker found although one browse failed", facts{OS: "linux", Browses: unavailable, Devices: []device{{Kind: kindAppleHomePod, Model: "AudioAccessory1,1", Listens: true}}}, checks.Warn,
			[]string{"1 Apple HomePod: HomePod"}, nil, "", false},
		{"one browse failed, nothing found", facts{OS: "linux", Browses: unavailable}, checks.Unknown,
			[]string{"Could not look"}, []string{"firewall"}, "no network interface that is up and can multicast", false},
		{"macOS permission hint", facts{OS: "darwin", Browses: []browse{{Service: serviceAirPlay, Status: browseFailed}}}, checks.Unknown,
			nil, []string{"Local Network"}, "mDNS browse for _airplay._tcp: failed", false},
		{"Windows hint", facts{OS: "windows", Browses: []browse{{Service: serviceAirPlay, Status: browseUnavailable, Err: "x"}}}, checks.Unknown,
			nil, []string{"private networks"}, "x", false},
		{"no browse at all", facts{OS: "freebsd"}, checks.Unknown, nil, []string{"look around the room"}, "no mDNS browse was run", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(tt.f, checks.Catalogue{Check}.Default())
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

// fakeProbe answers MDNS, the registry and WMI from tables (what is not
// in them is not found); the other methods are not used.
type fakeProbe struct {
	probe.Probe
	goos    string
	answers map[string][]probe.MDNSInstance
	errs    map[string]error
	// registry is by key\value; an error value is returned as the error.
	registry map[string]any
	wmi      map[string][]map[string]any
	// stdout is each command's output by its name; files are by path (an
	// error value is returned as the error).
	stdout map[string]string
	files  map[string]any
}

func (f fakeProbe) Run(_ context.Context, name probe.Command, _ ...string) (probe.Output, error) {
	out, ok := f.stdout[name.String()]
	if !ok {
		return probe.Output{}, fmt.Errorf("running %s: %w", name, probe.ErrNotFound)
	}
	return probe.Output{Stdout: []byte(out)}, nil
}

func (f fakeProbe) ReadFile(path string) ([]byte, error) {
	switch v := f.files[path].(type) {
	case string:
		return []byte(v), nil
	case error:
		return nil, v
	}
	return nil, fmt.Errorf("%s: %w", path, probe.ErrNotFound)
}

func (f fakeProbe) Registry(key, value string) (any, error) {
	v, ok := f.registry[key+`\`+value]
	if !ok {
		return nil, fmt.Errorf("%s\\%s: %w", key, value, probe.ErrNotFound)
	}
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v, nil
}

func (f fakeProbe) WMI(_, class string) ([]map[string]any, error) {
	rows, ok := f.wmi[class]
	if !ok {
		return nil, fmt.Errorf("%s: %w", class, probe.ErrNotFound)
	}
	return rows, nil
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
			serviceGoogleCast: {
				{Name: "Sam's kitchen speaker", Host: "e8b58877-627a.local", Port: 8009, TXT: []string{"md=Google Nest Mini", "fn=Sam's kitchen speaker", "id=e8b58877627a8cea"}},
				{Name: "Google-Cast-Group-b438", Host: "e8b58877-627a.local", Port: 32162, TXT: []string{"md=Google Cast Group", "fn=Sam's house"}},
			},
			serviceAirPlay: {{Name: "Sam’s HomePod", Host: "Sams-HomePod.local", Port: 7000, TXT: []string{"model=AudioAccessory5,1", "deviceid=F4:22:F0:10:33:71"}}},
			serviceRAOP:    {{Name: "F422F0103371@Sam’s HomePod", Host: "Sams-HomePod.local", Port: 7000, TXT: []string{"am=AudioAccessory5,1"}}},
		},
		errs: map[string]error{serviceAmazon: fmt.Errorf("mdns browse for _amzn-wplay._tcp: %w", probe.ErrUnavailable)},
	}
	f, err := collect(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{kindGoogleSpeaker: 1, kindGoogleCastGroup: 1, kindAppleHomePod: 1}
	if fmt.Sprint(f.Counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v (the HomePod answers twice and is one device)", f.Counts, want)
	}
	if f.Browses[3].Status != browseUnavailable || f.Browses[0].Answered != 2 || f.Browses[2].Answered != 1 {
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
	if r := evaluate(f, checks.Catalogue{Check}.Default()); r.Status != checks.Warn {
		t.Errorf("status %s", r.Status)
	}

	other := fakeProbe{goos: "windows", errs: map[string]error{}}
	for _, s := range services {
		other.errs[s] = errors.New("socket: permission denied")
	}
	f, err = collect(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	r := evaluate(f, checks.Catalogue{Check}.Default())
	if r.Status != checks.Unknown || f.Browses[0].Status != browseFailed || !strings.Contains(r.Reason, "permission denied") {
		t.Errorf("every browse failing: %+v / %+v", f.Browses, r)
	}
}

func TestWindowsDirectAnswers(t *testing.T) {
	const (
		local = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\`
		gpo   = `HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\`
		value = `\DisableUnicastResponsesToMulticastBroadcast`
	)
	public := map[string][]map[string]any{"MSFT_NetConnectionProfile": {{"NetworkCategory": int64(0)}}}
	denied := fmt.Errorf("reg: %w", probe.ErrAccessDenied)
	tests := []struct {
		name     string
		registry map[string]any
		wmi      map[string][]map[string]any
		status   checks.Status
		reason   string
	}{
		{"not set", nil, public, checks.Pass, ""},
		{"local 1 on the profile in use", map[string]any{local + "PublicProfile" + value: int64(1)}, public, checks.Unknown, "1 for the Public profile (the profile of the network in use)"},
		{"local 1 on another profile", map[string]any{local + "StandardProfile" + value: int64(1)}, public, checks.Pass, ""},
		{"Group Policy's 0 over the local 1", map[string]any{local + "PublicProfile" + value: int64(1), gpo + "PublicProfile" + value: int64(0)}, public, checks.Pass, ""},
		{"Intune's 1 over Group Policy's 0", map[string]any{gpo + "PublicProfile" + value: int64(0), local + `Mdm\PublicProfile` + value: int64(1)}, public, checks.Unknown, "1 for the Public profile"},
		{"Group Policy's setting unread", map[string]any{gpo + "PublicProfile" + value: denied}, public, checks.Unknown, "could not be read"},
		{"not a number", map[string]any{local + "PublicProfile" + value: "yes"}, public, checks.Unknown, "could not be read"},
		{"profile in use unknown, one profile sets it", map[string]any{local + "DomainProfile" + value: int64(1)}, nil, checks.Unknown, "which profile the network in use has could not be read"},
		{"profile in use unknown, none sets it", nil, nil, checks.Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := collect(t.Context(), fakeProbe{goos: "windows", registry: tt.registry, wmi: tt.wmi})
			if err != nil {
				t.Fatal(err)
			}
			r := evaluate(f, checks.Catalogue{Check}.Default())
			if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("%s %q, want %s %q (%+v)", r.Status, r.Reason, tt.status, tt.reason, f.Windows)
			}
			if r.Status == checks.Unknown && strings.Contains(tt.reason, "1 for") && !strings.Contains(r.Fix, `"Allow unicast response" to Yes`) {
				t.Errorf("fix %q", r.Fix)
			}
		})
	}

	// An older agent's facts say nothing of the setting: never a pass.
	older := facts{OS: "windows", Browses: okBrowses()}
	if r := evaluate(older, checks.Catalogue{Check}.Default()); r.Status != checks.Unknown || !strings.Contains(r.Reason, "was not read") {
		t.Errorf("facts without the setting: %+v", r)
	}
	// A speaker found still warns.
	older.Devices = []device{{Kind: kindAmazonEcho, Listens: true}}
	older.Windows = &windowsFacts{UnicastResponsesDisabled: []string{"Public"}}
	if r := evaluate(older, checks.Catalogue{Check}.Default()); r.Status != checks.Warn {
		t.Errorf("speaker found with the setting on: %+v", r)
	}
}

func TestDarwinBlockAll(t *testing.T) {
	const managed = "/Library/Managed Preferences/com.apple.security.firewall.plist"
	plist := func(body string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>` + body + `</dict></plist>`
	}
	on := map[string]string{"socketfilterfw": "Firewall is enabled. (State = 1)\n"}
	tests := []struct {
		name   string
		stdout map[string]string
		files  map[string]any
		status checks.Status
		reason string
		fix    string
	}{
		{"firewall on", on, nil, checks.Pass, "", ""},
		{"firewall off", map[string]string{"socketfilterfw": "Firewall is disabled. (State = 0)\n"}, nil, checks.Pass, "", ""},
		{"block all", map[string]string{"socketfilterfw": "Firewall is enabled. (State = 2)\n"}, nil, checks.Unknown, "Block all incoming connections", "turn off \"Block all incoming connections\""},
		{"block all, older wording", map[string]string{"socketfilterfw": "Firewall is blocking all non-essential incoming connections.\n"}, nil, checks.Unknown, "Block all incoming connections", "Options"},
		{"a profile blocks all", on, map[string]any{managed: plist(`<key>EnableFirewall</key><true/><key>BlockAllIncoming</key><true/>`)}, checks.Unknown, "configuration profile", "IT support"},
		{"a profile blocks all with the firewall off", on, map[string]any{managed: plist(`<key>EnableFirewall</key><false/><key>BlockAllIncoming</key><true/>`)}, checks.Pass, "", ""},
		{"a profile that does not block all", on, map[string]any{managed: plist(`<key>EnableFirewall</key><true/><key>BlockAllIncoming</key><false/>`)}, checks.Pass, "", ""},
		{"the profile unreadable", on, map[string]any{managed: fmt.Errorf("open: %w", probe.ErrAccessDenied)}, checks.Unknown, "could not be read", "could not look"},
		{"socketfilterfw not run", nil, nil, checks.Unknown, "could not be read (socketfilterfw", "could not look"},
		{"socketfilterfw says something else", map[string]string{"socketfilterfw": "Must be root to change settings.\n"}, nil, checks.Unknown, "could not be read", "could not look"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := collect(t.Context(), fakeProbe{goos: "darwin", stdout: tt.stdout, files: tt.files})
			if err != nil {
				t.Fatal(err)
			}
			r := evaluate(f, checks.Catalogue{Check}.Default())
			if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) || !strings.Contains(strings.ToLower(r.Fix), strings.ToLower(tt.fix)) {
				t.Fatalf("%s %q %q, want %s %q %q (%+v)", r.Status, r.Reason, r.Fix, tt.status, tt.reason, tt.fix, f.Darwin)
			}
		})
	}

	older := facts{OS: "darwin", Browses: okBrowses()}
	if r := evaluate(older, checks.Catalogue{Check}.Default()); r.Status != checks.Unknown || !strings.Contains(r.Reason, "was not read") {
		t.Errorf("facts without the firewall state: %+v", r)
	}
	older.Devices = []device{{Kind: kindAppleHomePod, Listens: true}}
	older.Darwin = &darwinFacts{GlobalState: new(int)}
	*older.Darwin.GlobalState = 2
	if r := evaluate(older, checks.Catalogue{Check}.Default()); r.Status != checks.Warn {
		t.Errorf("speaker found with block all: %+v", r)
	}
}

func TestObservationAge(t *testing.T) {
	aged := func(secs int) facts {
		f := facts{OS: "linux", Browses: okBrowses()}
		for i := range f.Browses {
			f.Browses[i].ObservedSecondsAgo = &secs
		}
		return f
	}
	if r := evaluate(aged(60), checks.Catalogue{Check}.Default()); r.Status != checks.Pass {
		t.Errorf("a browse of a minute ago: %s", r.Status)
	}
	if r := evaluate(aged(maxObservedSeconds), checks.Catalogue{Check}.Default()); r.Status != checks.Pass {
		t.Errorf("a browse of 3 minutes ago: %s", r.Status)
	}
	r := evaluate(aged(maxObservedSeconds+1), checks.Catalogue{Check}.Default())
	if r.Status != checks.Unknown || !strings.Contains(r.Reason, "181 seconds ago") {
		t.Errorf("an older browse: %+v", r)
	}
	speaker := aged(3600)
	speaker.Devices = []device{{Kind: kindGoogleSpeaker, Listens: true}}
	if r := evaluate(speaker, checks.Catalogue{Check}.Default()); r.Status != checks.Warn {
		t.Errorf("a speaker seen an hour ago: %s", r.Status)
	}
}
