package antivirus

// The package exports only ID and Check; these are the internals its
// external tests (package antivirus_test) use.

type DefenderStatus = defenderStatus

type Facts = facts

type WSCProduct = wscProduct

type WindowsFacts = windowsFacts

var (
	Collect  = collect
	Evaluate = evaluate
)
