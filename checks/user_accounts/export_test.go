package useraccounts

// Names the external tests use.

var (
	Collect  = collectHost
	Evaluate = evaluate
)
