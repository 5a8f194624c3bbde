package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// filled is a report.CheckResult with every field set to a value that is
// not its zero, found by reflection, so a field added to the wire type is
// filled too.
func filled(t *testing.T) report.CheckResult {
	var r report.CheckResult
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeFor[json.RawMessage]():
			f.SetBytes([]byte(`{"on":true,"n":[1,2]}`))
		case f.Kind() == reflect.String:
			f.SetString("x\"\n\u00e9 " + v.Type().Field(i).Name)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.CanInt():
			f.SetInt(7)
		default:
			t.Fatalf("report.CheckResult.%s is a %s: teach this test (and encodeResults) about it", v.Type().Field(i).Name, f.Type())
		}
	}
	return r
}

// TestStoredResultsRoundTrip: what the agent sent is what the dashboard
// reads, field for field; a field added to report.CheckResult but not to
// encodeResults fails here.
func TestStoredResultsRoundTrip(t *testing.T) {
	sent := filled(t)
	text, err := encodeResults([]report.CheckResult{sent})
	if err != nil {
		t.Fatal(err)
	}
	var got []Result
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	if err := decodeResults("run", "dev", at.UnixMicro(), text, func(r Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0].CheckResult, sent) || got[0].RunID != "run" || got[0].DeviceID != "dev" || !got[0].At.Equal(at) {
		t.Errorf("stored %s\n read back %+v\n want %+v", text, got, sent)
	}
	// The encoder writes what encoding/json reads back into the same value.
	var viaJSON []report.CheckResult
	if err := json.Unmarshal([]byte(text), &viaJSON); err != nil || !reflect.DeepEqual(viaJSON[0], sent) {
		t.Errorf("encoding/json reads %+v (%v)", viaJSON, err)
	}
}

// TestEncodeResultsAllocations: a run's results are written into one
// buffer sized up front (a 3 KB run cost 10 KiB of allocations when the
// buffer grew from 1 KiB: issue 21 item 6), which the stored string is
// (not a copy of it); a run sent out of order is put in order without a
// copy of its results (positions on the stack), so it costs no more.
func TestEncodeResultsAllocations(t *testing.T) {
	if raceDetector {
		t.Skip("allocations are not counted under the race detector, whose instrumentation allocates")
	}
	facts := json.RawMessage(`{"source":"probe","state":"on","detail":"` + strings.Repeat("x", 300) + `"}`)
	var results []report.CheckResult
	for _, id := range []string{"antivirus", "disk_encryption", "firewall", "screen_lock", "smart_speakers", "user_accounts", "voice_assistants", "wifi_security"} {
		results = append(results, report.CheckResult{ID: id, Status: checks.Pass, Required: true, Summary: "Looks fine.", Facts: facts})
	}
	for _, c := range []struct {
		name    string
		results []report.CheckResult
		want    float64
	}{{"sorted", results, 1}, {"unsorted", append(results[4:len(results):len(results)], results[:4]...), 1}} {
		got := testing.AllocsPerRun(20, func() {
			if _, err := encodeResults(c.results); err != nil {
				t.Fatal(err)
			}
		})
		if got > c.want {
			t.Errorf("%s: %v allocations, want at most %v", c.name, got, c.want)
		}
	}
}

// TestFactsValidAsJSONValid: the facts check answers as json.Valid does,
// on the cases where jsontext's defaults differ from it (duplicate names,
// invalid UTF-8, unpaired surrogates, surrounding space, depth) and on
// plainly broken JSON.
func TestFactsValidAsJSONValid(t *testing.T) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	for _, s := range []string{`{"a":1}`, " {\"a\":1}\n", `{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `{"a":"\ud800"}`,
		`{"a":"\udc00\ud800"}`, `"\uD834\uDD1E"`, `1e999`, `-0`, `01`, `[1,]`, `{"a":1}{}`, `{"a":1} x`, ``, ` `, `nul`,
		`{"a":"\u0000"}`, `{"a":"` + "\x01" + `"}`, `[` + deep + `]`, deep[1 : len(deep)-1]} {
		if got, want := factsValid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("factsValid(%.40q) = %v, json.Valid says %v", s, got, want)
		}
	}
}
