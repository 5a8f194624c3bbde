package firewall

// The package exports only ID and Check; these are the internals its
// external tests (package firewall_test) use.

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
