package firewall_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/firewall"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// childEnv marks the re-executed test binary running inside a fresh network
// namespace; its value is the nft rules file to load ("" for none).
const childEnv = "SESSIONGUARD_FIREWALL_NETNS_CHILD"

const statusPrefix = "FIREWALL_STATUS="

// TestLiveNetns runs the check against real nftables rules, each set loaded
// in a network namespace of its own (unshare -n), so the host's ruleset is
// never touched.
func TestLiveNetns(t *testing.T) {
	unshare := netnstest.Unshare(t, "the test loads nftables rules in a network namespace it creates with unshare -n")
	if _, err := probe.New().Resolve("nft"); err != nil {
		t.Skipf("nft is not installed (apt install nftables): %v", err)
	}
	tests := []struct {
		name  string
		rules string
		want  checks.Status
	}{
		{name: "empty ruleset", want: checks.Fail},
		{name: "input policy drop", rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n", want: checks.Pass},
		{name: "input policy accept, no rules", rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n", want: checks.Fail},
		{name: "accept policy ending in reject", rules: "table inet fw {\n\tchain in {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t\treject with icmpx admin-prohibited\n\t}\n}\n", want: checks.Pass},
		{name: "drop on output only", rules: "table ip filter {\n\tchain output {\n\t\ttype filter hook output priority 0; policy drop;\n\t}\n}\n", want: checks.Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rulesFile := ""
			if tc.rules != "" {
				rulesFile = filepath.Join(t.TempDir(), "rules.nft")
				if err := os.WriteFile(rulesFile, []byte(tc.rules), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, err := netnstest.Command(t.Context(), unshare, "^TestLiveNetnsChild$", childEnv+"=1:"+rulesFile, "GORACE=atexit_sleep_ms=0").CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			got := ""
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if s, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), statusPrefix); ok {
					got = s
				}
			}
			if checks.Status(got) != tc.want {
				t.Fatalf("status %q, want %q; child output:\n%s", got, tc.want, out)
			}
		})
	}
}

// TestLiveNetnsChild is the part of TestLiveNetns that runs inside the new
// network namespace; on its own it does nothing.
func TestLiveNetnsChild(t *testing.T) {
	v, ok := os.LookupEnv(childEnv)
	if !ok {
		t.Skip("runs only as the child of TestLiveNetns")
	}
	rulesFile := strings.TrimPrefix(v, "1:")
	if rulesFile != "" {
		if out, err := exec.CommandContext(t.Context(), "nft", "-f", rulesFile).CombinedOutput(); err != nil {
			t.Fatalf("nft -f: %v: %s", err, out)
		}
	}
	r := firewall.Check.Run(t.Context(), probe.New(), checks.Default())
	t.Logf("summary: %s; reason: %s; facts: %s", r.Summary, r.Reason, r.Facts)
	os.Stdout.WriteString("\n" + statusPrefix + string(r.Status) + "\n")
}
