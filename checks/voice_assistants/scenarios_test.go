package voiceassistants_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, voiceassistants.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
