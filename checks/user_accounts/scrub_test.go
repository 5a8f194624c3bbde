package useraccounts

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestScrubBlanksNamesAndHomesInPasswd(t *testing.T) {
	in := []byte("root:x:0:0:root:/root:/bin/bash\nsam:x:1000:1000:Sam Taylor,,,07700 900123:/home/sam:/bin/bash\n# comment:a:b\n+::::::\n")
	got := Scrub("/etc/passwd", nil, in)
	want := "root:x:0:0:::/bin/bash\nsam:x:1000:1000:::/bin/bash\n# comment:a:b\n+::::::\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	a, okA := ParsePasswd(in)
	b, okB := ParsePasswd(got)
	if !reflect.DeepEqual(a, b) || okA != okB {
		t.Errorf("parsed differently: %+v / %+v", a, b)
	}
	for _, other := range [][2]string{{"/etc/group", ""}, {"dscl", "x"}} {
		var args []string
		if other[1] != "" {
			args = []string{other[1]}
		}
		if out := Scrub(other[0], args, in); !bytes.Equal(out, in) {
			t.Errorf("%s changed", other[0])
		}
	}
}

// TestScrubbedScenariosReplayTheSame records every scenario through a
// scrubbing recorder and replays the bundle: the verdict is the same and no
// full name is left.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		dirs, err := os.ReadDir(filepath.Join("testdata", goos))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			t.Run(goos+"/"+d.Name(), func(t *testing.T) {
				src, err := probe.OpenReplay(filepath.Join("testdata", goos, d.Name()))
				if err != nil {
					t.Fatal(err)
				}
				pol := checks.Default()
				rec := probe.NewRecorder(src, checks.Scrubbers([]checks.Check{Check})...)
				want := Check.Run(t.Context(), rec, pol)
				out := filepath.Join(t.TempDir(), "bundle")
				if err := rec.WriteBundle(out); err != nil {
					t.Fatal(err)
				}
				again, err := probe.OpenReplay(out)
				if err != nil {
					t.Fatal(err)
				}
				got := Check.Run(t.Context(), again, pol)
				if got.Status != want.Status || got.Summary != want.Summary || string(got.Facts) != string(want.Facts) {
					t.Errorf("scrubbed bundle replays to %s %q %s, want %s %q %s", got.Status, got.Summary, got.Facts, want.Status, want.Summary, want.Facts)
				}
				if passwd, err := os.ReadFile(filepath.Join(out, "files", "etc", "passwd")); err == nil {
					for _, line := range strings.Split(string(passwd), "\n") {
						if f := strings.Split(line, ":"); len(f) == 7 && (f[4] != "" || f[5] != "") {
							t.Errorf("kept %q", line)
						}
					}
				}
			})
		}
	}
}
