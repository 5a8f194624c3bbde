package useraccounts

// The package exports only ID and Check; these are the internals its
// external tests (package useraccounts_test) use.

var (
	Collect  = collectHost
	Evaluate = evaluate
)
