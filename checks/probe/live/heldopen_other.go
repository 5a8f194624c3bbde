//go:build !linux

package live

import (
	"fmt"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// heldOpen is Linux only: elsewhere no check asks.
func heldOpenLive([]string) ([]probe.Holder, error) {
	return nil, fmt.Errorf("open files: %w", probe.ErrUnavailable)
}
