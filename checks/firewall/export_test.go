package firewall

// Names the external tests use.

type Facts = facts

type InputChain = inputChain

type LinuxFacts = linuxFacts

type Source = source

const (
	StateRead = stateRead
)

var (
	Collect  = collect
	Evaluate = evaluate
)
