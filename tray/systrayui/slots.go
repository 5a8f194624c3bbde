package systrayui

import (
	"strings"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/tray"
)

// MaxChecks is how many check lines the menu has room for (the registry
// has 8 checks; the rest would be dropped, and logged).
const MaxChecks = 16

// The fixed slots, top to bottom. A systray menu can only append items and
// cannot hide separators, so the adapter creates every slot once, in this
// order, and shows, hides and relabels them in place. The two separators
// stand before "Check again" and before "About", which are always shown, so
// they never meet; the separator tray.Menu puts between the status lines
// and the check lines is not drawn (every check line starts with its mark).
var topKeys = []string{tray.KeyOverall, tray.KeyLastChecked, tray.KeySession, tray.KeyRevoked, tray.KeyReadOnly, tray.KeyNotice, tray.KeyCookies, tray.KeyCloseBrowsers}

var actionKeys = []string{tray.KeyCheckAgain, tray.KeyStartEnd, tray.KeyDashboard}

// NumSlots is the number of items the adapter creates.
var NumSlots = len(topKeys) + MaxChecks + len(actionKeys) + 2

// Slot indexes of the fixed keys; check line i is slot checkBase+i.
var (
	slotOf    = map[string]int{}
	checkBase = len(topKeys)
	// SepBefore are the slots a separator is drawn before.
	SepBefore = []int{len(topKeys) + MaxChecks, len(topKeys) + MaxChecks + len(actionKeys)}
)

func init() {
	for i, k := range topKeys {
		slotOf[k] = i
	}
	for i, k := range actionKeys {
		slotOf[k] = checkBase + MaxChecks + i
	}
	slotOf[tray.KeyAbout] = checkBase + MaxChecks + len(actionKeys)
	slotOf[tray.KeyQuit] = checkBase + MaxChecks + len(actionKeys) + 1
}

// Slot is what one item shows.
type Slot struct {
	Visible bool
	Enabled bool
	Label   string
	Tooltip string
	// Click is the Msg a click sends (nil: none).
	Click tray.Msg
	// Key is the MenuView item shown here ("" when hidden).
	Key string
}

// Frame is the whole tray as the adapter shows it.
type Frame struct {
	Icon    localapi.Light
	Tooltip string
	Slots   []Slot
	// Dropped counts check lines that found no slot.
	Dropped int
}

// Plan maps a MenuView onto the fixed slots. It is pure.
func Plan(v tray.MenuView) Frame {
	f := Frame{Icon: v.Icon, Tooltip: v.Tooltip, Slots: make([]Slot, NumSlots)}
	if f.Icon == "" {
		f.Icon = localapi.Grey
	}
	next := checkBase
	for _, it := range v.Items {
		if it.Separator {
			continue
		}
		i, ok := slotOf[it.Key]
		if !ok {
			if !strings.HasPrefix(it.Key, tray.KeyCheckPrefix) {
				f.Dropped++
				continue
			}
			if next >= checkBase+MaxChecks {
				f.Dropped++
				continue
			}
			i = next
			next++
		}
		f.Slots[i] = Slot{Visible: true, Enabled: it.Enabled && it.Click != nil, Label: it.Label, Tooltip: it.Tooltip, Click: it.Click, Key: it.Key}
	}
	return f
}

// Change is what to do to one item to go from one state to the next.
type Change struct {
	Slot                 int
	Show, Hide           bool
	SetLabel, SetTooltip bool
	Enable, Disable      bool
}

// Applied is the state of the items as last set: a hidden item keeps the
// label, tooltip and enabled state it had.
type Applied []Slot

// Initial is the state of freshly created items: hidden, empty, enabled
// (systray creates them enabled and shown; the first Diff hides them).
func Initial() Applied {
	a := make(Applied, NumSlots)
	for i := range a {
		a[i] = Slot{Visible: true, Enabled: true}
	}
	return a
}

// Diff lists the item changes from the applied state to next and returns
// the state after them. It is pure.
func Diff(cur Applied, next Frame) ([]Change, Applied) {
	var out []Change
	after := make(Applied, len(next.Slots))
	for i, n := range next.Slots {
		o := cur[i]
		c := Change{Slot: i}
		if n.Visible {
			c.SetLabel = n.Label != o.Label
			c.SetTooltip = n.Tooltip != o.Tooltip
			c.Enable = n.Enabled && !o.Enabled
			c.Disable = !n.Enabled && o.Enabled
			c.Show = !o.Visible
			after[i] = n
		} else {
			c.Hide = o.Visible
			after[i] = Slot{Label: o.Label, Tooltip: o.Tooltip, Enabled: o.Enabled}
		}
		if c != (Change{Slot: i}) {
			out = append(out, c)
		}
	}
	return out, after
}
