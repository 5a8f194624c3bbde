package captureinuse

// Names the external tests use.

const (
	StateNone     = stateNone
	ViaPipeWire   = viaPipeWire
	ViaPulseAudio = viaPulseAudio
)

var (
	CallAppsSetting = callAppsSetting
)

var (
	Collect  = collect
	Evaluate = evaluate
)
