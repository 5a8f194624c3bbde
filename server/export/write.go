package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/fleet"
	"github.com/sessionguard/sessionguard/server/rejudge"
	"github.com/sessionguard/sessionguard/server/store"
)

// Kind names what an export holds.
type Kind string

// The exports.
const (
	Devices  Kind = "devices"
	Results  Kind = "results"
	Sessions Kind = "sessions"
)

// Format is how an export is written.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// Schemas of the JSON documents.
const (
	ExportSchema  = "sessionguard.export/v1"
	SubjectSchema = "sessionguard.subject-access/v1"
)

// Errors callers branch on (the HTTP handler maps them to status codes).
var (
	// ErrBadRequest: an unknown kind or format, or a malformed filter.
	ErrBadRequest = errors.New("bad export request")
	// ErrUnknownTeam: the team filter names no team.
	ErrUnknownTeam = errors.New("no such team")
)

// Request is one export.
type Request struct {
	Kind   Kind
	Format Format
	// Team is a team ID or name; "" exports every team.
	Team string
	// Since limits to records from this time on (devices: seen since;
	// results: of runs started since; sessions: at or after); zero for all.
	Since time.Time
	// StaleAfter is how long without a check run makes a device stale in
	// the devices export's state column, as on the dashboard
	// (fleet.DefaultStaleAfter when 0).
	StaleAfter time.Duration
}

// staleBefore is when a device's latest check run must have arrived for
// it not to be stale, now.
func staleBefore(staleAfter time.Duration) time.Time {
	if staleAfter <= 0 {
		staleAfter = fleet.DefaultStaleAfter
	}
	return time.Now().Add(-staleAfter)
}

// ParseKind accepts devices, results or sessions.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Devices, Results, Sessions:
		return k, nil
	}
	return "", fmt.Errorf("%w: export %q is not devices, results or sessions", ErrBadRequest, s)
}

// ParseFormat accepts csv or json.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case CSV, JSON:
		return f, nil
	}
	return "", fmt.Errorf("%w: format %q is not csv or json", ErrBadRequest, s)
}

// ParseSince reads a since filter: "" (everything), an RFC 3339 time, a
// date (YYYY-MM-DD, midnight UTC) or a number of days back ("30d").
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 36600 {
			return now.UTC().AddDate(0, 0, -n), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: since %q is not a date (2026-01-31), an RFC 3339 time or a number of days (30d)", ErrBadRequest, s)
}

// resolveTeam turns a team ID or name into its ID ("" stays "").
func resolveTeam(ctx context.Context, st store.Store, team string) (string, error) {
	if team == "" {
		return "", nil
	}
	if t, err := st.Team(ctx, team); err == nil {
		return t.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	teams, err := st.Teams(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		if t.Name == team {
			return t.ID, nil
		}
	}
	return "", fmt.Errorf("%w: %q is neither a team ID nor a team name", ErrUnknownTeam, team)
}

// Export writes one export to w, streamed row by row, after recording it in
// the audit log as actor's (nothing is written when the audit entry
// cannot be). It returns the number of rows written.
func Export(ctx context.Context, st store.Store, w io.Writer, req Request, actor string) (int64, error) {
	if _, err := ParseKind(string(req.Kind)); err != nil {
		return 0, err
	}
	if _, err := ParseFormat(string(req.Format)); err != nil {
		return 0, err
	}
	teamID, err := resolveTeam(ctx, st, req.Team)
	if err != nil {
		return 0, err
	}
	detail := "format=" + string(req.Format)
	if !req.Since.IsZero() {
		detail += " since=" + req.Since.UTC().Format(time.RFC3339)
	}
	if err := st.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "export." + string(req.Kind), Target: teamID, Detail: detail}); err != nil {
		return 0, fmt.Errorf("auditing the export (nothing exported): %w", err)
	}
	f := store.ExportFilter{TeamID: teamID, Since: req.Since}
	header := jsonHeader{Schema: ExportSchema, Kind: req.Kind, GeneratedAt: time.Now().UTC(), TeamID: teamID}
	if !req.Since.IsZero() {
		header.Since = &req.Since
	}
	switch req.Kind {
	case Devices:
		stale := staleBefore(req.StaleAfter)
		return writeTable(w, req.Format, header, deviceColumns, deviceJSONOf, func(fn func(deviceRow) error) error {
			return st.ExportDevices(ctx, f, func(d store.ExportDevice) error { return fn(deviceRowOf(d, stale)) })
		})
	case Results:
		judged, err := judgeResults(ctx, st)
		if err != nil {
			return 0, err
		}
		return writeTable(w, req.Format, header, resultColumns, resultJSONOf, func(fn func(resultRow) error) error {
			return st.ExportResults(ctx, f, func(r store.ExportResult) error { return fn(judged(r)) })
		})
	default:
		return writeTable(w, req.Format, header, sessionColumns, sessionJSONOf, func(fn func(store.ExportSession) error) error {
			return st.ExportSessions(ctx, f, fn)
		})
	}
}

// jsonHeader opens a JSON export; "rows" follows.
type jsonHeader struct {
	Schema      string     `json:"schema"`
	Kind        Kind       `json:"kind"`
	GeneratedAt time.Time  `json:"generated_at"`
	TeamID      string     `json:"team_id,omitempty"`
	Since       *time.Time `json:"since,omitempty"`
}

// column is one CSV column of rows of type T.
type column[T any] struct {
	name  string
	value func(T) string
}

// writeTable streams the rows each yields to w as CSV (a header line, then
// one line a row) or as a JSON document ({header…, "rows": [ … ]}, one row
// a line).
func writeTable[T any](w io.Writer, format Format, header jsonHeader, cols []column[T], toJSON func(T) any, each func(func(T) error) error) (int64, error) {
	var n int64
	if format == CSV {
		cw := csv.NewWriter(w)
		record := make([]string, len(cols))
		for i, c := range cols {
			record[i] = c.name
		}
		if err := cw.Write(record); err != nil {
			return 0, err
		}
		err := each(func(row T) error {
			for i, c := range cols {
				record[i] = SafeCell(c.value(row))
			}
			n++
			return cw.Write(record)
		})
		cw.Flush()
		return n, errors.Join(err, cw.Error())
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := openJSON(bw, header, "rows"); err != nil {
		return 0, err
	}
	err := each(func(row T) error {
		n++
		return writeJSONElement(bw, n == 1, toJSON(row))
	})
	if err != nil {
		return n, err
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// openJSON writes the header object without its closing brace, then
// `,"<array>":[`.
func openJSON(bw *bufio.Writer, header any, array string) error {
	b, err := json.Marshal(header)
	if err != nil {
		return err
	}
	bw.Write(b[:len(b)-1])
	if len(b) > 2 {
		bw.WriteByte(',')
	}
	_, err = bw.WriteString(strconv.Quote(array) + ":[")
	return err
}

// writeJSONElement writes one array element on its own line.
func writeJSONElement(bw *bufio.Writer, first bool, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !first {
		bw.WriteByte(',')
	}
	bw.WriteByte('\n')
	_, err = bw.Write(b)
	return err
}

// SafeCell defuses a CSV cell a spreadsheet would run as a formula (OWASP
// "CSV injection"): a cell starting with = + - @, a tab or a carriage
// return gets a leading apostrophe, so it is shown as text.
func SafeCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Cell formatting.

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func csvTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

func csvBool(b bool) string { return strconv.FormatBool(b) }

func csvBoolPtr(b *bool) string {
	if b == nil {
		return ""
	}
	return csvBool(*b)
}

func csvInt(n int) string { return strconv.Itoa(n) }

// Devices.

// deviceRow is an exported device with its state: a spreadsheet filtering
// on latest_ready alone would count a device whose latest run is weeks old
// (or a revoked one) as ready.
type deviceRow struct {
	store.ExportDevice
	// State is store.DeviceState's: ready, not_ready, stale,
	// never_reported or revoked.
	State string
}

func deviceRowOf(d store.ExportDevice, staleBefore time.Time) deviceRow {
	return deviceRow{ExportDevice: d, State: store.DeviceState(d.Device, staleBefore)}
}

type deviceJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Practitioner string     `json:"practitioner,omitempty"`
	TeamID       string     `json:"team_id"`
	Team         string     `json:"team"`
	OS           string     `json:"os"`
	OSVersion    string     `json:"os_version"`
	Arch         string     `json:"arch"`
	AgentVersion string     `json:"agent_version"`
	EnrolledAt   time.Time  `json:"enrolled_at"`
	LastSeenAt   time.Time  `json:"last_seen_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	LatestRunID  string     `json:"latest_run_id,omitempty"`
	LatestRunAt  *time.Time `json:"latest_run_at,omitempty"`
	LatestReady  *bool      `json:"latest_ready,omitempty"`
	State        string     `json:"state"`
}

func deviceJSONOf(d deviceRow) any {
	return deviceJSON{State: d.State, ID: d.ID, Name: d.Name, Practitioner: d.Practitioner, TeamID: d.TeamID, Team: d.TeamName,
		OS: d.OS, OSVersion: d.OSVersion, Arch: d.Arch, AgentVersion: d.AgentVersion, EnrolledAt: d.EnrolledAt,
		LastSeenAt: d.LastSeenAt, RevokedAt: d.RevokedAt, LatestRunID: d.LatestRunID, LatestRunAt: d.LatestRunAt, LatestReady: d.LatestReady}
}

var deviceColumns = []column[deviceRow]{
	{"device_id", func(d deviceRow) string { return d.ID }},
	{"name", func(d deviceRow) string { return d.Name }},
	{"practitioner", func(d deviceRow) string { return d.Practitioner }},
	{"team_id", func(d deviceRow) string { return d.TeamID }},
	{"team", func(d deviceRow) string { return d.TeamName }},
	{"os", func(d deviceRow) string { return d.OS }},
	{"os_version", func(d deviceRow) string { return d.OSVersion }},
	{"arch", func(d deviceRow) string { return d.Arch }},
	{"agent_version", func(d deviceRow) string { return d.AgentVersion }},
	{"enrolled_at", func(d deviceRow) string { return csvTime(d.EnrolledAt) }},
	{"last_seen_at", func(d deviceRow) string { return csvTime(d.LastSeenAt) }},
	{"revoked_at", func(d deviceRow) string { return csvTimePtr(d.RevokedAt) }},
	{"latest_run_id", func(d deviceRow) string { return d.LatestRunID }},
	{"latest_run_at", func(d deviceRow) string { return csvTimePtr(d.LatestRunAt) }},
	{"latest_ready", func(d deviceRow) string { return csvBoolPtr(d.LatestReady) }},
	{"state", func(d deviceRow) string { return d.State }},
}

// Results.

// resultRow is an exported result with, when this server's rules judge its
// stored facts differently from its stored status, the server's judgement
// (see package rejudge). The stored status stays the result's status.
type resultRow struct {
	store.ExportResult
	server *rejudge.Judgement
}

// judgeResults returns a function pairing each exported result with this
// server's differing judgement under its team's policy. One Judge serves the
// whole export: each distinct set of facts is evaluated once per team.
func judgeResults(ctx context.Context, st store.Store) (func(store.ExportResult) resultRow, error) {
	teams, err := st.Teams(ctx)
	if err != nil {
		return nil, err
	}
	policies := make(map[string]checks.Policy, len(teams))
	for _, t := range teams {
		policies[t.ID] = rejudge.TeamPolicy(t)
	}
	j := rejudge.New()
	return func(r store.ExportResult) resultRow {
		pol, ok := policies[r.TeamID]
		if !ok {
			pol = all.DefaultPolicy()
		}
		row := resultRow{ExportResult: r}
		if got, ok := j.Differs(r.TeamID, r.ID, r.Status, r.Facts, pol); ok {
			row.server = &got
		}
		return row
	}, nil
}

// serverStatus is this server's differing status ("" when it agrees or
// cannot judge).
func (r resultRow) serverStatus() checks.Status {
	if r.server == nil {
		return ""
	}
	return r.server.Status
}

func (r resultRow) serverSummary() string {
	if r.server == nil {
		return ""
	}
	return r.server.Summary
}

type resultJSON struct {
	RunID           string          `json:"run_id"`
	DeviceID        string          `json:"device_id"`
	DeviceName      string          `json:"device_name"`
	TeamID          string          `json:"team_id"`
	Team            string          `json:"team"`
	CheckID         string          `json:"check_id"`
	Status          checks.Status   `json:"status"`
	Required        bool            `json:"required"`
	At              time.Time       `json:"at"`
	Summary         string          `json:"summary"`
	Reason          string          `json:"reason,omitempty"`
	Facts           json.RawMessage `json:"facts,omitempty"`
	CyberEssentials []string        `json:"cyber_essentials"`
	// ServerStatus is this server's judgement of the facts when it
	// differs from Status (the agent's), with its summary.
	ServerStatus  checks.Status `json:"server_status,omitempty"`
	ServerSummary string        `json:"server_summary,omitempty"`
}

func resultJSONOf(r resultRow) any {
	controls := all.Controls(r.ID)
	if controls == nil {
		controls = []string{}
	}
	var facts json.RawMessage
	if json.Valid(r.Facts) {
		facts = r.Facts
	}
	return resultJSON{RunID: r.RunID, DeviceID: r.DeviceID, DeviceName: r.DeviceName, TeamID: r.TeamID, Team: r.TeamName,
		CheckID: r.ID, Status: r.Status, Required: r.Required, At: r.At, Summary: r.Summary, Reason: r.Reason,
		Facts: facts, CyberEssentials: controls, ServerStatus: r.serverStatus(), ServerSummary: r.serverSummary()}
}

// mainControl is a check's main Cyber Essentials control ("" if none).
func mainControl(checkID string) string {
	if c := all.Controls(checkID); len(c) > 0 {
		return c[0]
	}
	return ""
}

var resultColumns = []column[resultRow]{
	{"run_id", func(r resultRow) string { return r.RunID }},
	{"device_id", func(r resultRow) string { return r.DeviceID }},
	{"device_name", func(r resultRow) string { return r.DeviceName }},
	{"team_id", func(r resultRow) string { return r.TeamID }},
	{"team", func(r resultRow) string { return r.TeamName }},
	{"check_id", func(r resultRow) string { return r.ID }},
	{"status", func(r resultRow) string { return string(r.Status) }},
	{"required", func(r resultRow) string { return csvBool(r.Required) }},
	{"at", func(r resultRow) string { return csvTime(r.At) }},
	{"summary", func(r resultRow) string { return r.Summary }},
	{"reason", func(r resultRow) string { return r.Reason }},
	{"cyber_essentials_control", func(r resultRow) string { return mainControl(r.ID) }},
	{"cyber_essentials_controls", func(r resultRow) string {
		return strings.Join(all.Controls(r.ID), "; ")
	}},
	{"facts", func(r resultRow) string { return string(r.Facts) }},
	// Last, so the columns before keep their places: this server's
	// status and summary where they differ from the agent's ("" when
	// they agree).
	{"server_status", func(r resultRow) string { return string(r.serverStatus()) }},
	{"server_summary", func(r resultRow) string { return r.serverSummary() }},
}

// Check runs (subject access only).

type runJSON struct {
	ID           string    `json:"id"`
	StartedAt    time.Time `json:"started_at"`
	ReceivedAt   time.Time `json:"received_at"`
	DurationMS   int64     `json:"duration_ms"`
	Ready        bool      `json:"ready"`
	AgentVersion string    `json:"agent_version"`
}

func runJSONOf(r store.ExportRun) any {
	return runJSON{ID: r.ID, StartedAt: r.StartedAt, ReceivedAt: r.ReceivedAt, DurationMS: r.DurationMS, Ready: r.Ready, AgentVersion: r.AgentVersion}
}

// Sessions.

type sessionJSON struct {
	ID         string                `json:"id"`
	DeviceID   string                `json:"device_id"`
	DeviceName string                `json:"device_name"`
	TeamID     string                `json:"team_id"`
	Team       string                `json:"team"`
	SessionID  string                `json:"session_id"`
	Event      string                `json:"event"`
	At         time.Time             `json:"at"`
	ReceivedAt time.Time             `json:"received_at"`
	Label      string                `json:"label"`
	Ready      bool                  `json:"ready"`
	NotPassing []string              `json:"not_passing"`
	Override   *report.Override      `json:"override,omitempty"`
	Cookies    *report.CookieSummary `json:"cookies,omitempty"`
}

func sessionJSONOf(s store.ExportSession) any {
	np := s.NotPassing
	if np == nil {
		np = []string{}
	}
	return sessionJSON{ID: s.ID, DeviceID: s.DeviceID, DeviceName: s.DeviceName, TeamID: s.TeamID, Team: s.TeamName,
		SessionID: s.SessionID, Event: s.Event, At: s.At, ReceivedAt: s.ReceivedAt, Label: s.Label, Ready: s.Ready,
		NotPassing: np, Override: s.Override, Cookies: s.Cookies}
}

func overrideReason(s store.ExportSession) string {
	if s.Override == nil {
		return ""
	}
	return s.Override.Reason
}

func overrideChecks(s store.ExportSession) string {
	if s.Override == nil {
		return ""
	}
	return strings.Join(s.Override.Checks, "; ")
}

// cookieCount returns one count of the cookie summary ("" when there is
// none, as for session starts).
func cookieCount(field func(*report.CookieSummary) int) func(store.ExportSession) string {
	return func(s store.ExportSession) string {
		if s.Cookies == nil {
			return ""
		}
		return csvInt(field(s.Cookies))
	}
}

var sessionColumns = []column[store.ExportSession]{
	{"record_id", func(s store.ExportSession) string { return s.ID }},
	{"device_id", func(s store.ExportSession) string { return s.DeviceID }},
	{"device_name", func(s store.ExportSession) string { return s.DeviceName }},
	{"team_id", func(s store.ExportSession) string { return s.TeamID }},
	{"team", func(s store.ExportSession) string { return s.TeamName }},
	{"session_id", func(s store.ExportSession) string { return s.SessionID }},
	{"event", func(s store.ExportSession) string { return s.Event }},
	{"at", func(s store.ExportSession) string { return csvTime(s.At) }},
	{"received_at", func(s store.ExportSession) string { return csvTime(s.ReceivedAt) }},
	{"label", func(s store.ExportSession) string { return s.Label }},
	{"ready", func(s store.ExportSession) string { return csvBool(s.Ready) }},
	{"not_passing", func(s store.ExportSession) string { return strings.Join(s.NotPassing, "; ") }},
	{"override_reason", overrideReason},
	{"override_checks", overrideChecks},
	{"cookies_removed", cookieCount(func(c *report.CookieSummary) int { return c.Removed })},
	{"cookies_kept", cookieCount(func(c *report.CookieSummary) int { return c.Kept })},
	{"browsers", cookieCount(func(c *report.CookieSummary) int { return c.Browsers })},
	{"profiles_cleared", cookieCount(func(c *report.CookieSummary) int { return c.ProfilesCleared })},
	{"profiles_skipped", cookieCount(func(c *report.CookieSummary) int { return c.ProfilesSkipped })},
	{"profiles_failed", cookieCount(func(c *report.CookieSummary) int { return c.ProfilesFailed })},
}
