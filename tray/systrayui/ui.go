//go:build !darwin || cgo

// Package systrayui is the tray's only user of fyne.io/systray: it shows a
// tray.MenuView as the tray icon (a green, amber, red or grey light), its
// tooltip and its menu, and turns clicks on the menu back into tray Msgs.
//
// A systray menu can only grow, so the adapter creates a fixed set of items
// once (see Plan) and afterwards only relabels, enables, disables, shows and
// hides them (see Diff); both are pure and tested without a display.
//
// On Linux the menu is exported over D-Bus as a StatusNotifierItem with a
// com.canonical.dbusmenu menu (pure Go, no cgo); a desktop without a
// StatusNotifierWatcher on the session bus shows nothing, which HostPresent
// detects beforehand. macOS needs cgo (AppKit); Windows uses the
// notification area through the Win32 API.
package systrayui

import (
	"log/slog"
	"runtime"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/tray"
)

// Available reports whether this build can show a tray icon (macOS needs
// cgo; see ui_nocgo.go).
const Available = true

// UI is the systray adapter. Create it with New, pass it to the app as its
// UI and call Run from the main goroutine.
type UI struct {
	send   func(tray.Msg)
	logger *slog.Logger

	mu      sync.Mutex
	ready   bool
	items   []*systray.MenuItem
	applied Applied
	icon    localapi.Light
	tooltip string
	pending *tray.MenuView // rendered before the items existed
	icons   map[localapi.Light][]byte
	// quitting is set by Quit: systray panics on a property set after its
	// D-Bus connection closed, so nothing is set from then on.
	quitting bool
}

// New returns the adapter; send receives the Msg of every click.
func New(send func(tray.Msg), logger *slog.Logger) *UI {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	u := &UI{send: send, logger: logger, icons: map[localapi.Light][]byte{}}
	for _, l := range Lights {
		if runtime.GOOS == "windows" {
			u.icons[l] = IconICO(l)
		} else {
			u.icons[l] = IconPNG(l)
		}
	}
	return u
}

// Run shows the icon and blocks until Quit. onReady runs once the menu
// exists (the app is started from there).
func (u *UI) Run(onReady func()) {
	systray.Run(func() {
		u.build()
		if onReady != nil {
			onReady()
		}
	}, nil)
}

// Quit removes the icon and makes Run return.
func (u *UI) Quit() {
	u.mu.Lock()
	u.quitting = true
	u.mu.Unlock()
	systray.Quit()
}

// build creates every slot's item, hidden, and the two separators.
func (u *UI) build() {
	systray.SetTitle("SessionGuard")
	systray.SetIcon(u.icons[localapi.Grey])
	systray.SetTooltip("SessionGuard")
	items := make([]*systray.MenuItem, NumSlots)
	sep := 0
	for i := range items {
		if sep < len(SepBefore) && SepBefore[sep] == i {
			systray.AddSeparator()
			sep++
		}
		items[i] = systray.AddMenuItem("", "")
	}
	u.mu.Lock()
	u.items, u.applied, u.ready = items, Initial(), true
	u.icon = localapi.Grey
	pending := u.pending
	u.pending = nil
	u.mu.Unlock()
	for i, it := range items {
		go u.forward(i, it)
	}
	go u.reassertIcon()
	if pending != nil {
		u.Render(*pending)
	} else {
		u.Render(tray.MenuView{Icon: localapi.Grey, Tooltip: "SessionGuard", Items: []tray.Item{{Key: tray.KeyQuit, Label: tray.LabelQuit, Enabled: true, Click: tray.ClickQuit{}}}})
	}
}

// reassertIcon sets the icon and tooltip shown now again a few times
// while the tray registers. fyne.io/systray runs onReady (build) while it
// is still exporting the item: the properties it exports are a snapshot of
// the icon taken before, and a SetIcon made between that snapshot and the
// export being kept is stored but never published — the tray then showed
// grey while its menu said red (1 run in 14 of the D-Bus acceptance test).
func (u *UI) reassertIcon() {
	for _, wait := range []time.Duration{200 * time.Millisecond, time.Second, 5 * time.Second} {
		time.Sleep(wait)
		u.mu.Lock()
		if u.quitting {
			u.mu.Unlock()
			return
		}
		systray.SetIcon(u.icons[u.icon])
		if u.tooltip != "" {
			systray.SetTooltip(u.tooltip)
		}
		u.mu.Unlock()
	}
}

// forward turns clicks on item i into the Msg its slot holds now. systray
// drops a click nobody is waiting for, so each item has a reader.
func (u *UI) forward(i int, it *systray.MenuItem) {
	for range it.ClickedCh {
		u.mu.Lock()
		var msg tray.Msg
		if i < len(u.applied) && u.applied[i].Visible && u.applied[i].Enabled {
			msg = u.applied[i].Click
		}
		u.mu.Unlock()
		if msg != nil {
			u.send(msg)
		}
	}
}

// Render shows v, changing only what differs from what is shown.
func (u *UI) Render(v tray.MenuView) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.quitting {
		return
	}
	if !u.ready {
		u.pending = &v
		return
	}
	f := Plan(v)
	if f.Dropped > 0 {
		u.logger.Warn("tray_menu_items_dropped", "count", f.Dropped)
	}
	if f.Icon != u.icon {
		systray.SetIcon(u.icons[f.Icon])
		u.icon = f.Icon
	}
	if f.Tooltip != u.tooltip {
		systray.SetTooltip(f.Tooltip)
		u.tooltip = f.Tooltip
	}
	changes, after := Diff(u.applied, f)
	for _, c := range changes {
		it, s := u.items[c.Slot], f.Slots[c.Slot]
		if c.SetLabel {
			it.SetTitle(s.Label)
		}
		if c.SetTooltip {
			it.SetTooltip(s.Tooltip)
		}
		if c.Enable {
			it.Enable()
		}
		if c.Disable {
			it.Disable()
		}
		if c.Show {
			it.Show()
		}
		if c.Hide {
			it.Hide()
		}
	}
	u.applied = after
}
