package web_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web/password"
)

func passwordHash(pw string) (string, error) { return password.Hash(pw, fastHash) }

func storetestSeed(t testing.TB, st store.Store, teamID string, n int) ([]string, []string) {
	return storetest.SeedDevices(t, st, teamID, n)
}
