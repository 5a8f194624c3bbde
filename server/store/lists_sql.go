package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The dashboard's sorted lists: keyset pages in any whitelisted order.
//
// A page is ordered by (sort column, id), both in the same direction, and
// continues from a cursor, col >= ? AND (col > ? OR id > ?), which SQLite
// and PostgreSQL both answer from an index on (col, id)
// (migration 00009): a page reads its own rows, however deep it is. The
// previous page is the same query run the other way from the page's first
// row, its rows turned round.

// sortKey is a sort order: its columns, most significant first, and the
// unique column that breaks their ties.
type sortKey struct {
	cols []keyCol
	id   string
	// intID: the ID is an integer column.
	intID bool
	// rank: the order's first column is computed (a CASE over the row's
	// state, with the query's arguments): see pageSQL.
	rank bool
}

// keyCol is a sort column and whether its cursor value is an integer.
type keyCol struct {
	expr  string
	isInt bool
}

// by is the order of one column, ties broken by id.
func by(col string, isInt bool, id string) sortKey {
	return sortKey{cols: []keyCol{{col, isInt}}, id: id}
}

// rankCol is the name a computed sort column has in pageSQL's derived
// table.
const rankCol = "d.sort_rank"

// keyset returns the condition that starts a page at the cursor (empty
// without one), its arguments, the ORDER BY list, and whether the rows
// come back in reverse (a previous page: turn them round).
func (k sortKey) keyset(desc bool, after, before *Cursor) (cond string, args []any, order string, backward bool, err error) {
	backward = before != nil
	c := after
	if backward {
		c = before
	}
	asc := desc == backward
	dir, op := " ASC", ">"
	if !asc {
		dir, op = " DESC", "<"
	}
	var cols []string
	for _, col := range k.cols {
		cols = append(cols, col.expr+dir)
	}
	order = strings.Join(append(cols, k.id+dir), ", ")
	if c == nil {
		return "", nil, order, backward, nil
	}
	id, err := cursorValue(c.ID, k.intID)
	if err != nil {
		return "", nil, "", false, err
	}
	values, err := k.values(c.Value)
	if err != nil {
		return "", nil, "", false, err
	}
	// (c1, …, id) > (v1, …, i) spelt out from the last column out as
	// c >= v AND (c > v OR …): the leading c1 >= v1 is a range the
	// planner reads from an index whatever its statistics say (PostgreSQL
	// chose a full scan for the row comparison on a freshly loaded table).
	cond, args = k.id+" "+op+" ?", []any{id}
	for i := len(k.cols) - 1; i >= 0; i-- {
		e := k.cols[i].expr
		cond = e + " " + op + "= ? AND (" + e + " " + op + " ? OR " + cond + ")"
		args = append([]any{values[i], values[i]}, args...)
	}
	return cond, args, order, backward, nil
}

// values are a cursor's sort values, typed: the value itself for one
// column, a JSON list of strings for more (keyCursor).
func (k sortKey) values(v string) ([]any, error) {
	raw := []string{v}
	if len(k.cols) > 1 {
		if err := json.Unmarshal([]byte(v), &raw); err != nil || len(raw) != len(k.cols) {
			return nil, fmt.Errorf("%w: page cursor %q is not a list of %d values", ErrInvalid, v, len(k.cols))
		}
	}
	out := make([]any, len(k.cols))
	for i, col := range k.cols {
		var err error
		if out[i], err = cursorValue(raw[i], col.isInt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keyCursor is the cursor of a row: its ID and its sort values (the one
// value, or several as a JSON list).
func keyCursor(id string, values ...string) Cursor {
	if len(values) == 1 {
		return Cursor{Value: values[0], ID: id}
	}
	b, _ := json.Marshal(values) // strings always marshal
	return Cursor{Value: string(b), ID: id}
}

// pageSQL is a keyset page's query: cols (unprefixed, e.g. "id, name")
// of table, aliased d, where c holds, at the cursor, in order. With a rank
// (a sort by a computed CASE whose arguments the query gives), the page
// is chosen first from the sort key's columns alone, computed in a derived
// table d that names the rank sort_rank (so the cursor's condition and
// ORDER BY name it as a column, rankCol, and the arguments stay in the
// order of the SQL text) and read from an index where one holds them all
// (the rollout's devices_team_policy); then the page's rows are read.
type pageSQL struct {
	table, cols string
	where       *conditions
	rank        string
	rankArgs    []any
}

func (p pageSQL) query(key sortKey, desc bool, after, before *Cursor, limit int) (query string, args []any, backward bool, err error) {
	cond, condArgs, order, backward, err := key.keyset(desc, after, before)
	if err != nil {
		return "", nil, false, err
	}
	if !key.rank {
		if cond != "" {
			p.where.add(cond, condArgs...)
		}
		return `SELECT ` + prefixCols("d.", p.cols) + ` FROM ` + p.table + ` d` + p.where.sql() + ` ORDER BY ` + order, p.where.args, backward, nil
	}
	keyCols := []string{key.id}
	for _, c := range key.cols {
		if c.expr != rankCol {
			keyCols = append(keyCols, c.expr)
		}
	}
	page := &conditions{}
	if cond != "" {
		page.add(cond, condArgs...)
	}
	query = `SELECT ` + prefixCols("r.", p.cols) + ` FROM ` + p.table + ` r JOIN (SELECT * FROM (SELECT ` + strings.Join(keyCols, ", ") + `, ` +
		p.rank + ` AS sort_rank FROM ` + p.table + ` d` + p.where.sql() + `) d` + page.sql() + ` ORDER BY ` + order + ` LIMIT ?) d ON r.id = d.id ORDER BY ` + order
	args = append(slices.Clip(p.rankArgs), p.where.args...)
	return query, append(append(args, page.args...), limit), backward, nil
}

func cursorValue(s string, isInt bool) (any, error) {
	if !isInt {
		return s, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: page cursor %q is not a number", ErrInvalid, s)
	}
	return n, nil
}

// conditions collects a WHERE clause and its arguments.
type conditions struct {
	where []string
	args  []any
	// few: a condition already keeps at most a few thousand devices (a
	// list of them), so the others are tested on those rows alone
	// rather than by scans of their own.
	few bool
}

func (c *conditions) add(cond string, a ...any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, a...)
}

func (c *conditions) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(c.where, ` AND `)
}

// Devices.

var deviceSortKeys = map[string]sortKey{
	DeviceSortID:       {id: "d.id"},
	DeviceSortName:     by("d.name", false, "d.id"),
	DeviceSortSystem:   by("d.os", false, "d.id"),
	DeviceSortAgent:    by("d.agent_version", false, "d.id"),
	DeviceSortLastSeen: by("d.last_seen_at", true, "d.id"),
	// State, worst first (stateRank), then name: computed, as no column
	// holds it (staleness moves with the clock).
	DeviceSortState: {cols: []keyCol{{rankCol, true}, {"d.name", false}}, id: "d.id", rank: true},
}

// stateRankSQL is DeviceState as a number in the order of stateRank; its
// one argument is the stale time.
const stateRankSQL = `CASE WHEN d.revoked_at IS NOT NULL THEN 4 WHEN d.latest_run_at IS NULL THEN 2
	WHEN d.latest_run_at < ? THEN 1 WHEN d.latest_ready THEN 3 ELSE 0 END`

// manyNotPassing is how many devices (of any state) not passing one check
// make a page of them cheaper by walking the fleet in the page's order,
// testing each device's latest statuses, than by reading them all from
// devices_not_passing and sorting: 2,000 of 100k devices (a 50-row page
// then tests ~2,500 devices). A variable for the tests of both ways.
var manyNotPassing = 2000

// walkNotPassing says whether a page of the devices not passing check
// should walk the devices in order (many fail it) rather than start from
// devices_not_passing (few do); an index-only count, capped.
func (s *sqlStore) walkNotPassing(ctx context.Context, check string) (bool, error) {
	n, err := s.count(ctx, `SELECT 1 FROM devices_not_passing WHERE check_id = ?`, []any{check}, manyNotPassing)
	if err != nil {
		return false, fmt.Errorf("searching devices: %w", err)
	}
	return n >= manyNotPassing, nil
}

// teamsRequiring are the IDs of the teams whose policy requires check:
// of every team, or of team alone when it is not "".
func (s *sqlStore) teamsRequiring(ctx context.Context, check, team string) ([]any, error) {
	teams, err := s.teamsOf(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("searching devices: %w", err)
	}
	var ids []any
	for _, t := range teams {
		if slices.Contains(RequiredChecks(t.Policy), check) {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// ManyStale is how many stale devices make a page of them cheaper to
// find by walking the fleet in the page's order, testing each device's
// latest run until the page is full, than by one scan of the table for
// them all first (DeviceQuery.ManyStale). A walk reads ~0.9 µs a row
// through the sort's index (a row lookup each) until it has a page of 50
// and the next one's first row: all 100k when fewer are stale (100-115 ms
// on SQLite with none), most of them when the stale ones come late in the
// page's order. The scan reads the table in its own order, ~40 ms at 100k
// devices whatever their order, and its devices (at most this many) are
// then sorted. There is no index on latest_run_at: every report would
// move its device's entry (ingest 7 % slower on SQLite, ~30 % on
// PostgreSQL; docs/performance.md).
const ManyStale = 1000

// staleScanCap is the most stale devices the scan gathers for a page:
// past it (the cached count said fewer, or is a minute old) the fleet is
// walked. A variable for the tests.
var staleScanCap = ManyStale

// idsUpTo runs query (SELECT id FROM devices …, without LIMIT) for at
// most limit ids; all says it found fewer, so that they are every one.
// What found holds for the same query is taken instead, and what is read
// is kept in it.
func (s *sqlStore) idsUpTo(ctx context.Context, found *FoundDevices, query string, args []any, limit int) (ids []any, all bool, err error) {
	args = append(slices.Clip(args), limit)
	key := query + "\x00" + fmt.Sprintf("%q", args)
	if found != nil {
		if r, ok := found.scans[key]; ok {
			return r.ids, r.all, nil
		}
		defer func() {
			if err == nil {
				if found.scans == nil {
					found.scans = map[string]foundScan{}
				}
				found.scans[key] = foundScan{ids, all}
			}
		}()
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` LIMIT ?`), args...)
	if err != nil {
		return nil, false, fmt.Errorf("searching devices: %w", err)
	}
	ids, err = collect(rows, "searching devices", func(r interface{ Scan(...any) error }) (any, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	return ids, len(ids) < limit, err
}

// addFound adds to c what a scan (idsUpTo) found for cond: with all of
// them found, that a device is one of ids and still meets cond (it may
// have changed since), or, with none found, that there is none; with too
// many found, cond itself, tested row by row.
func addFound(c *conditions, ids []any, all bool, cond string, args ...any) {
	switch {
	case !all:
		c.add(cond, args...)
		return
	case len(ids) == 0:
		c.add(`1 = 0`)
	default:
		c.add(`d.id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`) AND `+cond, append(slices.Clip(ids), args...)...)
	}
	c.few = true
}

// staleFilter adds the condition that a device is stale to c: walked in
// the page's order when many are, else those one scan finds (of the
// team, if one is given; staleScanCap at most), tested again.
func (s *sqlStore) staleFilter(ctx context.Context, c *conditions, q DeviceQuery, stale int64) error {
	const isStale = `d.revoked_at IS NULL AND d.latest_run_at < ?`
	if q.ManyStale {
		c.add(isStale, stale)
		return nil
	}
	query, args := `SELECT id FROM devices WHERE revoked_at IS NULL AND latest_run_at < ?`, []any{stale}
	if q.TeamID != "" {
		query, args = query+` AND team_id = ?`, append(args, q.TeamID)
	}
	ids, all, err := s.idsUpTo(ctx, q.Found, query, args, staleScanCap)
	if err != nil {
		return err
	}
	addFound(c, ids, all, isStale, stale)
	return nil
}

// manySearched is how many devices whose name or system holds a search
// make a page of them cheaper to find by walking the fleet in the page's
// order, testing each one, than from the list of them all: the search
// first reads the devices (an index of the names, the table for the
// systems) for at most this many. Past it (1 in 100 or more match), a page
// of 50 tests ~5,000 devices when they are spread through the page's
// order, and all of them when they come last in it; under it, the page is
// those devices, sorted. At 100k devices on SQLite, reading every match
// to sort them took 370 ms (all names matching), walking the fleet for a
// system none runs 142 ms. A variable for the tests of both ways.
var manySearched = 1000

// searchFilter adds to c the condition cond: that a device's name or
// system (an expression of devices d) holds the search (like, cond's one
// argument; see likeContains). When c already keeps few devices, those
// are tested, without a scan.
func (s *sqlStore) searchFilter(ctx context.Context, c *conditions, found *FoundDevices, cond, like string) error {
	if c.few {
		c.add(cond, like)
		return nil
	}
	ids, all, err := s.idsUpTo(ctx, found, `SELECT d.id FROM devices d WHERE `+cond, []any{like}, manySearched)
	if err != nil {
		return err
	}
	// Many are tested row by row in the page's order (by name, on the
	// name index's own entries).
	addFound(c, ids, all, cond, like)
	return nil
}

// holdsSearch is the condition that the text expression expr holds a
// search, whose LIKE pattern (likeContains, lower case) is its one
// argument: expr lower-cased by PostgreSQL's LOWER (its trigram index and
// statistics are on those expressions), or as sqliteFolded matches it.
func (s *sqlStore) holdsSearch(expr, like string) string {
	folded := `LOWER(` + expr + `)`
	if s.d.name != "postgres" {
		folded = sqliteFolded(expr, like)
	}
	return folded + ` LIKE ? ESCAPE '\'`
}

// deviceFilter is the WHERE clause of a device query, without paging.
func (s *sqlStore) deviceFilter(ctx context.Context, q DeviceQuery) (*conditions, error) {
	c := &conditions{}
	if q.TeamID != "" {
		c.add(`d.team_id = ?`, q.TeamID)
	}
	stale := toMicros(q.StaleBefore)
	switch q.State {
	case "":
		c.add(`d.revoked_at IS NULL`)
	case StateRevoked:
		c.add(`d.revoked_at IS NOT NULL`)
	case StateReady, StateNotReady:
		c.add(`d.revoked_at IS NULL AND d.latest_run_at >= ? AND d.latest_ready = ?`, stale, q.State == StateReady)
	case StateStale:
		if err := s.staleFilter(ctx, c, q, stale); err != nil {
			return nil, err
		}
	case StateNeverReported:
		c.add(`d.revoked_at IS NULL AND d.latest_run_at IS NULL`)
	default:
		return nil, fmt.Errorf("%w: device state %q is not one of ready, not_ready, stale, never_reported, revoked", ErrInvalid, q.State)
	}
	if q.FailingCheck != "" {
		walk, err := s.walkNotPassing(ctx, q.FailingCheck)
		if err != nil {
			return nil, err
		}
		if walk {
			// Many fail it: test each device row's latest statuses
			// (statuses.go) in the page's order, which stops at a full
			// page (or the count's cap); in a team that requires the
			// check, statuses without it (see unreportedChecks).
			find := s.findText()
			cond := make([]string, len(notPassing))
			var entries []any
			for i, st := range notPassing {
				cond[i] = find + `(d.latest_statuses, ?) > 0`
				entries = append(entries, statusEntry(q.FailingCheck, st))
			}
			requiring, err := s.teamsRequiring(ctx, q.FailingCheck, q.TeamID)
			if err != nil {
				return nil, err
			}
			if len(requiring) > 0 {
				// The check's entry first: most devices have one.
				cond = append(cond, `(`+find+`(d.latest_statuses, ?) = 0 AND d.team_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(requiring)), ", ")+`))`)
				entries = append(append(entries, statusPrefix(q.FailingCheck)), requiring...)
			}
			c.add(`d.latest_statuses IS NOT NULL AND (`+strings.Join(cond, ` OR `)+`)`, entries...)
		} else {
			// Few do: read only those, from devices_not_passing (kept by
			// ingest with latest_statuses), not every device row.
			c.add(`d.id IN (SELECT f.device_id FROM devices_not_passing f WHERE f.check_id = ?)`, q.FailingCheck)
			c.few = true
		}
	}
	if q.NameContains != "" {
		like := likeContains(q.NameContains)
		switch {
		case s.d.name == "postgres" && c.few:
			// A list already keeps few devices: the planner joins the
			// names its trigram index finds with it. Tested on the
			// list's rows instead, it walked the page's order to find
			// them (86-116 ms against 70-80 with 1 in 100 stale).
			c.add(`d.id IN (SELECT n.id FROM devices n WHERE `+s.holdsSearch(`n.name`, like)+`)`, like)
		case s.d.name == "postgres":
			// Its trigram index (devices_name_trgm) finds few names,
			// and its statistics on the expression (migration 00016)
			// tell its planner when many match, to walk the page's
			// order instead. A scan capped at manySearched is planned
			// there as a full read when few match (it counts on the
			// LIMIT to stop it early): 10 times slower.
			c.add(s.holdsSearch(`d.name`, like), like)
		default:
			if err := s.searchFilter(ctx, c, q.Found, s.holdsSearch(`d.name`, like), like); err != nil {
				return nil, err
			}
		}
	}
	if q.SystemContains != "" {
		// PostgreSQL's statistics (migration 00016) are on this
		// expression, written exactly so.
		const system = `d.os || ' ' || d.os_version || ' ' || d.arch`
		like := likeContains(q.SystemContains)
		if err := s.searchFilter(ctx, c, q.Found, s.holdsSearch(system, like), like); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (s *sqlStore) SearchDevices(ctx context.Context, q DeviceQuery) ([]Device, error) {
	if q.Sort == DeviceSortTeam {
		if q.TeamID == "" {
			return s.searchDevicesByTeam(ctx, q)
		}
		q.Sort = DeviceSortID // one team: its devices by ID
	}
	key, ok := deviceSortKeys[q.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: devices cannot be sorted by %q", ErrInvalid, q.Sort)
	}
	c, err := s.deviceFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	if q.AfterID != "" && q.Sort == DeviceSortID && !q.Desc && q.After == nil && q.Before == nil {
		c.add(`d.id > ?`, q.AfterID)
	}
	p := pageSQL{table: "devices", cols: deviceCols, where: c, rank: stateRankSQL, rankArgs: []any{toMicros(q.StaleBefore)}}
	query, args, backward, err := p.query(key, q.Desc, q.After, q.Before, pageLimit(q.Limit))
	if err != nil {
		return nil, err
	}
	return keysetPage(ctx, s, query, args, pageLimit(q.Limit), backward, "searching devices", scanDevice)
}

// keysetPage runs a page query (without its LIMIT) and scans its rows,
// turning them round when they were read backwards (a previous page).
func keysetPage[T any](ctx context.Context, s *sqlStore, query string, args []any, limit int, backward bool, what string,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query+` LIMIT ?`), append(slices.Clip(args), limit)...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := collect(rows, what, scan)
	if backward {
		slices.Reverse(out)
	}
	return out, err
}

// searchDevicesByTeam sorts by team name, then ID: the teams (few) are
// walked in name order and each one's devices read in ID order from the
// devices_team index, until the page is full. The cursor's value is the
// team ID of its row.
func (s *sqlStore) searchDevicesByTeam(ctx context.Context, q DeviceQuery) ([]Device, error) {
	teams, err := s.Teams(ctx) // by name
	if err != nil {
		return nil, err
	}
	backward := q.Before != nil
	c := q.After
	if backward {
		c = q.Before
	}
	asc := q.Desc == backward
	if !asc {
		slices.Reverse(teams)
	}
	start := 0
	if c != nil {
		start = slices.IndexFunc(teams, func(t Team) bool { return t.ID == c.Value })
		if start < 0 {
			return nil, nil // the team is gone: an empty page
		}
	}
	limit := pageLimit(q.Limit)
	var out []Device
	for i := start; i < len(teams) && len(out) < limit; i++ {
		sub := q
		sub.Sort, sub.TeamID, sub.Desc, sub.After, sub.Before, sub.AfterID = DeviceSortID, teams[i].ID, !asc, nil, nil, ""
		sub.Limit = limit - len(out)
		if i == start && c != nil {
			sub.After = &Cursor{Value: c.ID, ID: c.ID}
		}
		devs, err := s.SearchDevices(ctx, sub)
		if err != nil {
			return nil, err
		}
		out = append(out, devs...)
	}
	if backward {
		slices.Reverse(out)
	}
	return out, nil
}

func (s *sqlStore) CountDevices(ctx context.Context, q DeviceQuery) (int, error) {
	c, err := s.deviceFilter(ctx, q)
	if err != nil {
		return 0, err
	}
	n, err := s.count(ctx, `SELECT 1 FROM devices d`+c.sql(), c.args, q.CountCap)
	if err != nil {
		return 0, fmt.Errorf("counting devices: %w", err)
	}
	return n, nil
}

// A team policy's rollout (the team page).

var rolloutSortKeys = map[string]sortKey{
	// Not yet running the version first, then by when they applied it
	// (appliedRankSQL), each by name.
	RolloutSortApplied: {cols: []keyCol{{rankCol, true}, {"d.name", false}}, id: "d.id", rank: true},
	RolloutSortName:    by("d.name", false, "d.id"),
}

// appliedRankSQL is 0 for a device not running the version (its one
// argument), else when it applied it (Unix microseconds, at least 1).
const appliedRankSQL = `CASE WHEN d.policy_etag = ? THEN COALESCE(d.policy_applied_at, 1) ELSE 0 END`

// rolloutPage is a page of the team's devices (not revoked) in the
// query's order.
func (s *sqlStore) rolloutPage(ctx context.Context, q RolloutQuery) ([]Device, error) {
	key, ok := rolloutSortKeys[q.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: a rollout cannot be sorted by %q", ErrInvalid, q.Sort)
	}
	c := &conditions{}
	c.add(`d.team_id = ? AND d.revoked_at IS NULL`, q.TeamID)
	p := pageSQL{table: "devices", cols: deviceCols, where: c, rank: appliedRankSQL, rankArgs: []any{q.ETag}}
	query, args, backward, err := p.query(key, q.Desc, q.After, q.Before, pageLimit(q.Limit))
	if err != nil {
		return nil, err
	}
	return keysetPage(ctx, s, query, args, pageLimit(q.Limit), backward, "listing the policy's devices", scanDevice)
}

// A device's check runs (the device page), from check_runs_device
// (device_id, started_at) by time; by ready or duration, the device's runs
// are sorted (one device's history, bounded by retention).

var runSortKeys = map[string]sortKey{
	RunSortStarted: by("d.started_at", true, "d.id"),
	// Not ready (0) before ready (1): PostgreSQL's boolean does not
	// compare with a cursor's number, so the rank is computed.
	RunSortReady: {cols: []keyCol{{rankCol, true}, {"d.started_at", true}}, id: "d.id", rank: true},
	RunSortTook:  {cols: []keyCol{{"d.duration_ms", true}, {"d.started_at", true}}, id: "d.id"},
}

func (s *sqlStore) DeviceRuns(ctx context.Context, q RunQuery) ([]CheckRunSummary, error) {
	key, ok := runSortKeys[q.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: check runs cannot be sorted by %q", ErrInvalid, q.Sort)
	}
	c := &conditions{}
	c.add(`d.device_id = ?`, q.DeviceID)
	p := pageSQL{table: "check_runs", cols: "id, started_at, received_at, duration_ms, ready, results", where: c,
		rank: `CASE WHEN d.ready THEN 1 ELSE 0 END`}
	query, args, backward, err := p.query(key, q.Desc, q.After, q.Before, pageLimit(q.Limit))
	if err != nil {
		return nil, err
	}
	return keysetPage(ctx, s, query, args, pageLimit(q.Limit), backward, "reading check runs", func(row interface{ Scan(...any) error }) (CheckRunSummary, error) {
		var r CheckRunSummary
		var started, received int64
		var results sql.NullString
		if err := row.Scan(&r.ID, &started, &received, &r.DurationMS, &r.Ready, &results); err != nil {
			return r, err
		}
		r.StartedAt, r.ReceivedAt = fromMicros(started), fromMicros(received)
		// Results are stored in check ID order.
		err := decodeResults(r.ID, q.DeviceID, started, results.String, func(res Result) {
			if slices.Contains(notPassing, res.Status) {
				r.NotPassing = append(r.NotPassing, res.ID)
			}
		})
		return r, err
	})
}

func (s *sqlStore) CountRuns(ctx context.Context, deviceID string) (int, error) {
	n, err := s.count(ctx, `SELECT 1 FROM check_runs WHERE device_id = ?`, []any{deviceID}, 0)
	if err != nil {
		return 0, fmt.Errorf("counting check runs: %w", err)
	}
	return n, nil
}

// Sessions.

var sessionSortKeys = map[string]sortKey{
	SessionSortAt:    by("s.at", true, "s.id"),
	SessionSortLabel: by("s.label", false, "s.id"),
	// By device name (a join), each device's sessions by time. The
	// device ID between them lets the planner walk the devices_name index
	// and each device's sessions from sessions_device, a page at a time.
	SessionSortDevice: {cols: []keyCol{{"d.name", false}, {"d.id", false}, {"s.at", true}}, id: "s.id"},
}

// sessionFilter is the FROM … WHERE of a session query, without paging.
// walk: sorted by device, SQLite is told to walk the devices by name
// (see SearchSessions).
func sessionFilter(q SessionQuery, walk bool) (from string, c *conditions) {
	from, c = ` FROM sessions s`, &conditions{}
	switch {
	case walk:
		from = ` FROM devices d CROSS JOIN sessions s ON s.device_id = d.id`
	case q.TeamID != "" || q.Sort == SessionSortDevice:
		from += ` JOIN devices d ON d.id = s.device_id`
	}
	if q.TeamID != "" {
		c.add(`d.team_id = ?`, q.TeamID)
	}
	if q.DeviceID != "" {
		c.add(`s.device_id = ?`, q.DeviceID)
	}
	if q.Label != "" {
		c.add(`s.label = ?`, q.Label)
	}
	if q.StartsOnly {
		c.add(`s.event = 'start'`)
	}
	if q.OverridesOnly {
		c.add(`s.override_reason IS NOT NULL`)
	}
	if !q.Since.IsZero() {
		c.add(`s.at >= ?`, toMicros(q.Since))
	}
	if !q.Until.IsZero() {
		c.add(`s.at < ?`, toMicros(q.Until))
	}
	return from, c
}

func (s *sqlStore) SearchSessions(ctx context.Context, q SessionQuery) ([]Session, error) {
	key, ok := sessionSortKeys[q.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: sessions cannot be sorted by %q", ErrInvalid, q.Sort)
	}
	// Sorted by device, a page is the devices in name order (the
	// devices_name index), each one's sessions from sessions_device:
	// PostgreSQL plans that itself; SQLite joined and sorted every
	// session (100 ms at 100k) unless CROSS JOIN fixes the devices as the
	// outer loop, which is right unless a filter picks a few sessions.
	walk := q.Sort == SessionSortDevice && s.d.name != "postgres" && q.DeviceID == "" && q.Label == "" &&
		!q.OverridesOnly && q.Since.IsZero() && q.Until.IsZero()
	from, c := sessionFilter(q, walk)
	cond, args, order, backward, err := key.keyset(!q.Ascending, q.After, q.Before)
	if err != nil {
		return nil, err
	}
	switch {
	case cond != "":
		c.add(cond, args...)
	case !q.BeforeAt.IsZero() && q.Sort == SessionSortAt && !q.Ascending:
		b := toMicros(q.BeforeAt)
		c.add(`(s.at < ? OR (s.at = ? AND s.id < ?))`, b, b, q.BeforeID)
	}
	cols, scan := sessionCols, scanSession
	if q.Sort == SessionSortDevice {
		// The device's name too: the page cursor holds it.
		cols += `, d.name`
		scan = func(row interface{ Scan(...any) error }) (Session, error) {
			var name string
			x, err := scanSession(scanAlso{row, []any{&name}})
			x.DeviceName = name
			return x, err
		}
	}
	return keysetPage(ctx, s, `SELECT `+cols+from+c.sql()+` ORDER BY `+order,
		c.args, pageLimit(q.Limit), backward, "searching sessions", scan)
}

// scanAlso scans a row into a scanner's destinations and then extra.
type scanAlso struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

func (s *sqlStore) CountSessions(ctx context.Context, q SessionQuery) (int, error) {
	q.Sort = SessionSortAt // the order joins nothing it needs
	from, c := sessionFilter(q, false)
	n, err := s.count(ctx, `SELECT 1`+from+c.sql(), c.args, q.CountCap)
	if err != nil {
		return 0, fmt.Errorf("counting sessions: %w", err)
	}
	return n, nil
}

// count counts the rows of a query, stopping at limit when it is above 0.
func (s *sqlStore) count(ctx context.Context, rows string, args []any, limit int) (int, error) {
	query := `SELECT COUNT(*) FROM (` + rows + `) c`
	if limit > 0 {
		query = `SELECT COUNT(*) FROM (` + rows + ` LIMIT ?) c`
		args = append(slices.Clip(args), limit)
	}
	var n int
	err := s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&n)
	return n, err
}

func (s *sqlStore) SessionFollowUps(ctx context.Context, sessionIDs []string) ([]Session, error) {
	if len(sessionIDs) == 0 {
		return nil, nil
	}
	if len(sessionIDs) > 1000 {
		return nil, fmt.Errorf("%w: at most 1000 sessions at a time", ErrInvalid)
	}
	args := make([]any, len(sessionIDs))
	for i, id := range sessionIDs {
		args[i] = id
	}
	query := `SELECT ` + sessionCols + ` FROM sessions s WHERE s.session_id IN (?` + strings.Repeat(`, ?`, len(args)-1) +
		`) AND s.event <> 'start' ORDER BY s.at, s.id`
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading session records: %w", err)
	}
	return collect(rows, "reading session records", scanSession)
}

// The audit log.

var auditSortKeys = map[string]sortKey{
	AuditSortID:     {id: "id", intID: true},
	AuditSortActor:  {cols: []keyCol{{"actor", false}}, id: "id", intID: true},
	AuditSortAction: {cols: []keyCol{{"action", false}}, id: "id", intID: true},
}

func auditFilter(f AuditFilter) *conditions {
	c := &conditions{}
	if f.Target != "" {
		c.add(`target = ?`, f.Target)
	}
	return c
}

func (s *sqlStore) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	key, ok := auditSortKeys[f.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: the audit log cannot be sorted by %q", ErrInvalid, f.Sort)
	}
	c := auditFilter(f)
	cond, args, order, backward, err := key.keyset(!f.Ascending, f.After, f.Before)
	if err != nil {
		return nil, err
	}
	switch {
	case cond != "":
		c.add(cond, args...)
	case f.BeforeID > 0 && f.Sort == AuditSortID && !f.Ascending:
		c.add(`id < ?`, f.BeforeID)
	}
	return keysetPage(ctx, s, `SELECT id, at, actor, action, target, detail FROM audit_log`+c.sql()+` ORDER BY `+order,
		c.args, clampLimit(f.Limit, 100, 1000), backward, "reading audit log", func(row interface{ Scan(...any) error }) (AuditEntry, error) {
			var e AuditEntry
			var at int64
			err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail)
			e.At = fromMicros(at)
			return e, err
		})
}

func (s *sqlStore) CountAudit(ctx context.Context, f AuditFilter) (int, error) {
	c := auditFilter(f)
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM audit_log`+c.sql()), c.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the audit log: %w", err)
	}
	return n, nil
}
