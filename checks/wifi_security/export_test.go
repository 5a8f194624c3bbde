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
