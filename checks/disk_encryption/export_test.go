package diskencryption

// Names the external tests use.

var (
	Collect          = collect
	Evaluate         = evaluate
	ParseBlkidExport = parseBlkidExport
	ParseIsLuks      = parseIsLuks
	ParseLuksDump    = parseLuksDump
)
