package traycli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestHelpOneFlagStyle: every flag is written --name, as in the other
// SessionGuard programs, never the flag package's -name.
func TestHelpOneFlagStyle(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	if m := regexp.MustCompile(`(?m)(^|\s)-[a-z][a-z-]+`).FindAllString(stdout.String(), -1); len(m) > 0 {
		t.Errorf("single-dash long flags in --help: %q\n%s", m, stdout.String())
	}
	for _, want := range []string{"--dashboard-url string", "--remind-after duration", "(default 10s)", "--version"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
}
