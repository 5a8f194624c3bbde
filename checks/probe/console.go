package probe

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// DefaultOEMCodePage is assumed when a probe does not know the console code
// page: 850 (Western European), which agrees with 437 on every ASCII byte.
const DefaultOEMCodePage = 850

// CodePager is implemented by probes that know the Windows OEM code page
// console programs write in.
type CodePager interface {
	OEMCodePage() int
}

// ConsoleText turns what a Windows console program wrote into a UTF-8 string:
// UTF-8 stays as it is, UTF-16 (with a byte-order mark, or the NUL-interleaved
// output of some tools) is decoded as such, anything else is decoded from the
// probe's OEM code page. On other systems the bytes are returned as a string.
func ConsoleText(p Probe, b []byte) string {
	if p.GOOS() != "windows" {
		return string(b)
	}
	page := DefaultOEMCodePage
	if cp, ok := p.(CodePager); ok && cp.OEMCodePage() != 0 {
		page = cp.OEMCodePage()
	}
	return DecodeConsole(b, page)
}

// DecodeConsole decodes Windows console output written in the given OEM code
// page; see ConsoleText.
func DecodeConsole(b []byte, codePage int) string {
	if s, ok := decodeUTF16(b); ok {
		return s
	}
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	if utf8.Valid(b) {
		return string(b)
	}
	cm := oemCharmap(codePage)
	out, err := cm.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}

func oemCharmap(codePage int) *charmap.Charmap {
	switch codePage {
	case 437:
		return charmap.CodePage437
	case 852:
		return charmap.CodePage852
	case 855:
		return charmap.CodePage855
	case 858:
		return charmap.CodePage858
	case 860:
		return charmap.CodePage860
	case 862:
		return charmap.CodePage862
	case 863:
		return charmap.CodePage863
	case 865:
		return charmap.CodePage865
	case 866:
		return charmap.CodePage866
	case 1252:
		return charmap.Windows1252
	default:
		return charmap.CodePage850
	}
}

// decodeUTF16 recognises little-endian UTF-16: a byte-order mark, or text
// where most odd bytes are NUL.
func decodeUTF16(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		b = b[2:]
	case len(b) >= 4 && len(b)%2 == 0 && looksUTF16LE(b):
	default:
		return "", false
	}
	if len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(units)), true
}

func looksUTF16LE(b []byte) bool {
	zeros := 0
	for i := 1; i < len(b); i += 2 {
		if b[i] == 0 {
			zeros++
		}
	}
	return zeros*10 >= (len(b)/2)*9
}
