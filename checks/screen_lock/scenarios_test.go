package screenlock_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, screenlock.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
