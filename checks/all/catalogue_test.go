package all

import (
	"strings"
	"testing"
)

// TestTeamPolicyRefusesAKeyGivenTwice: JSON lets a key be given twice
// with the last one winning, so an admin editing the raw policy could
// read one screen-lock limit and have the agents apply another (a tester
// saved such a policy). A team's policy refuses it, naming the key, at
// any depth; reading a policy stays as lenient as before.
func TestTeamPolicyRefusesAKeyGivenTwice(t *testing.T) {
	for doc, want := range map[string]string{
		`{"screen_lock_max_seconds":300,"screen_lock_max_seconds":3600}`:                     "screen_lock_max_seconds is given twice",
		`{"checks":{"firewall":{"required":true,"required":false}}}`:                         "checks.firewall.required is given twice",
		`{"cookie_keep":["a.example"],"checks":{"firewall":{}},"cookie_keep":["b.example"]}`: "cookie_keep is given twice",
		`{"checks":{"firewall":{"required":true},"antivirus":{"required":true}}}`:            "",
	} {
		_, err := ParseTeamPolicy(strings.NewReader(doc))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
	if _, err := ParsePolicy(strings.NewReader(`{"screen_lock_max_seconds":300,"screen_lock_max_seconds":600}`)); err != nil {
		t.Errorf("reading a policy is lenient: %v", err)
	}
}
