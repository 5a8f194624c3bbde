package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// postgresMaxConns bounds one server's connections to PostgreSQL.
const postgresMaxConns = 32

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL database %s: %w", Redact(dsn), err)
	}
	// Keep the connections: database/sql's default keeps 2 idle, so under
	// concurrent requests every other query would pay for a new backend
	// process. 32 per replica stays well under max_connections (100) for a
	// few replicas.
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening PostgreSQL database %s: %w", Redact(dsn), err)
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
