package wifisecurity

// Names the external tests use.

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
