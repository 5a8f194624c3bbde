package browsers

import "testing"

func TestDomainMatching(t *testing.T) {
	cases := []struct {
		host, domain string
		want         bool
	}{
		{".zoom.us", "zoom.us", true},
		{"zoom.us", "zoom.us", true},
		{"us02web.zoom.us", "zoom.us", true},
		{".US02WEB.Zoom.us", "zoom.us", true},
		{"notzoom.us", "zoom.us", false},
		{"zoom.us.evil.com", "zoom.us", false},
		{"zoom.us", "us02web.zoom.us", false},
		{".meet.google.com", "google.com", true},
		// A site visited by its fully-qualified name.
		{"us02web.zoom.us.", "zoom.us", true},
		{".zoom.us.", "zoom.us", true},
		{"zoom.us.", "zoom.us", true},
		{"notzoom.us.", "zoom.us", false},
	}
	for _, c := range cases {
		if got := matchDomain(c.host, c.domain); got != c.want {
			t.Errorf("matchDomain(%q, %q) = %v", c.host, c.domain, got)
		}
	}
}

// A keep-list reads a host as browsers store it, in lower case: a host
// stored otherwise is no kept site's. A domain list clears it either way.
func TestKeepListReadsHostsAsStored(t *testing.T) {
	keep := selector{keep: []string{"zoom.us", "kick.example"}}
	list := selector{domains: []string{"zoom.us", "kick.example"}}
	for host, kept := range map[string]bool{
		".zoom.us": true, "us02web.zoom.us.": true, " zoom.us ": true,
		".ZOOM.us": false, "Us02Web.Zoom.Us": false, "\u212aick.example": false, "notzoom.us": false,
	} {
		if keep.remove(host) == kept {
			t.Errorf("keeping zoom.us and kick.example, remove(%q) = %v", host, !kept)
		}
		if want := host != "notzoom.us"; list.remove(host) != want {
			t.Errorf("clearing zoom.us and kick.example, remove(%q) = %v", host, !want)
		}
	}
	if !keep.removeCookie("www.zoom.us", "ZOOM.us") || keep.removeCookie("www.zoom.us", "zoom.us") {
		t.Error("a partition is read as stored too")
	}
}

func TestSelector(t *testing.T) {
	s := selector{domains: []string{"zoom.us"}, keep: []string{"us02web.zoom.us"}}
	for host, want := range map[string]bool{".zoom.us": true, "zoom.us.": true, "us02web.zoom.us": false, "us02web.zoom.us.": false, "notzoom.us": false, "whereby.com": false} {
		if s.remove(host) != want {
			t.Errorf("remove(%q) = %v", host, !want)
		}
	}
	all := selector{keep: []string{"mybank.co.uk"}}
	for host, want := range map[string]bool{".mybank.co.uk": false, "www.mybank.co.uk": false, "www.mybank.co.uk.": false, "whereby.com": true, "whereby.com.": true} {
		if all.remove(host) != want {
			t.Errorf("all.remove(%q) = %v", host, !want)
		}
	}
}

func TestReportSummary(t *testing.T) {
	rep := Report{Results: []Result{
		{Browser: "chromium", Status: StatusCleared, Removed: 5, Kept: 1},
		{Browser: "chromium", Status: StatusSkipped, Reason: "browser_running"},
		{Browser: "firefox", Status: StatusError, Reason: "damaged"},
		{Browser: "firefox", Status: StatusCleared, Removed: 2},
	}}
	s := rep.Summary()
	if s.Removed != 7 || s.Kept != 1 || s.Browsers != 2 || s.ProfilesCleared != 2 || s.ProfilesSkipped != 1 || s.ProfilesFailed != 1 {
		t.Errorf("summary: %+v", s)
	}
}

func TestSiteOfFullyQualifiedHost(t *testing.T) {
	for host, want := range map[string]string{"us02web.zoom.us.": "zoom.us", ".zoom.us": "zoom.us", "www.mybank.co.uk.": "mybank.co.uk"} {
		if got := site(host); got != want {
			t.Errorf("site(%q) = %q, want %q", host, got, want)
		}
	}
}

// A partitioned cookie belongs to its host's site and to its partition's
// top-level site: listed when either is, kept only when both are.
func TestSelectorPartitionedCookies(t *testing.T) {
	cases := []struct {
		sel             selector
		host, partition string
		want            bool
	}{
		{selector{domains: []string{"zoom.us"}}, "www.mybank.co.uk", "zoom.us", true},
		{selector{domains: []string{"zoom.us"}}, "www.mybank.co.uk", "us02web.zoom.us", true},
		{selector{domains: []string{"zoom.us"}}, "www.mybank.co.uk", "zoom.us.", true},
		{selector{domains: []string{"zoom.us"}}, "www.mybank.co.uk", "", false},
		{selector{domains: []string{"zoom.us"}}, "www.mybank.co.uk", "notzoom.us", false},
		{selector{domains: []string{"zoom.us"}}, "us02web.zoom.us", "whereby.com", true},
		{selector{keep: []string{"mybank.co.uk"}}, "www.mybank.co.uk", "zoom.us", true},
		{selector{keep: []string{"mybank.co.uk"}}, "www.mybank.co.uk", "mybank.co.uk", false},
		{selector{keep: []string{"mybank.co.uk"}}, "www.mybank.co.uk", "", false},
		{selector{keep: []string{"mybank.co.uk"}}, "zoom.us", "mybank.co.uk", true},
		{selector{keep: []string{"mybank.co.uk", "zoom.us"}}, "www.mybank.co.uk", "zoom.us", false},
		{selector{domains: []string{"zoom.us"}, keep: []string{"mybank.co.uk"}}, "www.mybank.co.uk", "zoom.us", true},
		{selector{domains: []string{"zoom.us"}, keep: []string{"mybank.co.uk", "zoom.us"}}, "www.mybank.co.uk", "zoom.us", false},
		{selector{}, "www.mybank.co.uk", "", true},
		{selector{}, "www.mybank.co.uk", "zoom.us", true},
	}
	for _, c := range cases {
		if got := c.sel.removeCookie(c.host, c.partition); got != c.want {
			t.Errorf("%+v.removeCookie(%q, %q) = %v", c.sel, c.host, c.partition, got)
		}
		if c.partition == "" && c.sel.remove(c.host) != c.want {
			t.Errorf("%+v.remove(%q) disagrees with removeCookie", c.sel, c.host)
		}
	}
}

func TestPartitionSites(t *testing.T) {
	for key, want := range map[string]string{
		"":                         "",
		"https://zoom.us":          "zoom.us",
		"http://zoom.us":           "zoom.us",
		"https://us02web.zoom.us.": "us02web.zoom.us.",
		"http://localhost:8080":    "localhost",
		"https://[::1]":            "::1",
	} {
		if got := chromiumPartitionSite(key); got != want {
			t.Errorf("chromiumPartitionSite(%q) = %q, want %q", key, got, want)
		}
	}
	for oa, want := range map[string]string{
		"":                                    "",
		"^userContextId=1":                    "",
		"^partitionKey=(http,zoom.us)":        "zoom.us",
		"^partitionKey=%28https%2Czoom.us%29": "zoom.us",
		"^partitionKey=(https,zoom.us,8443)":  "zoom.us",
		"^userContextId=2&partitionKey=%28https%2Czoom.us%2C8443%29": "zoom.us",
		"^firstPartyDomain=zoom.us":                                  "zoom.us",
		"^firstPartyDomain=zoom.us&userContextId=3":                  "zoom.us",
		"^partitionKey=zoom.us":                                      "zoom.us",
	} {
		if got := firefoxPartitionSite(oa); got != want {
			t.Errorf("firefoxPartitionSite(%q) = %q, want %q", oa, got, want)
		}
	}
}
