package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// DefaultTimeout bounds one check when the policy sets none.
const DefaultTimeout = 10 * time.Second

// Select returns the checks whose ids are listed, in registry order; an
// empty list selects all. An id that is not registered is an error.
func Select(all []Check, ids []string) ([]Check, error) {
	if len(ids) == 0 {
		return all, nil
	}
	known := make(map[string]bool, len(all))
	for _, c := range all {
		known[c.ID()] = true
	}
	for _, id := range ids {
		if !known[id] {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownCheck, id, joinIDs(all))
		}
	}
	var out []Check
	for _, c := range all {
		if slices.Contains(ids, c.ID()) {
			out = append(out, c)
		}
	}
	return out, nil
}

func joinIDs(all []Check) string {
	s := ""
	for i, c := range all {
		if i > 0 {
			s += ", "
		}
		s += c.ID()
	}
	return s
}

// Run runs the checks concurrently against p, each bounded by the policy's
// per-check timeout, and returns the report with results in the order of
// checks, then one unknown result for each check the policy requires that
// this agent does not have (Policy.Uncheckable). A check that does not
// finish in time is reported unknown; its context is cancelled so the
// commands it started are killed.
func Run(ctx context.Context, p probe.Probe, pol Policy, list []Check) Report {
	start := time.Now()
	timeout := pol.CheckTimeout()
	results := make([]Result, len(list))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runOne(ctx, p, pol, c, timeout)
		}()
	}
	wg.Wait()
	results = append(results, uncheckableResults(pol, list)...)
	return Report{
		Schema:     ReportSchema,
		Host:       probe.HostOf(p),
		Ready:      ReadyOf(results),
		StartedAt:  p.Now().UTC().Truncate(time.Millisecond),
		DurationMS: time.Since(start).Milliseconds(),
		Results:    results,
	}
}

func runOne(ctx context.Context, p probe.Probe, pol Policy, c Check, timeout time.Duration) (res Result) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- unknownResult(c, pol, fmt.Sprintf("check crashed: %v", v))
			}
		}()
		done <- c.Run(ctx, p, pol)
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return unknownResult(c, pol, fmt.Sprintf("timed out after %s", timeout))
	}
}

func unknownResult(c Check, pol Policy, reason string) Result {
	return Result{
		ID: c.ID(), Title: c.Title(), Status: Unknown, Required: pol.Required(c.ID()),
		Summary: "Could not check " + lowerFirst(c.Title()) + ".",
		Fix:     GenericUnknownFix, Reason: reason, Facts: []byte(`{}`),
	}
}

// uncheckableResults are the results of the checks pol requires that this
// agent does not have: unknown and required, since nothing here can show
// that they pass, with the practitioner told to update SessionGuard.
func uncheckableResults(pol Policy, list []Check) []Result {
	var out []Result
	for _, id := range pol.Uncheckable {
		if !pol.Required(id) || slices.ContainsFunc(list, func(c Check) bool { return c.ID() == id }) {
			continue
		}
		out = append(out, Result{
			ID: id, Title: id, Status: Unknown, Required: true,
			Summary: "This computer's SessionGuard cannot check " + id + " yet: update SessionGuard.",
			Fix:     UncheckableFix,
			Reason:  "your organisation's policy requires the check " + id + ", which this version of SessionGuard does not have",
			Facts:   json.RawMessage(`{}`),
		})
	}
	return out
}

// UncheckableFix is shown for a check the organisation's policy requires
// that this version of SessionGuard does not have.
const UncheckableFix = "Your organisation's policy requires a check this version of SessionGuard does not have. Install the latest SessionGuard (or ask your IT support to update it), then check again."
