// Package rejudge judges a stored check result again with this server's
// rules: the check's own pure evaluation run on the facts the agent sent,
// under the team's policy.
//
// The server stores each result's status as the agent reported it. An
// agent older than the server may have passed facts that the server's
// newer rules cannot pass (a Windows agent built before the firewall check
// read excluded adapters reports pass with facts that cannot show them).
// The dashboard and the results export show the stored status and, where
// the server's judgement differs, the server's beside it; neither replaces
// the other, and readiness is not judged here.
//
// A stored unknown is never judged again: its facts may be the part
// collected before reading failed, and the server cannot tell more from
// them than the agent did. Results without facts, of checks this server
// does not know, or whose facts do not decode are not judged either.
package rejudge

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
)

// Judgement is the server's own verdict on stored facts.
type Judgement struct {
	Status  checks.Status
	Summary string
	Fix     string
}

// Judge judges stored results again, remembering each verdict by (policy
// key, check ID, facts hash) so a list or export of many devices evaluates
// each distinct set of facts once. Not safe for concurrent use; make one
// per page or export.
type Judge struct {
	checks map[string]checks.Reevaluator
	memo   map[memoKey]memoEntry
}

type memoKey struct {
	policy, check string
	facts         [sha256.Size]byte
}

type memoEntry struct {
	j  Judgement
	ok bool
}

// memoLimit bounds the memory a long export spends on remembered verdicts:
// the memo is emptied when it reaches this many.
const memoLimit = 4096

// New returns a Judge with this server's checks.
func New() *Judge {
	j := &Judge{checks: map[string]checks.Reevaluator{}, memo: map[memoKey]memoEntry{}}
	for _, ch := range all.Checks() {
		if re, ok := ch.(checks.Reevaluator); ok {
			j.checks[ch.ID()] = re
		}
	}
	return j
}

// Differs judges a stored result's facts with this server's rules under
// pol, and returns the server's judgement when its status differs from the
// stored one (ok false when they agree or the server cannot judge).
// policyKey names pol (the team's ID): results judged under the same key
// must be judged under the same policy.
func (j *Judge) Differs(policyKey, checkID string, stored checks.Status, facts json.RawMessage, pol checks.Policy) (Judgement, bool) {
	if stored == checks.Unknown || len(facts) == 0 {
		return Judgement{}, false
	}
	re, ok := j.checks[checkID]
	if !ok {
		return Judgement{}, false
	}
	key := memoKey{policy: policyKey, check: checkID, facts: sha256.Sum256(facts)}
	e, seen := j.memo[key]
	if !seen {
		e = judge(re, facts, pol)
		if len(j.memo) >= memoLimit {
			clear(j.memo)
		}
		j.memo[key] = e
	}
	if !e.ok || e.j.Status == stored {
		return Judgement{}, false
	}
	return e.j, true
}

// judge evaluates facts; an evaluator that panics on odd stored facts
// gives no judgement.
func judge(re checks.Reevaluator, facts json.RawMessage, pol checks.Policy) (e memoEntry) {
	defer func() {
		if recover() != nil {
			e = memoEntry{}
		}
	}()
	res, err := re.Reevaluate(facts, pol)
	if err != nil || !res.Status.Valid() {
		return memoEntry{}
	}
	j := Judgement{Status: res.Status, Summary: res.Summary, Fix: res.Fix}
	if j.Status == checks.Unknown && j.Fix == "" {
		j.Fix = re.FixWhenUnknown()
	}
	return memoEntry{j: j, ok: true}
}

// TeamPolicy is a team's policy as its agents apply it (laid over the
// default), or the default when it cannot be read.
func TeamPolicy(t store.Team) checks.Policy {
	if len(t.Policy) == 0 {
		return all.DefaultPolicy()
	}
	pol, err := all.ParsePolicy(bytes.NewReader(t.Policy))
	if err != nil {
		return all.DefaultPolicy()
	}
	return pol
}
