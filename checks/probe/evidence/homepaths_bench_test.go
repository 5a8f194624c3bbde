package evidence

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// BenchmarkBundleFilesLarge: writing out (pseudonymising and resolving)
// a large recording: 2,000 processes with command lines, 300 commands,
// an 8 MB text file without home paths (a dpkg status), a 1 MB text file
// with one in every line, a 1 MB binary file and 200 small configs.
func BenchmarkBundleFilesLarge(b *testing.B) {
	status := bytes.Repeat([]byte("Package: libfoo1\nStatus: install ok installed\nFilename: pool/main/f/foo/libfoo1_1.2-3_amd64.deb\nDescription: a library /usr/share/doc/foo\n"), (8<<20)/128)
	homes := bytes.Repeat([]byte("timeout 300 'swaylock -f -i /home/sam/Pictures/a.png' before-sleep 'swaylock -f'\n"), (1<<20)/82)
	binary := bytes.Repeat([]byte{0x1f, 0x8b, 0, 0xff, '/', 'h', 'o', 'm', 'e', '/', 's', 'a', 'm', '/', 0xfe, 0}, (1<<20)/16)
	inner, err := OpenReplay(writeBundle(b, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z","console_user":{"uid":"1000","name":"sam","home":"/home/sam"}}`,
	}))
	if err != nil {
		b.Fatal(err)
	}
	newRec := func() *Recorder {
		r := NewRecorder(inner)
		if _, err := r.ConsoleUser(); err != nil {
			b.Fatal(err)
		}
		r.files["/var/lib/dpkg/status"] = status
		r.files["/home/sam/.config/swayidle/config"] = homes
		r.files["/var/lib/flatpak/repo/summary"] = binary
		for i := range 200 {
			r.files[fmt.Sprintf("/etc/conf.d/%d.conf", i)] = []byte("[Section]\nPath=/usr/lib/x\nUser=/home/bob/x\n")
		}
		for i := range 2000 {
			r.processes = append(r.processes, probe.Process{PID: int32(i), Name: "prog", Exe: "/usr/bin/prog", User: "sam",
				Cmdline: []string{"/usr/bin/prog", "--config=/home/sam/.config/prog", "-v", "C:\\Program Files\\x"}})
		}
		r.hasProcs = true
		for i := range 300 {
			r.commands = append(r.commands, NewCommand([]string{"/usr/bin/tool", fmt.Sprint(i), "/etc/x"}, probe.Output{Stdout: []byte("key value /usr/share/x\nother /var/lib/y\n")}))
		}
		return r
	}
	size := int64(len(status) + len(homes) + len(binary))
	b.SetBytes(size)
	for b.Loop() {
		b.StopTimer()
		r := newRec()
		b.StartTimer()
		if _, err := r.bundleFiles(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHomePathsScan: looking for home paths in 8 MB of text that
// holds none but many other paths (a dpkg status).
func BenchmarkHomePathsScan(b *testing.B) {
	status := bytes.Repeat([]byte("Package: libfoo1\nStatus: install ok installed\nFilename: pool/main/f/foo/libfoo1_1.2-3_amd64.deb\nDescription: a library /usr/share/doc/foo\n"), (8<<20)/128)
	a, ok := newAccountNames("linux", &probe.User{UID: "1000", Name: "sam", Home: "/home/sam"})
	h := newHomePaths(a, ok)
	b.SetBytes(int64(len(status)))
	for b.Loop() {
		if _, changed := h.rewrite(status, true); changed {
			b.Fatal("changed")
		}
	}
}
