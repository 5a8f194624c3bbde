package firewall

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/internal/winfw"
)

// TestIsOpenRule judges rule strings as the registry stores them: only an
// enabled inbound allow rule that nothing narrows to a program, service,
// app, protocol, a few ports, chosen hosts or authenticated peers lets
// everyone in; a whole local network or thousands of ports narrow nothing
// a café's Wi-Fi would not pass.
func TestIsOpenRule(t *testing.T) {
	for _, tc := range []struct {
		rule string
		open bool
		note string
	}{
		// What `netsh advfirewall firewall add rule name="Allow all" dir=in action=allow` writes.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|", true, ""},
		{"v2.33|action=allow|active=true|dir=in|name=lower case|", true, ""},
		{"v2.33|Action=Allow|Active=FALSE|Dir=In|Name=off|", false, ""},
		{"v2.33|Action=Block|Active=TRUE|Dir=In|Name=block|", false, ""},
		{"v2.33|Action=ByPass|Active=TRUE|Dir=In|Name=bypass needs IPsec|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=Out|Name=outbound|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Name=no direction|", false, ""},
		// Narrowed to a program, a service, a Store app, authenticated peers.
		{`v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=17|Profile=Private|App=C:\program files\zoom\bin\zoom.exe|Name=Zoom|Defer=User|`, false, ""},
		{`v2.33|Action=Allow|Active=TRUE|Dir=In|Svc=dnscache|Name=a service|`, false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Svc=*|Name=every service|", true, ""},
		// Programs that listen for many services narrow nothing.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|App=System|Name=the kernel|", true, ""},
		{`v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|App=%SystemRoot%\system32\svchost.exe|Name=every service host|`, true, ""},
		{`v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|App=%SystemRoot%\system32\svchost.exe|Svc=termservice|Name=one service|`, false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=445|App=System|Name=SMB|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=41|App=System|Name=IPv6 in IPv4|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|PCross=TRUE|LUOwn=S-1-5-21-1-2-3-1001|AppPkgId=S-1-15-2-1-2-3|Name=@{Store}|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Security=Authenticate|Name=IPsec|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RUAuth=O:LSD:(A;;CC;;;S-1-5-21-1-2-3-513)|Name=users|", false, ""},
		// Protocols and ports.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=1|ICMP4=8:*|Name=ping|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=47|Name=GRE|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Name=every TCP port|", true, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=17|RPort=53|Name=from port 53|", true, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=3389|Name=one port|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|LPort=443|LPort=8000-8999|Name=a few|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=RPC|Name=RPC|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort2_10=IPTLSIn|LPort2_10=IPHTTPSIn|Name=IP-HTTPS|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=1024-65535|Name=high ports|", true, manyPortsNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort2_10=1-65535|Name=all ports|", true, manyPortsNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=*|Name=any port|", true, ""},
		// Remote addresses.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=203.0.113.7|Name=one host|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=192.168.1.10|RA4=192.168.1.11|Name=two hosts|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=DNS|RA4=DefaultGateway|Name=servers|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=203.0.113.0/255.255.255.0|Name=an office|", false, ""},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=LocalSubnet|RA6=LocalSubnet|Name=local|", true, localNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=192.168.0.0/255.255.0.0|Name=home range|", true, localNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=10.0.0.0/8|Name=prefix form|", true, localNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=203.0.113.7|RA6=fe80::/64|Name=one host and link-local|", true, localNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=11.0.0.0-100.255.255.255|Name=much of the Internet|", true, hugeNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=Internet|Name=keyword|", true, " (the Internet addresses)"},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|RA4=*|Name=any|", true, ""},
		// Ports and a local network together.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=1-65535|RA4=LocalSubnet|Name=both|", true, manyPortsNote + localNetworkNote},
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=LocalSubnet|Name=SMB at home|", false, ""},
		// A field this check does not know narrows nothing.
		{"v2.40|Action=Allow|Active=TRUE|Dir=In|SomethingNew=x|Name=future|", true, ""},
		// Local addresses and interfaces: this computer's own, every network it joins.
		{"v2.33|Action=Allow|Active=TRUE|Dir=In|LA4=192.168.1.20|IFType=Wireless|Name=local address|", true, ""},
	} {
		f, ok := winfw.Parse(tc.rule)
		if !ok {
			t.Errorf("%s: not parsed", tc.rule)
			continue
		}
		note, open := isOpenRule(f)
		if open != tc.open || note != tc.note {
			t.Errorf("%s: open %v note %q, want %v %q", tc.rule, open, note, tc.open, tc.note)
		}
	}
}

func TestPrefixOfMask(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.0/255.255.255.0":   "192.168.1.0/24",
		"10.0.0.0/255.0.0.0":          "10.0.0.0/8",
		"172.16.0.0/255.240.0.0":      "172.16.0.0/12",
		"203.0.113.7/255.255.255.255": "203.0.113.7/32",
		"0.0.0.0/0.0.0.0":             "0.0.0.0/0",
		"10.0.0.0/8":                  "10.0.0.0/8",
		"fe80::/64":                   "fe80::/64",
		"203.0.113.7":                 "203.0.113.7",
	} {
		if got := prefixOfMask(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestOpenRuleAppliesTo: a rule counts on the profiles it names, never on a
// profile blocking every connection, and a local rule not where Group
// Policy enforces only its own.
func TestOpenRuleAppliesTo(t *testing.T) {
	private := openRule{Store: "local", ID: "x", Profiles: []string{profilePrivate}}
	all := openRule{Store: "local", ID: "y"}
	gpo := openRule{Store: "group_policy", ID: "z"}
	public := profile{Name: profilePublic}
	for _, tc := range []struct {
		r    openRule
		p    profile
		want bool
	}{
		{private, public, false},
		{private, profile{Name: profilePrivate}, true},
		{all, public, true},
		{all, profile{Name: profilePublic, RulesIgnored: true}, false},
		{all, profile{Name: profilePublic, LocalRulesIgnored: true}, false},
		{gpo, profile{Name: profilePublic, LocalRulesIgnored: true}, true},
		{gpo, profile{Name: profilePublic, RulesIgnored: true}, false},
	} {
		if got := tc.r.appliesTo(tc.p); got != tc.want {
			t.Errorf("%+v on %+v: %v, want %v", tc.r, tc.p, got, tc.want)
		}
	}
	rules := &inboundRules{Unread: []string{"local"}}
	if _, unread := rules.openFor(profile{Name: profilePublic}); !unread {
		t.Error("the computer's own rules unread: the profile's rules are not unknown")
	}
	if _, unread := rules.openFor(profile{Name: profilePublic, LocalRulesIgnored: true}); unread {
		t.Error("local rules unread where Group Policy ignores them: unknown")
	}
}
