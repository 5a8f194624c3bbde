package probe

import (
	"fmt"
	"slices"
)

// Holder is a process that holds a device file open: its id and the
// device's path, nothing else (the process list names the program).
type Holder struct {
	PID  int32  `json:"pid"`
	Path string `json:"path"`
}

// HeldOpenScan is one answer to HeldOpen, as DIR/held_open.json keeps
// it: the paths asked about and who held them.
type HeldOpenScan struct {
	Paths   []string `json:"paths"`
	Holders []Holder `json:"holders"`
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

// HeldOpen implements HolderLister.
func (l *Live) HeldOpen(paths []string) ([]Holder, error) {
	return heldOpenLive(paths)
}

// HeldOpen records what the inner probe answers.
func (r *Recorder) HeldOpen(paths []string) ([]Holder, error) {
	hs, err := HeldOpen(r.inner, paths)
	if err != nil {
		r.deny(err, Denied{Kind: "held_open"})
		if hs == nil {
			return hs, err
		}
	}
	r.mu.Lock()
	r.heldOpen = &HeldOpenScan{Paths: slices.Clone(paths), Holders: slices.Clone(hs)}
	r.mu.Unlock()
	return hs, err
}

// HeldOpen answers from held_open.json: the holders of the paths asked
// about, when the bundle asked about all of them.
func (r *Replay) HeldOpen(paths []string) ([]Holder, error) {
	if r.denied["held_open"] {
		err := fmt.Errorf("open files: %w", ErrAccessDenied)
		if r.heldOpen == nil {
			return nil, err
		}
		return r.heldOpen.holdersOf(paths), err
	}
	if r.heldOpen == nil {
		return nil, fmt.Errorf("open files: %w", ErrUnavailable)
	}
	for _, p := range paths {
		if !slices.Contains(r.heldOpen.Paths, p) {
			return nil, fmt.Errorf("open files of %s (not recorded): %w", p, ErrUnavailable)
		}
	}
	return r.heldOpen.holdersOf(paths), nil
}

func (s *HeldOpenScan) holdersOf(paths []string) []Holder {
	out := []Holder{}
	for _, h := range s.Holders {
		if slices.Contains(paths, h.Path) {
			out = append(out, h)
		}
	}
	return out
}
