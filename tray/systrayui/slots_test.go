package systrayui

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/internal/artefacts"
	"github.com/sessionguard/sessionguard/tray"
)

func checkItem(id, label string, clickable bool) tray.Item {
	it := tray.Item{Key: tray.KeyCheckPrefix + id, Label: label}
	if clickable {
		it.Enabled, it.Click = true, tray.ClickCheck{ID: id}
	}
	return it
}

var (
	sep     = tray.Item{Separator: true}
	overall = tray.Item{Key: tray.KeyOverall, Label: "Not ready for a session"}
	again   = tray.Item{Key: tray.KeyCheckAgain, Label: tray.LabelCheckAgain, Enabled: true, Click: tray.ClickCheckAgain{}}
	start   = tray.Item{Key: tray.KeyStartEnd, Label: tray.LabelStart, Enabled: true, Click: tray.ClickStartSession{}}
	end     = tray.Item{Key: tray.KeyStartEnd, Label: tray.LabelEnd, Enabled: true, Click: tray.ClickEndSession{}}
	quit    = tray.Item{Key: tray.KeyQuit, Label: tray.LabelQuit, Enabled: true, Click: tray.ClickQuit{}}
)

func view(items ...tray.Item) tray.MenuView {
	return tray.MenuView{Icon: localapi.Red, Tooltip: "SessionGuard: x", Items: items}
}

// shown lists the visible slots' labels, with "---" where a separator is
// drawn between visible items: what a panel shows.
func shown(f Frame) []string {
	var out []string
	for i, s := range f.Slots {
		if slices.Contains(SepBefore, i) {
			out = append(out, "---")
		}
		if s.Visible {
			out = append(out, s.Label)
		}
	}
	return out
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    tray.MenuView
		want []string
	}{
		{
			name: "agent down: no check lines, separators never meet",
			v:    view(tray.Item{Key: tray.KeyOverall, Label: tray.LabelNotRunning}, tray.Item{Key: tray.KeyNotice, Label: tray.LabelNotRunningHint}, sep, again, start, sep, quit),
			want: []string{tray.LabelNotRunning, tray.LabelNotRunningHint, "---", tray.LabelCheckAgain, tray.LabelStart, "---", tray.LabelQuit},
		},
		{
			name: "session open, checks, notices",
			v: view(overall, tray.Item{Key: tray.KeySession, Label: "Session open: CR-1 since 10:00"}, tray.Item{Key: tray.KeyReadOnly, Label: tray.LabelReadOnly}, sep,
				checkItem("firewall", "✖ Firewall — off", true), checkItem("disk", "✔ Disk — on", false), sep, again, end,
				tray.Item{Key: tray.KeyDashboard, Label: tray.LabelDashboard, Enabled: true, Click: tray.ClickOpenDashboard{}}, sep, quit),
			want: []string{"Not ready for a session", "Session open: CR-1 since 10:00", tray.LabelReadOnly, "✖ Firewall — off", "✔ Disk — on", "---",
				tray.LabelCheckAgain, tray.LabelEnd, tray.LabelDashboard, "---", tray.LabelQuit},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Plan(tc.v)
			if got := shown(f); !slices.Equal(got, tc.want) {
				t.Errorf("shown\n got %q\nwant %q", got, tc.want)
			}
			if f.Dropped != 0 || f.Icon != localapi.Red || f.Tooltip != "SessionGuard: x" {
				t.Errorf("dropped %d icon %q tooltip %q", f.Dropped, f.Icon, f.Tooltip)
			}
			for _, s := range f.Slots {
				if s.Enabled && s.Click == nil {
					t.Errorf("slot %q enabled without a click", s.Label)
				}
			}
		})
	}

	// More checks than slots: the rest are dropped and counted.
	var items []tray.Item
	for i := range MaxChecks + 3 {
		items = append(items, checkItem(fmt.Sprint("c", i), fmt.Sprint("check ", i), false))
	}
	f := Plan(view(append(items, quit)...))
	if f.Dropped != 3 || !f.Slots[checkBase+MaxChecks-1].Visible {
		t.Errorf("dropped %d, want 3; last check slot visible %v", f.Dropped, f.Slots[checkBase+MaxChecks-1].Visible)
	}
	if got := Plan(tray.MenuView{}).Icon; got != localapi.Grey {
		t.Errorf("no icon planned as %q, want grey", got)
	}
}

// apply plays changes onto a simulated item set, as the systray calls do.
func apply(items []Slot, f Frame, changes []Change) {
	for _, c := range changes {
		s := f.Slots[c.Slot]
		it := &items[c.Slot]
		if c.SetLabel {
			it.Label = s.Label
		}
		if c.SetTooltip {
			it.Tooltip = s.Tooltip
		}
		if c.Enable {
			it.Enabled = true
		}
		if c.Disable {
			it.Enabled = false
		}
		if c.Show {
			it.Visible = true
		}
		if c.Hide {
			it.Visible = false
		}
	}
}

func TestDiff(t *testing.T) {
	frames := []tray.MenuView{
		view(quit),
		view(overall, sep, checkItem("firewall", "✖ Firewall — off", true), sep, again, start, sep, quit),
		view(overall, tray.Item{Key: tray.KeySession, Label: "Session open"}, sep, checkItem("firewall", "✔ Firewall — on", false), sep, again, end, sep, quit),
		view(tray.Item{Key: tray.KeyOverall, Label: tray.LabelNotRunning}, sep, tray.Item{Key: tray.KeyCheckAgain, Label: tray.LabelCheckAgain}, tray.Item{Key: tray.KeyStartEnd, Label: tray.LabelStart}, sep, quit),
		view(overall, sep, checkItem("firewall", "✖ Firewall — off", true), sep, again, start, sep, quit),
	}
	// The simulated items start as systray creates them.
	items := slices.Clone(Initial())
	applied := Initial()
	for i, v := range frames {
		f := Plan(v)
		changes, after := Diff(applied, f)
		apply(items, f, changes)
		applied = after
		for j, s := range f.Slots {
			it := items[j]
			if it.Visible != s.Visible || (s.Visible && (it.Label != s.Label || it.Tooltip != s.Tooltip || it.Enabled != s.Enabled)) {
				t.Fatalf("frame %d slot %d: items show %+v, want %+v", i, j, it, s)
			}
		}
		// Applying the same frame again changes nothing.
		if again, _ := Diff(applied, f); len(again) != 0 {
			t.Errorf("frame %d: %d changes on a repeat, want none", i, len(again))
		}
	}
	// A label change on one line touches that one item only.
	f1 := Plan(frames[1])
	_, st := Diff(Initial(), f1)
	f2 := Plan(view(overall, sep, checkItem("firewall", "✖ Firewall — still off", true), sep, again, start, sep, quit))
	changes, _ := Diff(st, f2)
	if len(changes) != 1 || !changes[0].SetLabel || changes[0].Slot != checkBase {
		t.Errorf("changes %+v, want one label change on the first check slot", changes)
	}
}

func TestIcons(t *testing.T) {
	seen := map[string]localapi.Light{}
	for _, l := range Lights {
		b := IconPNG(l)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if img.Bounds().Dx() != IconSize || img.Bounds().Dy() != IconSize {
			t.Errorf("%s: %v", l, img.Bounds())
		}
		r, g, bl, a := img.At(Swatch.X, Swatch.Y).RGBA()
		c := Colour(l)
		if uint8(r>>8) != c.R || uint8(g>>8) != c.G || uint8(bl>>8) != c.B || a != 0xffff {
			t.Errorf("%s: swatch %v, want %v", l, img.At(Swatch.X, Swatch.Y), c)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: corner not transparent", l)
		}
		if other, dup := seen[string(b)]; dup {
			t.Errorf("%s and %s icons are the same", l, other)
		}
		seen[string(b)] = l

		checkICO(t, l, IconICO(l), IconImage(l))
	}
}

// TestIconsWithoutColour: the lights differ by shape, not only by hue.
// Seen in grey (as by someone who cannot tell red from green, or on a
// monochrome panel), every two icons still differ in many pixels, and
// each has a mark in a contrasting shade inside its outline.
func TestIconsWithoutColour(t *testing.T) {
	grey := func(l localapi.Light) []float64 {
		img := IconImage(l)
		out := make([]float64, 0, IconSize*IconSize)
		for y := range IconSize {
			for x := range IconSize {
				c := img.NRGBAAt(x, y)
				// Luminance over a white panel.
				a := float64(c.A) / 255
				lum := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
				out = append(out, lum*a+255*(1-a))
			}
		}
		return out
	}
	for i, a := range Lights {
		ga := grey(a)
		body := ga[Swatch.Y*IconSize+Swatch.X]
		contrast := 0
		for _, v := range ga {
			if math.Abs(v-body) > 80 && v != 255 {
				contrast++
			}
		}
		if contrast < 40 {
			t.Errorf("%s: only %d pixels stand out from the body in grey; the mark is not readable", a, contrast)
		}
		for _, b := range Lights[i+1:] {
			gb := grey(b)
			differ := 0
			for p := range ga {
				if math.Abs(ga[p]-gb[p]) > 64 {
					differ++
				}
			}
			if differ < 80 {
				t.Errorf("%s and %s differ in %d pixels in grey, want at least 80", a, b, differ)
			}
		}
	}
}

// checkICO reads the icon back as Windows does: the directory, the bitmap
// header, the bottom-up BGRA pixels and the AND mask.
func checkICO(t *testing.T, l localapi.Light, ico []byte, want *image.NRGBA) {
	t.Helper()
	u16 := func(o int) uint16 { return binary.LittleEndian.Uint16(ico[o:]) }
	u32 := func(o int) uint32 { return binary.LittleEndian.Uint32(ico[o:]) }
	if u16(0) != 0 || u16(2) != 1 || u16(4) != 1 || ico[6] != IconSize || ico[7] != IconSize || u16(12) != 32 {
		t.Fatalf("%s: bad icon directory % x", l, ico[:22])
	}
	size, off := int(u32(14)), int(u32(18))
	if off != 22 || off+size != len(ico) {
		t.Fatalf("%s: image at %d size %d, file %d bytes", l, off, size, len(ico))
	}
	if u32(off) != 40 || int32(u32(off+4)) != IconSize || int32(u32(off+8)) != 2*IconSize || u16(off+14) != 32 {
		t.Fatalf("%s: bad bitmap header % x", l, ico[off:off+40])
	}
	pix := off + 40
	mask := pix + IconSize*IconSize*4
	for y := range IconSize {
		for x := range IconSize {
			p := ico[pix+((IconSize-1-y)*IconSize+x)*4:]
			c := want.NRGBAAt(x, y)
			if p[0] != c.B || p[1] != c.G || p[2] != c.R || p[3] != c.A {
				t.Fatalf("%s: pixel %d,%d = % x, want %v", l, x, y, p[:4], c)
			}
			transparent := ico[mask+(IconSize-1-y)*4+x/8]&(0x80>>(x%8)) != 0
			if transparent != (c.A == 0) {
				t.Fatalf("%s: mask at %d,%d = %v, alpha %d", l, x, y, transparent, c.A)
			}
		}
	}
}

func BenchmarkPlanDiff(b *testing.B) {
	var checksOn, checksOff []tray.Item
	for i := range 8 {
		checksOn = append(checksOn, checkItem(fmt.Sprint("c", i), fmt.Sprint("✔ Check ", i, " — fine"), false))
		checksOff = append(checksOff, checkItem(fmt.Sprint("c", i), fmt.Sprint("✖ Check ", i, " — off"), true))
	}
	views := []tray.MenuView{
		view(append(append([]tray.Item{overall, sep}, checksOn...), sep, again, start, sep, quit)...),
		view(append(append([]tray.Item{overall, {Key: tray.KeySession, Label: "Session open"}, sep}, checksOff...), sep, again, end, sep, quit)...),
	}
	applied := Initial()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, applied = Diff(applied, Plan(views[i%2]))
	}
}

// TestIconSheet leaves tray-icons.png, the four lights as a panel shows
// them (actual size on a light and a dark panel) and enlarged, for a person
// to look at (docs/screenshots/tray-icons.png).
func TestIconSheet(t *testing.T) {
	const scale, gap = 6, 16
	big := IconSize * scale
	w := len(Lights)*(big+gap) + gap
	h := big + 2*gap + IconSize + gap
	sheet := image.NewNRGBA(image.Rect(0, 0, w, h))
	panels := []color.NRGBA{{0xf4, 0xf4, 0xf4, 0xff}, {0x2b, 0x2b, 0x2b, 0xff}}
	over := func(c, bg color.NRGBA) color.NRGBA {
		a := float64(c.A) / 255
		mix := func(f, b uint8) uint8 { return uint8(math.Round(float64(f)*a + float64(b)*(1-a))) }
		return color.NRGBA{mix(c.R, bg.R), mix(c.G, bg.G), mix(c.B, bg.B), 0xff}
	}
	for y := range h {
		for x := range w {
			sheet.SetNRGBA(x, y, panels[0])
		}
	}
	for i, l := range Lights {
		img := IconImage(l)
		x0 := gap + i*(big+gap)
		for y := range big {
			for x := range big {
				sheet.SetNRGBA(x0+x, gap+y, over(img.NRGBAAt(x/scale, y/scale), panels[0]))
			}
		}
		// Actual size: on the light panel, then on a dark one beside it.
		for p, bg := range panels {
			px := x0 + big/2 - IconSize - 4 + p*(IconSize+8)
			for y := -4; y < IconSize+4; y++ {
				for x := -4; x < IconSize+4; x++ {
					c := bg
					if x >= 0 && y >= 0 && x < IconSize && y < IconSize {
						c = over(img.NRGBAAt(x, y), bg)
					}
					sheet.SetNRGBA(px+x, big+2*gap+y, c)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, sheet); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(artefacts.Dir(t), "tray-icons.png")
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the four lights: %s", out)
}

// BenchmarkIconPNG draws and encodes one light (the tray does it once per
// light at start).
func BenchmarkIconPNG(b *testing.B) {
	for b.Loop() {
		_ = IconPNG(localapi.Grey)
	}
}
