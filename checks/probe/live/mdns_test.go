package live

import (
	"context"
	"errors"
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
