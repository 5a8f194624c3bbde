package captureinuse_test

import (
	"testing"

	captureinuse "github.com/sessionguard/sessionguard/checks/capture_in_use"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, captureinuse.Check, "testdata", []string{"linux", "darwin", "windows"}, 4)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, captureinuse.Check, "testdata", checktest.Basis{})
}
