package live

import "github.com/sessionguard/sessionguard/checks/probe"

// HeldOpen implements probe.HolderLister (Linux; elsewhere not available).
func (l *Live) HeldOpen(paths []string) ([]probe.Holder, error) {
	return heldOpenLive(paths)
}
