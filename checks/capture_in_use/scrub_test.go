package captureinuse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
)

// Every scenario recorded through the scrubber replays to the same
// verdict and facts, and the bundle keeps no stream or file name, user,
// host or program folder.
func TestScrubbedScenarios(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", func(t *testing.T, bundle string) {
		b, err := os.ReadFile(filepath.Join(bundle, "commands.json"))
		if err != nil {
			return // no command was run
		}
		for _, secret := range []string{"media.name", "x.wav", "application.process.user", "application.process.host", "machine_id"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the scrubbed bundle still holds %q", secret)
			}
		}
		// A program's path stays (where it is installed decides whether it
		// is a call app), but not whose home folder it is in.
		for rest := string(b); ; {
			i := strings.Index(strings.ToLower(rest), `:#users#`)
			if i < 0 {
				break
			}
			rest = rest[i+len(`:#users#`):]
			if !strings.HasPrefix(rest, "user#") {
				t.Errorf("a home folder's name stays: %.40q", rest)
			}
		}
	})
}

func TestScrubUnparsable(t *testing.T) {
	for _, tool := range []string{"pw-dump", "pactl"} {
		if got := scrub(tool, nil, []byte("not json /home/sam/x.wav")); len(got) != 0 {
			t.Errorf("%s: kept %q", tool, got)
		}
	}
	if got := string(scrub("nft", nil, []byte("as is"))); got != "as is" {
		t.Errorf("another command's output changed: %q", got)
	}
}
