package store

// AdminStore is what the dashboard needs beyond the agent API: admin
// accounts and their login sessions, and the fleet queries behind the
// overview, device, check and session pages. Owned by the dashboard
// (server/web); implemented by the SQL store in admin_sql.go.
type AdminStore interface {
}
