//go:build !linux

package probe

import "fmt"

// heldOpen is Linux only: elsewhere no check asks.
func heldOpenLive([]string) ([]Holder, error) {
	return nil, fmt.Errorf("open files: %w", ErrUnavailable)
}
