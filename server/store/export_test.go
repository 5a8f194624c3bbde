package store

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// MigrateTo brings s's schema up to version only, for tests of how a later
// migration converts existing data.
func MigrateTo(ctx context.Context, s Store, version int64) error {
	ss, ok := s.(*sqlStore)
	if !ok {
		return fmt.Errorf("MigrateTo: %T is not an SQL store", s)
	}
	fsys, err := fs.Sub(migrations, "migrations/"+ss.d.dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(ss.d.goose, ss.db, fsys, ss.d.gooseOpts...)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
