package checks

import "testing"

func TestAllOfNeverPassesWithAnUnknownPart(t *testing.T) {
	pass := Result{Status: Pass, Summary: "IPv4 filtered"}
	unk := Result{Status: Unknown, Summary: "IPv6 unread", Reason: "ip6tables: access denied"}
	fail := Result{Status: Fail, Summary: "lock delay 1 hour", Fix: "shorten it"}
	warn := Result{Status: Warn, Summary: "close to the limit"}
	na := Result{Status: NotApplicable, Summary: "no IPv6 on this host"}
	cases := []struct {
		name  string
		parts []Result
		want  Status
		sum   string
	}{
		{"all pass", []Result{pass, pass}, Pass, "IPv4 filtered"},
		{"pass and unknown", []Result{pass, unk}, Unknown, "IPv6 unread"},
		{"a known fail decides over unknown", []Result{unk, fail}, Fail, "lock delay 1 hour"},
		{"warn and pass", []Result{pass, warn}, Warn, "close to the limit"},
		{"unknown beats warn", []Result{warn, unk}, Unknown, "IPv6 unread"},
		{"not applicable left out", []Result{na, pass}, Pass, "IPv4 filtered"},
		{"nothing applies", []Result{na}, NotApplicable, "no IPv6 on this host"},
		{"no parts", nil, NotApplicable, "Nothing here to check."},
	}
	for _, c := range cases {
		got := AllOf(c.parts...)
		if got.Status != c.want || got.Summary != c.sum {
			t.Errorf("%s: AllOf = %s %q, want %s %q", c.name, got.Status, got.Summary, c.want, c.sum)
		}
	}
}

func TestAnyOfPassesOnOneRouteAndStaysUnknownOnAnUnreadOne(t *testing.T) {
	on := Result{Status: Pass, Summary: "ESET firewall on"}
	off := Result{Status: Fail, Summary: "Windows Firewall off", Fix: "turn it on"}
	unk1 := Result{Status: Unknown, Summary: "x", Reason: "a"}
	unk2 := Result{Status: Unknown, Summary: "y", Reason: "b"}
	if got := AnyOf(off, on); got.Status != Pass || got.Summary != on.Summary {
		t.Errorf("AnyOf(off, on) = %+v", got)
	}
	if got := AnyOf(off, unk1, unk2); got.Status != Unknown || got.Reason != "a; b" {
		t.Errorf("AnyOf(off, unknown, unknown) = %+v, want unknown with both reasons", got)
	}
	// The IPv4 and IPv6 parts of one firewall, read by one nft: its
	// failure is said once.
	v4 := Result{Status: Unknown, Reason: "nft: access_denied; iptables: access_denied"}
	v6 := Result{Status: Unknown, Reason: "nft: access_denied; ip6tables: access_denied"}
	if got := AllOf(v4, v6); got.Reason != "nft: access_denied; iptables: access_denied; ip6tables: access_denied" {
		t.Errorf("AllOf(v4, v6).Reason = %q, want each clause once", got.Reason)
	}
	if got := AnyOf(off); got.Status != Fail || got.Fix != off.Fix {
		t.Errorf("AnyOf(off) = %+v", got)
	}
}
