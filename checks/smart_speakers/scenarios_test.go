package smartspeakers_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, smartspeakers.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, smartspeakers.Check, "testdata", checktest.Basis{})
}
