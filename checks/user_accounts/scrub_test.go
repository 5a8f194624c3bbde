package useraccounts

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
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

// TestScrubbedScenariosReplayTheSame: the verdict is the same from a
// scrubbed bundle, and no full name or home is left in /etc/passwd.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", func(t *testing.T, bundle string) {
		passwd, err := os.ReadFile(filepath.Join(bundle, "files", "etc", "passwd"))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(passwd), "\n") {
			if f := strings.Split(line, ":"); len(f) == 7 && (f[4] != "" || f[5] != "") {
				t.Errorf("kept %q", line)
			}
		}
	})
}
