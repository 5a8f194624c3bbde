package firewall_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/firewall"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, firewall.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
