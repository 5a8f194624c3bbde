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
		for _, secret := range []string{"media.name", "x.wav", "application.process.user", "application.process.host", "machine_id", `C:#Users#`, "obs-studio#bin"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the scrubbed bundle still holds %q", secret)
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
