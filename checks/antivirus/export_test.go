package antivirus

// Names the external tests use.

type DefenderStatus = defenderStatus

type Facts = facts

type WSCProduct = wscProduct

type WindowsFacts = windowsFacts

var (
	Collect  = collect
	Evaluate = evaluate
)
