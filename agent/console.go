package agent

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// The console tags of no one at the screen and of a screen that could not
// be read.
const (
	consoleNone    = "none"
	consoleUnknown = "unknown"
)

// consoleTagger tells one person at the screen from another without
// naming them. The checks read the per-user settings of whoever is signed
// in at the screen, so results taken for one person say nothing about the
// next (fast user switching): each run records the tag of the person it
// checked, and the tick compares it with the person there now.
type consoleTagger struct {
	// key is made afresh by each agent and never saved or shown, so a
	// tag cannot be turned back into the account it stands for.
	key []byte
}

func newConsoleTagger() consoleTagger {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return consoleTagger{key: key}
}

// tag is who is at the screen of p, as an opaque tag: an HMAC of the
// account's id (the uid, the SID on Windows), or consoleNone or
// consoleUnknown. It asks the probe the way the checks do
// (probe.ConsolePresence).
func (c consoleTagger) tag(p probe.Probe) string {
	u, presence, err := probe.ConsolePresence(p)
	switch {
	case err != nil || presence == probe.ConsoleUnknown:
		return consoleUnknown
	case presence == probe.ConsoleNone:
		return consoleNone
	}
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte(u.UID))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
