package wifisecurity

// The package exports only ID and Check; these are the internals its
// external tests (package wifisecurity_test) use.

type Connection = connection

type Facts = facts

const (
	NmcliFields    = nmcliFields
	SecWPA2        = secWPA2
	StateConnected = stateConnected
)

var (
	Collect  = collect
	Evaluate = evaluate
)

// IwScanDumpProblem parses iw dev <if> scan dump and says whether the
// cache was read and, when not, what iw said.
func IwScanDumpProblem(stdout, stderr []byte, exit int) (recognised bool, problem string) {
	s := parseIwScanDump(stdout, stderr, exit)
	return s.Recognised, s.Problem
}
