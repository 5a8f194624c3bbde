package captureinuse

// The package exports only ID and Check; these are the internals its
// external tests (package captureinuse_test) use.

const (
	StateNone     = stateNone
	ViaPipeWire   = viaPipeWire
	ViaPulseAudio = viaPulseAudio
)

var (
	CallAppsSetting = callAppsSetting
	Collect         = collect
	Evaluate        = evaluate
)
