package procmounts

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	// This machine's /proc/self/mounts, cut, with a USB stick's label
	// holding a space and a backslash.
	in := "overlay / overlay rw,relatime,lowerdir=/l 0 0\nproc /proc proc rw,nosuid 0 0\n/dev/sdb1 /media/usb\\040stick\\134x vfat rw 0 0\nshort line\n"
	want := []Entry{{"overlay", "/", "overlay"}, {"proc", "/proc", "proc"}, {"/dev/sdb1", `/media/usb stick\x`, "vfat"}}
	if got := Parse([]byte(in)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	for in, want := range map[string]string{`a\040b`: "a b", `a\04`: `a\04`, `a\999b`: `a\999b`, `\011`: "\t", "plain": "plain"} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContaining(t *testing.T) {
	mounts := Parse([]byte("overlay / overlay rw 0 0\nproc /proc proc rw 0 0\n/dev/sdb1 /media/usb\\040stick vfat rw 0 0\n/dev/sdc1 /media/usb\\040stick vfat rw 0 0\n"))
	for path, want := range map[string]string{"/media/usb stick/a": "/dev/sdc1", "/media/usb stick": "/dev/sdc1", "/media/usb": "overlay", "/": "overlay", "/proc/1": "proc"} {
		if m, ok := Containing(mounts, path); !ok || m.Source != want {
			t.Errorf("%s: %+v %v, want %s (the last mounted over the stick)", path, m, ok, want)
		}
	}
	if _, ok := Containing(nil, "/x"); ok {
		t.Error("found a mount in an empty table")
	}
}
