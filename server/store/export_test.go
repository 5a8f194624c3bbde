package store

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/report"
)

// MigrateTo brings s's schema up to version only, for tests of how a later
// migration converts existing data.
func MigrateTo(ctx context.Context, s Store, version int64) error {
	ss, ok := s.(*sqlStore)
	if !ok {
		return fmt.Errorf("MigrateTo: %T is not an SQL store", s)
	}
	p, err := ss.migrationProvider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo undoes s's migrations down to version, for tests of a
// migration's way back.
func MigrateDownTo(ctx context.Context, s Store, version int64) error {
	p, err := s.(*sqlStore).migrationProvider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// EncodeRun is what a check run stores beyond its envelope's fields (the
// results column and the device's statuses), for tests that write runs
// at an older schema version.
var EncodeRun = func(rs []report.CheckResult) (results, statuses string, err error) {
	results, err = encodeResults(rs)
	return results, encodeStatuses(rs), err
}

// TokenOwnerQuery is TokenOwner's query, for the test of its plan.
const TokenOwnerQuery = tokenOwnerQuery

// TokenOwnersQuery is TokenOwners' query in a dialect.
var TokenOwnersQuery = tokenOwnersQuery

// SetManyNotPassing sets how many devices not passing a check make its
// device list walk the fleet instead of starting from devices_not_passing
// (1: always walk), and returns the function that restores it.
func SetManyNotPassing(n int) (restore func()) {
	old := manyNotPassing
	manyNotPassing = n
	return func() { manyNotPassing = old }
}

// SetStaleScanCap sets the most stale devices one scan gathers for a page
// before the fleet is walked instead.
func SetStaleScanCap(n int) (restore func()) {
	old := staleScanCap
	staleScanCap = n
	return func() { staleScanCap = old }
}

// SetManySearched sets how many devices whose name (SQLite) or system
// holds a search make its device list walk the fleet instead of listing
// them (1: always walk), and returns the function that restores it.
func SetManySearched(n int) (restore func()) {
	old := manySearched
	manySearched = n
	return func() { manySearched = old }
}
