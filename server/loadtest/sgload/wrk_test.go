package main

import (
	"os"
	"strings"
	"testing"
)

// TestParseWrk reads wrk 4.1.0's summary as it printed it here (Debian 12,
// --latency), and the lines it prints only sometimes (non-2xx answers,
// sub-millisecond percentiles), written as its source formats them.
func TestParseWrk(t *testing.T) {
	b, err := os.ReadFile("testdata/wrk-4.1.0-latency.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseWrk(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if r.requests != 36 || r.perSecond != 35.85 || r.p50 != 106.98 || r.p99 != 147.96 || r.non2xx != 0 {
		t.Errorf("got %+v", r)
	}

	fast := strings.NewReplacer("106.98ms", "812.00us", "147.96ms", "1.20s", "Requests/sec:",
		"  Non-2xx or 3xx responses: 7\nRequests/sec:").Replace(string(b))
	if r, err = parseWrk(fast); err != nil || r.p50 != 0.812 || r.p99 != 1200 || r.non2xx != 7 {
		t.Errorf("got %+v, %v", r, err)
	}

	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); err == nil {
		t.Error("an error message was read as a summary")
	}
}
