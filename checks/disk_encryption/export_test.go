package diskencryption

// The package exports only ID and Check; these are the internals its
// external tests (package diskencryption_test) use.

var (
	Collect          = collect
	Evaluate         = evaluate
	ParseBlkidExport = parseBlkidExport
	ParseIsLuks      = parseIsLuks
	ParseLuksDump    = parseLuksDump
	ScrubLuksDump    = scrubLuksDump
)
