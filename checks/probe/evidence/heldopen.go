package evidence

import (
	"fmt"
	"slices"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// HeldOpenScan is one answer to probe.HeldOpen, as DIR/held_open.json
// keeps it: the paths asked about and who held them.
type HeldOpenScan struct {
	Paths   []string       `json:"paths"`
	Holders []probe.Holder `json:"holders"`
}

// HeldOpen records what the inner probe answers.
func (r *Recorder) HeldOpen(paths []string) ([]probe.Holder, error) {
	hs, err := probe.HeldOpen(r.inner, paths)
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
func (r *Replay) HeldOpen(paths []string) ([]probe.Holder, error) {
	if r.denied["held_open"] {
		err := fmt.Errorf("open files: %w", probe.ErrAccessDenied)
		if r.heldOpen == nil {
			return nil, err
		}
		return r.heldOpen.holdersOf(paths), err
	}
	if r.heldOpen == nil {
		return nil, fmt.Errorf("open files: %w", probe.ErrUnavailable)
	}
	for _, p := range paths {
		if !slices.Contains(r.heldOpen.Paths, p) {
			return nil, fmt.Errorf("open files of %s (not recorded): %w", p, probe.ErrUnavailable)
		}
	}
	return r.heldOpen.holdersOf(paths), nil
}

func (s *HeldOpenScan) holdersOf(paths []string) []probe.Holder {
	out := []probe.Holder{}
	for _, h := range s.Holders {
		if slices.Contains(paths, h.Path) {
			out = append(out, h)
		}
	}
	return out
}
