package store

import "context"

// Ping asks the database for a round trip.
func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
