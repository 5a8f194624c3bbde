package wifisecurity_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, wifisecurity.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
