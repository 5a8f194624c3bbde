package antivirus_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/antivirus"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, antivirus.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
