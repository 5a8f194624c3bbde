package smartspeakers

// Names the external tests use.

type Facts = facts

const (
	BrowseBudget      = browseBudget
	KindGoogleSpeaker = kindGoogleSpeaker
)

var (
	Services = services
)

var (
	Collect  = collect
	Evaluate = evaluate
)
