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

// IconImage draws the light as an anti-aliased disc with a darker rim.
func IconImage(l localapi.Light) *image.NRGBA {
	c := Colour(l)
	rim := color.NRGBA{R: c.R * 3 / 5, G: c.G * 3 / 5, B: c.B * 3 / 5, A: 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, IconSize, IconSize))
	centre := float64(IconSize) / 2
	radius := centre - 1.5
	for y := range IconSize {
		for x := range IconSize {
			d := math.Hypot(float64(x)+0.5-centre, float64(y)+0.5-centre)
			cover := math.Max(0, math.Min(1, radius-d+0.5))
			if cover == 0 {
				continue
			}
			p := c
			if d > radius-2 {
				p = rim
			}
			p.A = uint8(math.Round(cover * 255))
			img.SetNRGBA(x, y, p)
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
