package systrayui

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/sessionguard/sessionguard/agent/localapi"
)

// IconSize is the icon's width and height in pixels.
const IconSize = 32

// lightColours are the traffic light's colours (readable on light and dark
// panels; the grey is the agent being unreachable).
var lightColours = map[localapi.Light]color.NRGBA{
	localapi.Green: {R: 0x2e, G: 0x9e, B: 0x44, A: 0xff},
	localapi.Amber: {R: 0xf0, G: 0xa0, B: 0x20, A: 0xff},
	localapi.Red:   {R: 0xd9, G: 0x30, B: 0x25, A: 0xff},
	localapi.Grey:  {R: 0x8a, G: 0x8a, B: 0x8a, A: 0xff},
}

// Lights lists the lights in a stable order.
var Lights = []localapi.Light{localapi.Green, localapi.Amber, localapi.Red, localapi.Grey}

// Colour is the light's colour (grey for an unknown light).
func Colour(l localapi.Light) color.NRGBA {
	if c, ok := lightColours[l]; ok {
		return c
	}
	return lightColours[localapi.Grey]
}

// Each light has its own shape and mark, so that it reads without colour
// (colour-blind people, grey-scale panels): green a disc with a tick, amber
// a warning triangle with an exclamation mark, red an octagon (a stop
// sign) with a cross, grey a disc with a question mark.
type lightShape struct {
	// outline is the signed distance to the outline, positive inside.
	outline func(x, y float64) float64
	// mark is the signed distance to the mark, positive inside.
	mark      func(x, y float64) float64
	markColor color.NRGBA
}

var (
	white = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	ink   = color.NRGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
)

// Swatch is a pixel of every icon that shows the light's own colour (away
// from the mark and the rim), for tests and screenshots.
var Swatch = image.Pt(IconSize/2, IconSize-6)

func shapeOf(l localapi.Light) lightShape {
	const c = float64(IconSize) / 2
	disc := func(x, y float64) float64 { return c - 1.5 - math.Hypot(x-c, y-c) }
	switch l {
	case localapi.Green:
		return lightShape{disc, func(x, y float64) float64 {
			return 2.1 - math.Min(segment(x, y, 8.5, 16.5, 13.5, 21.5), segment(x, y, 13.5, 21.5, 23, 11))
		}, white}
	case localapi.Amber:
		return lightShape{polygon(c, 1.5, 31, 29.5, 1, 29.5), func(x, y float64) float64 {
			return math.Max(1.8-segment(x, y, c, 11.5, c, 19), 2.1-math.Hypot(x-c, y-23.5))
		}, ink}
	case localapi.Red:
		var oct []float64
		for k := range 8 {
			a := float64(k)*math.Pi/4 + math.Pi/8
			oct = append(oct, c+15.2*math.Cos(a), c+15.2*math.Sin(a))
		}
		return lightShape{polygon(oct...), func(x, y float64) float64 {
			return 2.1 - math.Min(segment(x, y, 10.5, 10.5, 21.5, 21.5), segment(x, y, 21.5, 10.5, 10.5, 21.5))
		}, white}
	}
	return lightShape{disc, func(x, y float64) float64 {
		// An arc over the top from the left round to below its centre,
		// a short stem, and a dot.
		const cx, cy, r = c, 11.5, 5.0
		a := math.Atan2(y-cy, x-cx)
		arc := math.Inf(1)
		if !(a > math.Pi/2 && a < math.Pi*0.95) {
			arc = math.Abs(math.Hypot(x-cx, y-cy) - r)
		}
		stem := segment(x, y, cx, cy+r, cx, 19)
		return math.Max(1.9-math.Min(arc, stem), 2.1-math.Hypot(x-cx, y-23.5))
	}, white}
}

// segment is the distance from (x, y) to the segment (ax, ay)–(bx, by).
func segment(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/(dx*dx+dy*dy)))
	return math.Hypot(x-ax-t*dx, y-ay-t*dy)
}

// polygon is the signed distance (positive inside, exact near the edges)
// to the convex polygon with vertices x0, y0, x1, y1, … in clockwise order
// on screen.
func polygon(v ...float64) func(x, y float64) float64 {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for i := 0; i < len(v); i += 2 {
			ax, ay, bx, by := v[i], v[i+1], v[(i+2)%len(v)], v[(i+3)%len(v)]
			l := math.Hypot(bx-ax, by-ay)
			d = math.Min(d, ((bx-ax)*(y-ay)-(by-ay)*(x-ax))/l)
		}
		return d
	}
}

// IconImage draws the light: its shape in its colour with a darker rim
// and its mark on top, anti-aliased (4×4 samples a pixel).
func IconImage(l localapi.Light) *image.NRGBA {
	c := Colour(l)
	darker := func(v uint8) uint8 { return uint8(uint16(v) * 3 / 5) }
	rim := color.NRGBA{R: darker(c.R), G: darker(c.G), B: darker(c.B), A: 0xff}
	sh := shapeOf(l)
	img := image.NewNRGBA(image.Rect(0, 0, IconSize, IconSize))
	const n = 4
	for y := range IconSize {
		for x := range IconSize {
			var r, g, b, a float64
			for sy := range n {
				for sx := range n {
					px, py := float64(x)+(float64(sx)+0.5)/n, float64(y)+(float64(sy)+0.5)/n
					d := sh.outline(px, py)
					if d <= 0 {
						continue
					}
					p := c
					switch {
					case sh.mark(px, py) > 0:
						p = sh.markColor
					case d < 2:
						p = rim
					}
					r, g, b, a = r+float64(p.R), g+float64(p.G), b+float64(p.B), a+1
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)), A: uint8(math.Round(a * 255 / (n * n)))})
		}
	}
	return img
}

// IconPNG is the light as a PNG (Linux, macOS).
func IconPNG(l localapi.Light) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, IconImage(l)); err != nil {
		panic("encoding an in-memory PNG: " + err.Error()) // cannot happen
	}
	return b.Bytes()
}

// IconICO is the light as a Windows icon: one 32×32 image stored as a
// 32-bit BGRA bitmap with its AND mask, the form every Windows version's
// LoadImage reads.
func IconICO(l localapi.Light) []byte {
	img := IconImage(l)
	const (
		dirSize   = 6 + 16
		infoSize  = 40
		maskRow   = (IconSize + 31) / 32 * 4
		pixelSize = IconSize * IconSize * 4
		maskSize  = maskRow * IconSize
		imageSize = infoSize + pixelSize + maskSize
	)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	// ICONDIR: reserved, type 1 (icon), one image.
	le([3]uint16{0, 1, 1})
	// ICONDIRENTRY: width, height, colours, reserved, planes, bit count,
	// size, offset.
	b.Write([]byte{IconSize, IconSize, 0, 0})
	le([2]uint16{1, 32})
	le([2]uint32{imageSize, dirSize})
	// BITMAPINFOHEADER; the height counts the image and its mask.
	le(struct {
		Size                 uint32
		Width, Height        int32
		Planes, BitCount     uint16
		Compression, SizeImg uint32
		XPels, YPels         int32
		Used, Important      uint32
	}{Size: infoSize, Width: IconSize, Height: 2 * IconSize, Planes: 1, BitCount: 32, SizeImg: pixelSize + maskSize})
	// Pixels bottom-up, BGRA, not premultiplied.
	for y := IconSize - 1; y >= 0; y-- {
		for x := range IconSize {
			c := img.NRGBAAt(x, y)
			b.Write([]byte{c.B, c.G, c.R, c.A})
		}
	}
	// AND mask bottom-up: 1 = transparent.
	for y := IconSize - 1; y >= 0; y-- {
		row := make([]byte, maskRow)
		for x := range IconSize {
			if img.NRGBAAt(x, y).A == 0 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		b.Write(row)
	}
	return b.Bytes()
}
