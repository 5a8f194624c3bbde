package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
)

// TestStatusOutOfDate: results the agent says are out of date are never
// shown as ready, and the line says so and when they were taken.
func TestStatusOutOfDate(t *testing.T) {
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &bytes.Buffer{}, colour: func() bool { return false }}
	e.renderStatus(localapi.Status{Light: localapi.Grey, Stale: true, Running: true, LastRunAt: time.Now().Add(-9 * time.Hour)}, true)
	got := out.String()
	if !strings.HasPrefix(got, staleWords+"\nLast checked: ") || strings.Contains(got, "GREEN") || strings.Contains(got, "no results yet") {
		t.Errorf("out of date status:\n%s", got)
	}
}
