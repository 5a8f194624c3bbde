package smartspeakers

// The package exports only ID and Check; these are the internals its
// external tests (package smartspeakers_test) use.

type Facts = facts

const (
	BrowseBudget      = browseBudget
	KindGoogleSpeaker = kindGoogleSpeaker
)

var (
	Services = services
	Collect  = collect
	Evaluate = evaluate
)
