package store

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

// RequiredChecks are the checks a stored team policy requires, laid over
// the default as the agents apply it (all.ParseServerPolicy), in ID
// order; a required check this server does not know stays required. A
// policy that cannot be read (it was validated when saved) requires what
// the default does and every check it names required, so it never
// requires less than it says.
func RequiredChecks(policy json.RawMessage) []string {
	pol := all.DefaultPolicy()
	if trimmed := bytes.TrimSpace(policy); len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		parsed, _, err := all.ParseServerPolicy(bytes.NewReader(policy))
		if err == nil {
			pol = parsed
		} else {
			var named struct {
				Checks map[string]checks.CheckPolicy `json:"checks"`
			}
			_ = json.Unmarshal(policy, &named) // what can be read of it
			for id, c := range named.Checks {
				if c.Required {
					pol.Checks[id] = c
				}
			}
		}
	}
	required := slices.Clone(pol.Uncheckable)
	for id, c := range pol.Checks {
		if c.Required {
			required = append(required, id)
		}
	}
	slices.Sort(required)
	return slices.Compact(required)
}

// requiredByTeam maps each team's ID to the checks its policy requires.
func requiredByTeam(teams ...Team) map[string][]string {
	out := make(map[string][]string, len(teams))
	for _, t := range teams {
		out[t.ID] = RequiredChecks(t.Policy)
	}
	return out
}
