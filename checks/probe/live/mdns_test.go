package live

import (
	"context"
	"errors"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestUnescapeDNSLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Kitchen`, `Kitchen`},
		{`Kitchen\ speaker`, `Kitchen speaker`},
		{`Living\032Room`, `Living Room`},
		{`Sam\226\128\153s\ Echo`, "Sam\u2019s Echo"},
		{`a\.b`, `a.b`},
		{`back\\slash`, `back\slash`},
		{`K\195\184kken`, `Køkken`},
		{`trailing\`, `trailing\`},
		{`\999x`, `999x`},
	}
	for _, tt := range tests {
		if got := unescapeDNSLabel(tt.in); got != tt.want {
			t.Errorf("unescapeDNSLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidServiceType(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"_googlecast._tcp", true},
		{"_amzn-wplay._tcp", true},
		{"_raop._tcp", true},
		{"_hap._udp", true},
		{"googlecast._tcp", false},
		{"_googlecast", false},
		{"_googlecast._sctp", false},
		{"_a b._tcp", false},
		{"_thisnameistoolong1._tcp", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := validServiceType(tt.in); got != tt.want {
			t.Errorf("validServiceType(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestInstanceOfKeepsOnlyTheBrowsedService(t *testing.T) {
	suffix := "._googlecast._tcp.local."
	tests := []struct {
		name     string
		entry    *mdns.ServiceEntry
		ok       bool
		instance string
	}{
		{"own service", &mdns.ServiceEntry{Name: `Google-Nest-Mini-e8b5._googlecast._tcp.local.`, Host: "e8b5.local.", Port: 8009, InfoFields: []string{"md=Google Nest Mini"}}, true, "Google-Nest-Mini-e8b5"},
		{"case differs", &mdns.ServiceEntry{Name: `Nest-Audio-5fd0._GoogleCast._TCP.local.`}, true, "Nest-Audio-5fd0"},
		{"escaped name", &mdns.ServiceEntry{Name: `Kitchen\ speaker._googlecast._tcp.local.`}, true, "Kitchen speaker"},
		{"another service seen on the link", &mdns.ServiceEntry{Name: `Living\ Room._airplay._tcp.local.`}, false, ""},
		{"bare service name", &mdns.ServiceEntry{Name: `._googlecast._tcp.local.`}, false, ""},
		{"nil", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := instanceOf(tt.entry, suffix)
			if ok != tt.ok || got.Name != tt.instance {
				t.Fatalf("instanceOf = %+v, %v; want name %q, %v", got, ok, tt.instance, tt.ok)
			}
			if ok && tt.entry.Host != "" && got.Host != "e8b5.local" {
				t.Errorf("host %q, want the SRV target without the final dot", got.Host)
			}
		})
	}
}

func TestBrowseMDNSRejectsBadServiceType(t *testing.T) {
	_, err := browseMDNS(t.Context(), "googlecast")
	if !errors.Is(err, probe.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestBrowseMDNSWithoutTimeLeft(t *testing.T) {
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	start := time.Now()
	_, err := browseMDNS(ctx, "_googlecast._tcp")
	if !errors.Is(err, probe.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("an expired context took %v", d)
	}
}

func TestRankInterfacesPutsTheNetworkFirst(t *testing.T) {
	ifaces := []net.Interface{{Index: 3, Name: "docker0"}, {Index: 4, Name: "virbr0"}, {Index: 5, Name: "enp3s0"}, {Index: 9, Name: "wlp2s0"}, {Index: 10, Name: "br-1"}}
	physical := func(name string) bool { return name == "enp3s0" || name == "wlp2s0" }
	var names []string
	for _, ifi := range rankInterfaces(ifaces, map[int]bool{9: true}, physical) {
		names = append(names, ifi.Name)
	}
	if want := []string{"wlp2s0", "enp3s0", "docker0", "virbr0", "br-1"}; !slices.Equal(names, want) {
		t.Errorf("ranked %v, want %v", names, want)
	}
}

func TestMustHearTrustsAnEmptyAnswerOnlyWhenTheNetworkWasAsked(t *testing.T) {
	if !groupQuery(runtime.GOOS) {
		t.Skip("only Linux asks from port 5353")
	}
	wifi, docker := net.Interface{Index: 9, Name: "wlp2s0"}, net.Interface{Index: 3, Name: "docker0"}
	tests := []struct {
		name  string
		set   mdnsInterfaceSet
		group groupQueryResult
		ok    bool
		says  string
	}{
		{"asked on the default-route interface", mdnsInterfaceSet{list: []net.Interface{wifi, docker}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{9: true}}, true, ""},
		{"default-route interface failed, a bridge asked", mdnsInterfaceSet{list: []net.Interface{wifi, docker}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{3: true}, errs: map[int]error{9: errors.New("bind 224.0.0.251:5353: address already in use")}}, false, "wlp2s0"},
		{"no default route, every interface asked", mdnsInterfaceSet{list: []net.Interface{wifi, docker}},
			groupQueryResult{sentOn: map[int]bool{9: true, 3: true}}, true, ""},
		{"no default route, one interface not asked", mdnsInterfaceSet{list: []net.Interface{wifi, docker}},
			groupQueryResult{sentOn: map[int]bool{3: true}}, false, "wlp2s0"},
		{"no default route, interfaces left out", mdnsInterfaceSet{list: []net.Interface{docker}, skipped: []string{"wlp2s0"}},
			groupQueryResult{sentOn: map[int]bool{3: true}}, false, "wlp2s0 left out"},
		{"the query came back in both families", mdnsInterfaceSet{list: []net.Interface{wifi, docker}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{9: true, 3: true}, unheard: map[int][]string{}}, true, ""},
		{"the query never came back: a firewall drops mDNS", mdnsInterfaceSet{list: []net.Interface{wifi, docker}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{9: true, 3: true}, unheard: map[int][]string{9: {"IPv4", "IPv6"}}}, false, "never came back to it on wlp2s0 (IPv4, IPv6)"},
		{"only IPv6 came back", mdnsInterfaceSet{list: []net.Interface{wifi}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{9: true}, unheard: map[int][]string{9: {"IPv4"}}}, false, "wlp2s0 (IPv4)"},
		{"unheard on a bridge only", mdnsInterfaceSet{list: []net.Interface{wifi, docker}, routed: map[int]bool{9: true}},
			groupQueryResult{sentOn: map[int]bool{9: true, 3: true}, unheard: map[int][]string{3: {"IPv4"}}}, true, ""},
		{"legacy query only", mdnsInterfaceSet{list: []net.Interface{wifi}, routed: map[int]bool{9: true}},
			groupQueryResult{errs: map[int]error{9: errors.ErrUnsupported}}, false, "firewall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.set.mustHear(tt.group)
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.says)) {
				t.Fatalf("mustHear = %v; want ok %v, saying %q", err, tt.ok, tt.says)
			}
			if err != nil {
				t.Logf("reason: nothing answered, %v", err)
			}
		})
	}
}

func TestEchoCameBackOn(t *testing.T) {
	wifi, docker := net.Interface{Index: 9, Name: "wlp2s0"}, net.Interface{Index: 3, Name: "docker0"}
	both := []net.Interface{wifi, docker}
	type echoCase struct {
		name   string
		e      echo
		ifi    net.Interface
		sentOn []net.Interface
		want   bool
	}
	tests := []echoCase{
		{"named interface", echo{ifIndex: 9}, wifi, both, true},
		{"another named interface", echo{ifIndex: 3}, wifi, both, false},
		{"unnamed, the socket sent out of it alone", echo{}, wifi, []net.Interface{wifi}, true},
		{"named lo, the socket sent out of it alone", echo{ifIndex: 1}, wifi, []net.Interface{wifi}, true},
		{"unnamed, the socket sent out of two, source unknown", echo{from: net.IPv4(192, 0, 2, 1)}, wifi, both, false},
	}
	if lo, err := net.InterfaceByName("lo"); err == nil {
		tests = append(tests, echoCase{"unnamed, from lo's address", echo{from: net.IPv4(127, 0, 0, 1)}, *lo, []net.Interface{*lo, docker}, true})
	}
	for _, tt := range tests {
		if got := tt.e.cameBackOn(tt.ifi, tt.sentOn); got != tt.want {
			t.Errorf("%s: cameBackOn = %v, want %v", tt.name, got, tt.want)
		}
	}
}
