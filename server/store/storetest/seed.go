package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
)

// SeedDevices enrols n devices in a team straight into the database, in
// multi-row inserts (EnrollDevice would take minutes for 100k), and returns
// their IDs and tokens. The rows are exactly what EnrollDevice writes: the
// token's SHA-256 in hex, never the token. The store must expose
// `DB() *sql.DB` and `Dialect() string`.
func SeedDevices(t testing.TB, s store.Store, teamID string, n int) (ids, tokens []string) {
	t.Helper()
	ids, tokens, err := SeedDevicesContext(context.Background(), s, teamID, n)
	if err != nil {
		t.Fatal(err)
	}
	return ids, tokens
}

// SeedDevicesContext is SeedDevices for a program (the load client).
func SeedDevicesContext(ctx context.Context, s store.Store, teamID string, n int) (ids, tokens []string, err error) {
	ids, tokens = make([]string, n), make([]string, n)
	at := time.Now().UnixMicro()
	err = insertRowsContext(ctx, s, `INSERT INTO devices (id, team_id, name, token_hash, agent_version, os, os_version, arch, enrolled_at, last_seen_at) VALUES `, n,
		func(i int) []any {
			var raw [32]byte
			_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+)
			ids[i], tokens[i] = report.NewID(), "sgdt_"+base64.RawURLEncoding.EncodeToString(raw[:])
			sum := sha256.Sum256([]byte(tokens[i]))
			return []any{ids[i], teamID, fmt.Sprintf("seed-%d", i), hex.EncodeToString(sum[:]),
				Agent.Version, Agent.Host.OS, Agent.Host.OSVersion, Agent.Host.Arch, at, at}
		})
	return ids, tokens, err
}

// SeedSessions stores a session start record for each device given,
// straight into the database as SeedDevices does, a minute apart before
// now, labelled "seed-case-N" (SaveSession would take minutes for 100k).
func SeedSessions(t testing.TB, s store.Store, deviceIDs []string) {
	t.Helper()
	now := time.Now()
	insertRows(t, s, `INSERT INTO sessions (id, device_id, session_id, event, at, received_at, label, ready, not_passing) VALUES `, len(deviceIDs),
		func(i int) []any {
			at := now.Add(-time.Duration(i) * time.Minute).UnixMicro()
			return []any{report.NewID(), deviceIDs[i], report.NewID(), report.SessionStart, at, at, fmt.Sprintf("seed-case-%d", i), true, "[]"}
		})
}

// insertRows inserts n rows (row(i) gives each one's values) with
// multi-row INSERTs in one transaction. The store must expose
// `DB() *sql.DB` and `Dialect() string`.
func insertRows(t testing.TB, s store.Store, insert string, n int, row func(i int) []any) {
	t.Helper()
	if err := insertRowsContext(context.Background(), s, insert, n, row); err != nil {
		t.Fatal(err)
	}
}

func insertRowsContext(ctx context.Context, s store.Store, insert string, n int, row func(i int) []any) error {
	x, ok := s.(interface {
		DB() *sql.DB
		Dialect() string
	})
	if !ok {
		return fmt.Errorf("seeding: %T does not expose its database", s)
	}
	db, postgres := x.DB(), x.Dialect() == "postgres"
	const perInsert = 500
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	for start := 0; start < n; start += perInsert {
		end := min(start+perInsert, n)
		var b strings.Builder
		b.WriteString(insert)
		var args []any
		for i := start; i < end; i++ {
			values := row(i)
			if i > start {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range values {
				if j > 0 {
					b.WriteString(", ")
				}
				if postgres {
					fmt.Fprintf(&b, "$%d", len(args)+j+1)
				} else {
					b.WriteByte('?')
				}
			}
			b.WriteByte(')')
			args = append(args, values...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	return nil
}
