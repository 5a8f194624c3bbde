package useraccounts_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, useraccounts.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}
