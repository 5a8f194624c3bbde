package all

import (
	"io"

	"github.com/sessionguard/sessionguard/checks"
)

// Catalogue is every registered check with what follows from their
// declarations: the known ids, the default policy, its validation, the
// Cyber Essentials controls and the policy reference.
func Catalogue() checks.Catalogue { return checks.Catalogue(Checks()) }

// DefaultPolicy is the built-in policy.
func DefaultPolicy() checks.Policy { return Catalogue().Default() }

// ParsePolicy reads a JSON policy and lays it over the default (see
// checks.Catalogue.ParsePolicy).
func ParsePolicy(r io.Reader) (checks.Policy, error) { return Catalogue().ParsePolicy(r) }

// ParseTeamPolicy reads a policy the server is to store for a team: as
// ParsePolicy, and with every cookie site one agents can clear by (see
// checks.Policy.ClearableSites).
func ParseTeamPolicy(r io.Reader) (checks.Policy, error) {
	pol, err := ParsePolicy(r)
	if err == nil {
		err = pol.ClearableSites()
	}
	return pol, err
}

// ParseServerPolicy reads a policy the server sent: a newer server's
// settings and optional checks that this agent does not have are left
// out, its required ones kept to be reported unknown (see
// checks.Catalogue.ParseServerPolicy).
func ParseServerPolicy(r io.Reader) (checks.Policy, []string, error) {
	return Catalogue().ParseServerPolicy(r)
}

// LoadPolicy reads a policy file (see checks.Catalogue.LoadPolicy).
func LoadPolicy(path string) (checks.Policy, error) { return Catalogue().LoadPolicy(path) }

// Controls are the Cyber Essentials controls a check evidences, main
// control first; nil for an unknown id.
func Controls(id string) []string { return Catalogue().Controls(id) }
