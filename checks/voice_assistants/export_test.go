package voiceassistants

// The package exports only ID and Check; these are the internals its
// external tests (package voiceassistants_test) use.

const (
	WyomingSatellite = wyomingSatellite
)

var (
	Collect  = collect
	Evaluate = evaluate
)
