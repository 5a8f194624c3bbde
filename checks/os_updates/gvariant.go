package osupdates

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A reader of GVariant's serialised form (little-endian, as flatpak and
// ostree write it on every machine they run on), for the few types
// flatpak's files use: its summary index, its summaries and a deployment's
// deploy file. Values are slices of the file: nothing is copied.

var errGVariant = errors.New("not a well-formed GVariant")

// gvType splits the first complete type off a type string: "a{sv}b" →
// "a{sv}", "b".
func gvType(sig string) (first, rest string, err error) {
	if sig == "" {
		return "", "", errGVariant
	}
	switch sig[0] {
	case 'a', 'm':
		t, rest, err := gvType(sig[1:])
		return sig[:1] + t, rest, err
	case '(', '{':
		closing := map[byte]byte{'(': ')', '{': '}'}[sig[0]]
		i := 1
		for i < len(sig) && sig[i] != closing {
			_, r, err := gvType(sig[i:])
			if err != nil {
				return "", "", err
			}
			i = len(sig) - len(r)
		}
		if i >= len(sig) {
			return "", "", errGVariant
		}
		return sig[:i+1], sig[i+1:], nil
	}
	return sig[:1], sig[1:], nil
}

// gvMembers lists the member types of a tuple or dict entry type.
func gvMembers(t string) ([]string, error) {
	var out []string
	inner := t[1 : len(t)-1]
	for inner != "" {
		m, rest, err := gvType(inner)
		if err != nil {
			return nil, err
		}
		out, inner = append(out, m), rest
	}
	return out, nil
}

// gvInfo is a type's alignment and, for a fixed-size type, its size (0:
// variable).
func gvInfo(t string) (align, size int) {
	switch t[0] {
	case 'y', 'b':
		return 1, 1
	case 'n', 'q':
		return 2, 2
	case 'i', 'u', 'h':
		return 4, 4
	case 'x', 't', 'd':
		return 8, 8
	case 'v':
		return 8, 0
	case 'a', 'm':
		a, _ := gvInfo(t[1:])
		return a, 0
	case '(', '{':
		members, err := gvMembers(t)
		if err != nil {
			return 1, 0
		}
		align, size, fixed := 1, 0, true
		for _, m := range members {
			a, s := gvInfo(m)
			align = max(align, a)
			size = alignUp(size, a) + s
			fixed = fixed && s > 0
		}
		if !fixed {
			return align, 0
		}
		return align, max(alignUp(size, align), 1)
	}
	return 1, 0 // s, o, g
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// gvOffsetSize is the width of the framing offsets in a container of n
// bytes.
func gvOffsetSize(n int) int {
	switch {
	case n <= 0xff:
		return 1
	case n <= 0xffff:
		return 2
	case uint64(n) <= 0xffffffff:
		return 4
	}
	return 8
}

func gvOffset(b []byte) int {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return int(min(v, 1<<62))
}

// gvTuple splits a tuple or dict entry into its members' bytes.
func gvTuple(data []byte, t string) ([][]byte, error) {
	members, err := gvMembers(t)
	if err != nil {
		return nil, err
	}
	osz := gvOffsetSize(len(data))
	pos, frame := 0, len(data)
	out := make([][]byte, len(members))
	for i, m := range members {
		a, size := gvInfo(m)
		pos = alignUp(pos, a)
		end := pos + size
		if size == 0 {
			if i == len(members)-1 {
				end = frame
			} else {
				if frame-osz < pos {
					return nil, errGVariant
				}
				end = gvOffset(data[frame-osz : frame])
				frame -= osz
			}
		}
		if pos > end || end > frame {
			return nil, errGVariant
		}
		out[i], pos = data[pos:end], end
	}
	return out, nil
}

// gvArray splits an array of elements of type elem.
func gvArray(data []byte, elem string) ([][]byte, error) {
	a, size := gvInfo(elem)
	if size > 0 {
		if len(data)%size != 0 {
			return nil, errGVariant
		}
		out := make([][]byte, 0, len(data)/size)
		for i := 0; i < len(data); i += size {
			out = append(out, data[i:i+size])
		}
		return out, nil
	}
	if len(data) == 0 {
		return nil, nil
	}
	osz := gvOffsetSize(len(data))
	if len(data) < osz {
		return nil, errGVariant
	}
	table := gvOffset(data[len(data)-osz:])
	if table > len(data) || (len(data)-table)%osz != 0 {
		return nil, errGVariant
	}
	n := (len(data) - table) / osz
	out := make([][]byte, 0, n)
	start := 0
	for i := range n {
		end := gvOffset(data[table+i*osz : table+(i+1)*osz])
		start = alignUp(start, a)
		if start > end || end > table {
			return nil, errGVariant
		}
		out = append(out, data[start:end])
		start = end
	}
	return out, nil
}

// gvString reads an s.
func gvString(b []byte) (string, error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return "", errGVariant
	}
	return string(b[:len(b)-1]), nil
}

// gvVardict reads an a{sv} into each key's variant: its type and bytes.
func gvVardict(data []byte) (map[string]gvVariant, error) {
	entries, err := gvArray(data, "{sv}")
	if err != nil {
		return nil, err
	}
	out := make(map[string]gvVariant, len(entries))
	for _, e := range entries {
		kv, err := gvTuple(e, "{sv}")
		if err != nil {
			return nil, err
		}
		k, err := gvString(kv[0])
		if err != nil {
			return nil, err
		}
		v := kv[1]
		i := len(v) - 1
		for i >= 0 && v[i] != 0 {
			i--
		}
		if i < 0 {
			return nil, errGVariant
		}
		out[k] = gvVariant{Type: string(v[i+1:]), Value: v[:i]}
	}
	return out, nil
}

// gvVariant is one value of an a{sv}.
type gvVariant struct {
	Type  string
	Value []byte
}

// bigEndianUint64 reads a t that ostree and flatpak store big-endian
// (GUINT64_TO_BE: commit and summary times).
func (v gvVariant) bigEndianUint64() (uint64, error) {
	if v.Type != "t" || len(v.Value) != 8 {
		return 0, fmt.Errorf("%w: a %q where a time was expected", errGVariant, v.Type)
	}
	return binary.BigEndian.Uint64(v.Value), nil
}
