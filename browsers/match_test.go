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
