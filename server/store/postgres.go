package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL database %s: %w", redact(dsn), err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening PostgreSQL database %s: %w", redact(dsn), err)
	}
	// Several replicas may start at once: an advisory lock serialises their
	// migrations.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing migration lock: %w", err)
	}
	return &sqlStore{db: db, d: dialect{
		name:              "postgres",
		goose:             goose.DialectPostgres,
		dir:               "postgres",
		dollarBinds:       true,
		gooseOpts:         []goose.ProviderOption{goose.WithSessionLocker(locker)},
		isUniqueViolation: postgresUniqueViolation,
	}}, nil
}

func postgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
