package voiceassistants

// Names the external tests use.

const (
	WyomingSatellite = wyomingSatellite
)

var (
	Collect  = collect
	Evaluate = evaluate
)
