package localapi

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEndpointsDocumented: the README's list of the local API is the
// table the handler is built from, and names every watch event.
func TestEndpointsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ")
	_, para, ok := strings.Cut(readme, "under `/localapi/v0/`:")
	if !ok {
		t.Fatal("the README no longer lists the local API after \"under `/localapi/v0/`:\"")
	}
	para, _, _ = strings.Cut(para, "Any local user may read")
	var documented, table []string
	for _, m := range regexp.MustCompile("`((?:GET|POST|PUT|DELETE|PATCH) [^`]+)`").FindAllStringSubmatch(para, -1) {
		documented = append(documented, m[1])
	}
	for _, e := range endpoints {
		table = append(table, e.method+" "+e.path)
	}
	slices.Sort(documented)
	slices.Sort(table)
	if !slices.Equal(documented, table) {
		t.Errorf("README lists %q,\nthe handler serves %q", documented, table)
	}
	for _, ev := range []EventType{EventStatus, EventRunStarted, EventRunFinished, EventSessionStarted, EventSessionEnded} {
		if !strings.Contains(para, "`"+string(ev)+"`") {
			t.Errorf("the README does not name the watch event %q", ev)
		}
	}
}

// TestEventWire: the typed events are the strings on the wire that older
// trays and agents send and read.
func TestEventWire(t *testing.T) {
	for ev, want := range map[EventType]string{
		EventStatus: "status", EventRunStarted: "run_started", EventRunFinished: "run_finished",
		EventSessionStarted: "session_started", EventSessionEnded: "session_ended",
	} {
		b, err := json.Marshal(Event{Type: ev})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), `{"type":"`+want+`",`) {
			t.Errorf("%s on the wire: %s", want, b)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil || back.Type != ev {
			t.Errorf("%s read back as %q (%v)", want, back.Type, err)
		}
	}
}
