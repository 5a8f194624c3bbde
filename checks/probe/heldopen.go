package probe

import "fmt"

// Holder is a process that holds a device file open: its id and the
// device's path, nothing else (the process list names the program).
type Holder struct {
	PID  int32  `json:"pid"`
	Path string `json:"path"`
}

// HolderLister is implemented by probes that can tell which processes hold
// files open (Linux: the /proc/PID/fd links). It is an optional part of a
// probe: ask through HeldOpen.
type HolderLister interface {
	// HeldOpen lists the processes holding any of paths open. It reads
	// every process it may: when some could not be read (another user's,
	// without root), it returns what it found with an error wrapping
	// ErrAccessDenied.
	HeldOpen(paths []string) ([]Holder, error)
}

// HeldOpen asks p which processes hold any of paths open; ErrUnavailable
// when p cannot tell.
func HeldOpen(p Probe, paths []string) ([]Holder, error) {
	if h, ok := p.(HolderLister); ok {
		return h.HeldOpen(paths)
	}
	return nil, fmt.Errorf("open files: %w", ErrUnavailable)
}
