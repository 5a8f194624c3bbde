package api_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
)

// FuzzDecodeEnvelope feeds arbitrary bodies to the report decoder: it must
// never panic, and whatever it accepts must be a valid envelope of the
// endpoint's kind that survives a round trip. The seed corpus is in
// testdata/fuzz/FuzzDecodeEnvelope; run
//
//	go test ./server/api -run '^$' -fuzz FuzzDecodeEnvelope -fuzztime 60s
func FuzzDecodeEnvelope(f *testing.F) {
	for _, env := range []report.Envelope{checkRun(true), session()} {
		b, err := json.Marshal(env)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, env.Kind == report.KindSession)
	}
	f.Fuzz(func(t *testing.T, body []byte, sessionEndpoint bool) {
		kind := report.KindCheckRun
		if sessionEndpoint {
			kind = report.KindSession
		}
		env, err := api.DecodeEnvelope(body, kind)
		if err != nil {
			if errors.Is(err, report.ErrInvalid) && len(body) == 0 {
				t.Fatalf("an empty body is malformed, not invalid: %v", err)
			}
			return
		}
		if err := env.Validate(); err != nil {
			t.Fatalf("accepted an invalid envelope: %v", err)
		}
		if env.Kind != kind {
			t.Fatalf("accepted a %s envelope at the %s endpoint", env.Kind, kind)
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encoding an accepted envelope: %v", err)
		}
		env2, err := api.DecodeEnvelope(again, kind)
		if err != nil || env2.ID != env.ID {
			t.Fatalf("an accepted envelope does not round-trip: %v", err)
		}
	})
}
