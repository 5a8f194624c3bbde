package wifisecurity

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestParseNmcliActive(t *testing.T) {
	wifi, ok := parseNmcliActive([]byte("a1:802-11-wireless\nb2:802-3-ethernet\nc3:802-11-wireless\n\n"))
	if !ok || !slices.Equal(wifi, []string{"a1", "c3"}) {
		t.Errorf("got %v %v", wifi, ok)
	}
	if _, ok := parseNmcliActive([]byte("Wired connection 1  b2  ethernet  eth0\n")); ok {
		t.Error("a non-terse table was recognised")
	}
}

func TestParseNmcliEAP(t *testing.T) {
	const peap = "802-11-wireless-security.key-mgmt:wpa-eap\n802-1x.eap:peap\n802-1x.ca-cert:\n802-1x.ca-path:\n802-1x.system-ca-certs:no\n802-1x.domain-suffix-match:\n802-1x.domain-match:\n802-1x.altsubject-matches:\n"
	tests := []struct {
		name           string
		in             string
		want           eapProfile
		enterprise, ok bool
	}{
		{"peap without a CA", peap, eapProfile{Methods: []string{"peap"}}, true, true},
		{"blob CA and domain", strings.NewReplacer("ca-cert:\n", "ca-cert:<hidden>\n", "suffix-match:\n", "suffix-match:example.org\n").Replace(peap),
			eapProfile{Methods: []string{"peap"}, CACert: true, ServerName: true}, true, true},
		{"escaped altsubject, system CAs", strings.NewReplacer("system-ca-certs:no", "system-ca-certs:yes", "matches:\n", "matches:DNS\\:radius.example.org\n").Replace(peap),
			eapProfile{Methods: []string{"peap"}, SystemCA: true, ServerName: true}, true, true},
		{"several methods, non-terse unset", strings.NewReplacer("eap:peap", "eap:ttls,PEAP", "ca-path:", "ca-path:--").Replace(peap),
			eapProfile{Methods: []string{"ttls", "peap"}}, true, true},
		{"personal", "802-11-wireless-security.key-mgmt:wpa-psk\n", eapProfile{}, false, true},
		{"open profile", "", eapProfile{}, false, true},
		{"system-ca-certs word unknown", strings.Replace(peap, "system-ca-certs:no", "system-ca-certs:maybe", 1), eapProfile{}, true, false},
		{"no eap line", "802-11-wireless-security.key-mgmt:wpa-eap\n", eapProfile{}, true, false},
		{"error text", "Error: invalid field\n", eapProfile{}, false, false},
	}
	for _, tt := range tests {
		got, ent, ok := parseNmcliEAP([]byte(tt.in))
		if ent != tt.enterprise || ok != tt.ok || !slices.Equal(got.Methods, tt.want.Methods) ||
			got.CACert != tt.want.CACert || got.SystemCA != tt.want.SystemCA || got.ServerName != tt.want.ServerName {
			t.Errorf("%s: got %+v %v %v, want %+v %v %v", tt.name, got, ent, ok, tt.want, tt.enterprise, tt.ok)
		}
	}
}

func TestServerCheckOf(t *testing.T) {
	tests := []struct {
		p    eapProfile
		want int
	}{
		{eapProfile{Methods: []string{"peap"}, CACert: true, ServerName: true}, serverChecked},
		{eapProfile{Methods: []string{"ttls"}, SystemCA: true, ServerName: true}, serverChecked},
		{eapProfile{Methods: []string{"peap"}}, serverNoCA},
		{eapProfile{Methods: []string{"peap"}, ServerName: true}, serverNoCA},
		{eapProfile{Methods: []string{"tls"}, SystemCA: true}, serverAnyName},
		{eapProfile{Methods: []string{"ttls"}, CACert: true}, serverAnyName},
		{eapProfile{Methods: []string{"peap", "leap"}, CACert: true, ServerName: true}, serverNoTLS},
		{eapProfile{Methods: []string{"pwd"}}, serverChecked},
		{eapProfile{Methods: []string{"sim"}}, serverMethodUnknown},
		{eapProfile{}, serverMethodUnknown},
	}
	for _, tt := range tests {
		if got := serverCheckOf(tt.p); got != tt.want {
			t.Errorf("%+v: got %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestEvaluateServerCheck(t *testing.T) {
	def := checks.Catalogue{Check}.Default()
	ent := []connection{{Security: secWPA2, Enterprise: true, Cipher: "ccmp"}}
	checked := []eapProfile{{Methods: []string{"peap"}, CACert: true, ServerName: true}}
	tests := []struct {
		name string
		f    facts
		pol  checks.Policy
		want checks.Status
	}{
		{"checked passes", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent, EAPRead: true, EAPProfiles: checked}, def, checks.Pass},
		{"no CA fails", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent, EAPRead: true, EAPProfiles: []eapProfile{{Methods: []string{"peap"}}}}, def, checks.Fail},
		{"no CA warns by policy", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent, EAPRead: true, EAPProfiles: []eapProfile{{Methods: []string{"peap"}}}}, def.With("wifi_insecure", checks.Warn), checks.Warn},
		{"older agent is unknown", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent}, def, checks.Unknown},
		{"no 802.1X profile is unknown", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent, EAPRead: true}, def, checks.Unknown},
		{"method unknown", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: ent, EAPRead: true, EAPProfiles: []eapProfile{{Methods: []string{"sim"}}}}, def, checks.Unknown},
		{"personal needs no profile", facts{OS: "linux", WiFi: stateConnected, Source: "nmcli", Connections: []connection{{Security: secWPA2, Cipher: "ccmp"}}}, def, checks.Pass},
	}
	for _, tt := range tests {
		if got := evaluate(tt.f, tt.pol); got.Status != tt.want {
			t.Errorf("%s: got %s (%s %s), want %s", tt.name, got.Status, got.Summary, got.Reason, tt.want)
		}
	}
}

func TestScrubNmcliProfile(t *testing.T) {
	args := []string{"-t", "-f", nmcliEAPFields, "connection", "show", "uuid", "x"}
	in := "802-11-wireless-security.key-mgmt:wpa-eap\n802-1x.eap:peap\n802-1x.ca-cert:/home/user/ca.pem\n802-1x.ca-path:\n802-1x.system-ca-certs:no\n802-1x.domain-suffix-match:example.org\n802-1x.altsubject-matches:<hidden>\n"
	want := "802-11-wireless-security.key-mgmt:wpa-eap\n802-1x.eap:peap\n802-1x.ca-cert:" + evidence.Pseudonym("path", "/home/user/ca.pem") +
		"\n802-1x.ca-path:\n802-1x.system-ca-certs:no\n802-1x.domain-suffix-match:" + evidence.Pseudonym("domain", "example.org") + "\n802-1x.altsubject-matches:<hidden>\n"
	if got := string(scrub("nmcli", args, []byte(in))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
