package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sessionguard/sessionguard/report"
)

// A check run's results are stored with the run, in check_runs.results,
// as one JSON array sorted by check ID:
//
//	[{"id":"antivirus","status":"pass","required":true,"summary":"…","reason":"","facts":{…}}, …]
//
// ("facts" left out when the agent sent none). One row a run instead of one
// a result: at 100k devices every report touched a random page of the
// results table and of its indexes, and each such page is a WAL frame
// written and later checkpointed. Readers expand the array in Go
// (decodeResults); the check_results view (migration 00005) expands it in
// SQL for ad-hoc queries and the tests.

// encodeResults is the check_runs.results text of a run's results. The
// facts are copied as sent (they must be JSON); the same check ID twice is
// refused, as the results table's key did. It writes report.CheckResult's
// fields by hand (encoding/json re-validates and compacts the facts,
// which ingest cannot afford); TestStoredResultsRoundTrip fails when a
// field is added to report.CheckResult and not here. "reason" is always
// written, so the check_results view reads an empty reason rather than NULL.
func encodeResults(results []report.CheckResult) (string, error) {
	// The results in check ID order, as positions in results: sorting
	// the results themselves took a copy of them (some 100 bytes each),
	// this an array on the stack for any run the API takes.
	var small [maxSortedOnStack]int
	order := small[:0]
	if len(results) > maxSortedOnStack {
		order = make([]int, 0, len(results))
	}
	for i := range results {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(results[a].ID, results[b].ID) })
	// Sized for the whole text (field names, quotes and punctuation are 80
	// bytes a result), so it is not copied as it grows: a 3 KB run's
	// results cost 10 KiB of allocations when this began at 1 KiB.
	size := 2
	for _, r := range results {
		size += 96 + len(r.ID) + len(r.Status) + len(r.Summary) + len(r.Reason) + len(r.Facts)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, k := range order {
		r := results[k]
		if i > 0 {
			if results[order[i-1]].ID == r.ID {
				return "", fmt.Errorf("%w: check %q has two results in one run", ErrInvalid, r.ID)
			}
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendJSONString(b, r.ID)
		b = append(b, `,"status":`...)
		b = appendJSONString(b, string(r.Status))
		b = append(b, `,"required":`...)
		b = strconv.AppendBool(b, r.Required)
		b = append(b, `,"summary":`...)
		b = appendJSONString(b, r.Summary)
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, r.Reason)
		if len(r.Facts) > 0 {
			if !factsValid(r.Facts) {
				return "", fmt.Errorf("%w: the facts of check %q are not JSON", ErrInvalid, r.ID)
			}
			b = append(b, `,"facts":`...)
			b = append(b, r.Facts...)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	// The text is b's bytes, not a copy of them (as strings.Builder
	// does): b is not written to again.
	return unsafe.String(unsafe.SliceData(b), len(b)), nil //nolint:gosec // b is complete and never written again, as the comment above says
}

// maxSortedOnStack is how many results encodeResults orders without
// allocating: as many as the API takes in one run.
const maxSortedOnStack = 64

// factsValid reports whether facts is one JSON value, as json.Valid does
// (duplicate names and invalid UTF-8 inside strings are let through, as
// there) but with jsontext's decoder: about three times faster, and this
// runs for every result of every report (json.Valid was 4% of the
// server's CPU under sgload, when runs were still prepared on the single
// ingest writer; the API now prepares them on each request, PrepareRun).
// TestFactsValidAsJSONValid holds the two to the same answers.
func factsValid(facts []byte) bool {
	return jsontext.Value(facts).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s) // invalid bytes become U+FFFD; a string never fails
		return append(b, q...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeResults expands a run's stored results (text NULL: none).
func decodeResults(runID, deviceID string, startedAt int64, text string, fn func(Result)) error {
	if text == "" {
		return nil
	}
	var stored []report.CheckResult
	if err := json.Unmarshal([]byte(text), &stored); err != nil {
		return fmt.Errorf("check run %s: stored results are damaged: %w", runID, err)
	}
	at := fromMicros(startedAt)
	for _, r := range stored {
		fn(Result{CheckResult: r, RunID: runID, DeviceID: deviceID, At: at})
	}
	return nil
}

// jsonArrayLength is the SQL that counts the elements of a JSON array in a
// text column.
func (s *sqlStore) jsonArrayLength(col string) string {
	if s.d.name == "postgres" {
		return `json_array_length(CAST(` + col + ` AS json))`
	}
	return `json_array_length(` + col + `)`
}
