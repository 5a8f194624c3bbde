package diskencryption_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, diskencryption.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
