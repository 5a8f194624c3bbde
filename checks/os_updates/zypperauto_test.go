package osupdates

import (
	"os"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestJudgeAOU reads YaST's own sysconfig template
// (yast2-online-update-configuration's fillup file, as installed) and
// the edits YaST and admins make to it.
func TestJudgeAOU(t *testing.T) {
	shipped, err := os.ReadFile("testdata/parsers/sysconfig.automatic_online_update")
	if err != nil {
		t.Fatal(err)
	}
	set := func(from, to string) []byte {
		if !strings.Contains(string(shipped), from) {
			t.Fatalf("the template has no %s", from)
		}
		return []byte(strings.Replace(string(shipped), from, to, 1))
	}
	for _, tc := range []struct {
		name, interval string
		conf           []byte
		off            string // part of the reason it is off; "" on
	}{
		{"shipped, daily", "daily", shipped, ""},
		{"shipped, weekly", "weekly", shipped, ""},
		{"shipped, monthly", "monthly", shipped, "only monthly"},
		{"switched off", "daily", set(`AOU_ENABLE_CRONJOB="true"`, `AOU_ENABLE_CRONJOB="false"`), `AOU_ENABLE_CRONJOB="false"`},
		{"unquoted true", "daily", set(`AOU_ENABLE_CRONJOB="true"`, `AOU_ENABLE_CRONJOB=true`), ""},
		// online_update tests [ "$AOU_ENABLE_CRONJOB" = "true" ]: "yes" is off.
		{"yes is not true", "daily", set(`AOU_ENABLE_CRONJOB="true"`, `AOU_ENABLE_CRONJOB="yes"`), `AOU_ENABLE_CRONJOB="yes"`},
		{"no settings file", "daily", nil, `AOU_ENABLE_CRONJOB=""`},
		{"security among categories", "daily", set(`AOU_PATCH_CATEGORIES=""`, `AOU_PATCH_CATEGORIES="security recommended"`), ""},
		{"categories without security", "daily", set(`AOU_PATCH_CATEGORIES=""`, `AOU_PATCH_CATEGORIES="recommended optional"`), "only recommended, optional patches"},
	} {
		got := judgeAOU(probe.ParseOSRelease(tc.conf), tc.interval)
		if (tc.off == "") != (got == "") || !strings.Contains(got, tc.off) {
			t.Errorf("%s: %q, want off=%q", tc.name, got, tc.off)
		}
	}
}
