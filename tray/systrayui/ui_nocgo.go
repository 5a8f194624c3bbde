//go:build darwin && !cgo

package systrayui

import (
	"log/slog"

	"github.com/sessionguard/sessionguard/tray"
)

// Available is false: fyne.io/systray needs cgo (AppKit) on macOS, and this
// build has none. The tray then runs with notifications only; build the
// macOS tray on a Mac with CGO_ENABLED=1.
const Available = false

// UI is a stand-in without an icon.
type UI struct{}

// New returns the stand-in.
func New(func(tray.Msg), *slog.Logger) *UI { return &UI{} }

// Run calls onReady and returns: there is no event loop to run.
func (u *UI) Run(onReady func()) {
	if onReady != nil {
		onReady()
	}
}

// Quit does nothing.
func (u *UI) Quit() {}

// Render does nothing.
func (u *UI) Render(tray.MenuView) {}
