package osupdates

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// lz4Reader streams an LZ4 frame (apt's Acquire::GzipIndexes lists) with
// one buffer: the 64 KiB window the format's matches may reach back into,
// and the block being decoded. A general LZ4 library keeps a 4 MiB block
// buffer per reader and reallocates its dictionary every block; the agent
// is resident, so a list it reads every check run should cost little.
type lz4Reader struct {
	src      []byte
	buf      []byte // window followed by the current block's output
	out      int    // start of what Read has not yet returned
	end      int    // end of the decoded data in buf
	blockMax int
	flags    byte
	started  bool
	done     bool
}

const lz4Window = 64 << 10

var errLZ4 = errors.New("lz4: corrupt data")

func newLZ4Reader(b []byte) *lz4Reader { return &lz4Reader{src: b} }

// header reads a frame header (skipping skippable frames); false at the
// end of the input.
func (r *lz4Reader) header() (bool, error) {
	for {
		if len(r.src) == 0 {
			return false, nil
		}
		if len(r.src) < 7 {
			return false, errLZ4
		}
		magic := binary.LittleEndian.Uint32(r.src)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			n := int(binary.LittleEndian.Uint32(r.src[4:]))
			if len(r.src) < 8+n {
				return false, errLZ4
			}
			r.src = r.src[8+n:]
			continue
		}
		if magic != 0x184D2204 {
			return false, fmt.Errorf("lz4: not an LZ4 frame")
		}
		flg, bd := r.src[4], r.src[5]
		if flg>>6 != 1 {
			return false, fmt.Errorf("lz4: frame version %d", flg>>6)
		}
		sizes := map[byte]int{4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}
		max, ok := sizes[(bd>>4)&7]
		if !ok {
			return false, errLZ4
		}
		n := 7 // magic, FLG, BD, header checksum
		if flg&0x08 != 0 {
			n += 8 // content size
		}
		if flg&0x01 != 0 {
			n += 4 // dictionary id
		}
		if len(r.src) < n {
			return false, errLZ4
		}
		r.src, r.flags, r.blockMax = r.src[n:], flg, max
		if need := lz4Window + max; cap(r.buf) < need {
			r.buf = make([]byte, need)
		}
		r.buf = r.buf[:cap(r.buf)]
		r.out, r.end = 0, 0
		return true, nil
	}
}

// block decodes the next block after the window; false at the frame's end
// mark.
func (r *lz4Reader) block() (bool, error) {
	if len(r.src) < 4 {
		return false, errLZ4
	}
	x := binary.LittleEndian.Uint32(r.src)
	r.src = r.src[4:]
	if x == 0 {
		if r.flags&0x04 != 0 { // content checksum
			if len(r.src) < 4 {
				return false, errLZ4
			}
			r.src = r.src[4:]
		}
		return false, nil
	}
	size := int(x & 0x7FFFFFFF)
	if size > r.blockMax || size > len(r.src) {
		return false, errLZ4
	}
	data := r.src[:size]
	r.src = r.src[size:]
	if r.flags&0x10 != 0 { // block checksum
		if len(r.src) < 4 {
			return false, errLZ4
		}
		r.src = r.src[4:]
	}
	// Keep the last 64 KiB decoded as the window, at the buffer's start.
	if r.end > lz4Window {
		copy(r.buf, r.buf[r.end-lz4Window:r.end])
		r.end = lz4Window
	}
	r.out = r.end
	limit := r.end + r.blockMax
	if x&0x80000000 != 0 { // stored uncompressed
		r.end += copy(r.buf[r.end:limit], data)
		return true, nil
	}
	n, err := lz4Block(r.buf[:limit], r.end, data)
	r.end = n
	return true, err
}

// lz4Block decodes one LZ4 block into dst from position pos, matches
// reaching back into what dst holds before it; the new end.
func lz4Block(dst []byte, pos int, src []byte) (int, error) {
	length := func(n int, i *int) (int, bool) {
		if n != 15 {
			return n, true
		}
		for {
			if *i >= len(src) {
				return 0, false
			}
			b := src[*i]
			*i++
			n += int(b)
			if b != 255 {
				return n, true
			}
		}
	}
	i := 0
	for i < len(src) {
		token := src[i]
		i++
		lit, ok := length(int(token>>4), &i)
		if !ok || i+lit > len(src) || pos+lit > len(dst) {
			return pos, errLZ4
		}
		pos += copy(dst[pos:], src[i:i+lit])
		i += lit
		if i == len(src) {
			return pos, nil // the last sequence has literals only
		}
		if i+2 > len(src) {
			return pos, errLZ4
		}
		offset := int(src[i]) | int(src[i+1])<<8
		i += 2
		match, ok := length(int(token&15), &i)
		match += 4
		if !ok || offset == 0 || offset > pos || pos+match > len(dst) {
			return pos, errLZ4
		}
		for k := 0; k < match; k++ { // overlapping copies repeat
			dst[pos+k] = dst[pos-offset+k]
		}
		pos += match
	}
	return pos, errLZ4
}

// Read implements io.Reader.
func (r *lz4Reader) Read(p []byte) (int, error) {
	for r.out == r.end {
		if r.done {
			return 0, io.EOF
		}
		if !r.started {
			ok, err := r.header()
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, errLZ4 // no frame at all
			}
			r.started = true
		}
		more, err := r.block()
		if err != nil {
			return 0, err
		}
		if !more {
			ok, err := r.header() // a concatenated frame, or the end
			if err != nil {
				return 0, err
			}
			r.done = !ok
		}
	}
	n := copy(p, r.buf[r.out:r.end])
	r.out += n
	return n, nil
}
