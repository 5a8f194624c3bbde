package web

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/server/store"
)

// Sorted, paged tables. Every table's header links sort it by a column
// (?sort=KEY&dir=asc|desc, keys from the table's own whitelist, anything
// else is the default order); long lists page with keyset cursors
// (?after_v=&after_id= for the next page, ?before_v=&before_id= for the
// previous one), so a page stays right however the list is sorted and
// however deep it is; each table says how many rows it has in all.

// sortCol is one column of a table's header; Key empty: not sortable.
type sortCol struct {
	Key, Label string
	// DescFirst: the first click sorts newest (or largest) first.
	DescFirst bool
}

// listSpec is a table's sort order and page cursor, read from the query.
type listSpec struct {
	Sort          string
	Desc          bool
	After, Before *store.Cursor
	// Prefix is put before the table's query parameters (runs_sort,
	// runs_after_v, …) when a page has a second paged table.
	Prefix string
}

// maxCursor caps a cursor field taken from a URL: room for a JSON list
// holding a 200-byte device name with every character escaped (\u003c).
const maxCursor = 2048

// parseList reads the sort and the cursor; def is the default column.
func parseList(q url.Values, cols []sortCol, def string) listSpec {
	return parseListAs("", q, cols, def)
}

// parseListAs reads the sort and the cursor of the table whose query
// parameters start with prefix.
func parseListAs(prefix string, q url.Values, cols []sortCol, def string) listSpec {
	s := listSpec{Sort: def, Prefix: prefix}
	key := q.Get(prefix + "sort")
	found := false
	for _, c := range cols {
		if c.Key != "" && c.Key == key {
			s.Sort, found = key, true
		}
	}
	s.Desc = defaultDesc(cols, s.Sort)
	if found || key == "" {
		switch q.Get(prefix + "dir") {
		case "asc":
			s.Desc = false
		case "desc":
			s.Desc = true
		}
	}
	cursor := func(which string) *store.Cursor {
		id := q.Get(prefix + which + "_id")
		if id == "" {
			return nil
		}
		return &store.Cursor{Value: limitString(q.Get(prefix+which+"_v"), maxCursor), ID: limitString(id, maxCursor)}
	}
	if s.Before = cursor("before"); s.Before == nil {
		s.After = cursor("after")
	}
	return s
}

func defaultDesc(cols []sortCol, key string) bool {
	for _, c := range cols {
		if c.Key == key {
			return c.DescFirst
		}
	}
	return false
}

// pagingKeys are the query parameters of the sort and the cursor.
var pagingKeys = []string{"sort", "dir", "after_v", "after_id", "before_v", "before_id"}

// others is q without this table's sort and cursor (another table's on
// the same page are kept).
func (s listSpec) others(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if !strings.HasPrefix(k, s.Prefix) || !slices.Contains(pagingKeys, strings.TrimPrefix(k, s.Prefix)) {
			out[k] = v
		}
	}
	return out
}

// keepSort is the sort of q as hidden form fields, so a table's filter
// form keeps the order the admin chose (a new filter starts at page 1).
func keepSort(q url.Values) []fact {
	var out []fact
	for _, k := range []string{"sort", "dir"} {
		if v := q.Get(k); v != "" {
			out = append(out, fact{k, limitString(v, 20)})
		}
	}
	return out
}

// header is one rendered column heading.
type header struct {
	Label string
	// Href sorts by this column (empty: not sortable); Active marks the
	// current sort, Desc its direction.
	Href         string
	Active, Desc bool
}

// AriaSort is the heading's aria-sort value.
func (h header) AriaSort() string {
	switch {
	case !h.Active:
		return ""
	case h.Desc:
		return "descending"
	}
	return "ascending"
}

// headers are the table's headings with their sort links (clicking the
// current sort column turns it round); a new sort starts at the first page.
func (s listSpec) headers(path string, q url.Values, cols []sortCol) []header {
	base := s.others(q)
	out := make([]header, len(cols))
	for i, c := range cols {
		out[i] = header{Label: c.Label}
		if c.Key == "" {
			continue
		}
		desc := c.DescFirst
		if c.Key == s.Sort {
			out[i].Active, out[i].Desc = true, s.Desc
			desc = !s.Desc
		}
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		v.Set(s.Prefix+"sort", c.Key)
		v.Set(s.Prefix+"dir", map[bool]string{false: "asc", true: "desc"}[desc])
		out[i].Href = path + "?" + v.Encode()
	}
	return out
}

// pager is the line under a table: the total and the page links.
type pager struct {
	Total int
	// AtLeast: Total is a floor (counting stopped there).
	AtLeast    bool
	Noun       string
	Prev, Next string
	// First goes back to the first page (shown from the third page on).
	First string
	// IDPrefix keeps the links' element IDs apart when a page has two
	// paged tables ("runs-next-page").
	IDPrefix string
}

// page trims a page read with limit pageSize+1 to pageSize rows and
// builds its pager: one row more than a page in the direction read means
// there is another page that way; a page reached through a cursor has one
// the other way.
func page[T any](rows []T, s listSpec, path string, q url.Values, total int, noun string, cursor func(T) store.Cursor) ([]T, pager) {
	p := pager{Total: total, Noun: noun, IDPrefix: strings.ReplaceAll(s.Prefix, "_", "-")}
	var hasPrev, hasNext bool
	if s.Before != nil {
		hasNext = true
		if hasPrev = len(rows) > pageSize; hasPrev {
			rows = rows[len(rows)-pageSize:]
		}
	} else {
		hasPrev = s.After != nil
		if hasNext = len(rows) > pageSize; hasNext {
			rows = rows[:pageSize]
		}
	}
	if len(rows) == 0 {
		hasPrev, hasNext = s.After != nil || s.Before != nil, false
	}
	link := func(which string, c *store.Cursor) string {
		v := s.others(q)
		sort, dir := s.Prefix+"sort", s.Prefix+"dir"
		if q.Get(sort) != "" {
			v.Set(sort, s.Sort)
		}
		if q.Get(dir) != "" || q.Get(sort) != "" {
			v.Set(dir, map[bool]string{false: "asc", true: "desc"}[s.Desc])
		}
		if c != nil {
			v.Set(s.Prefix+which+"_v", c.Value)
			v.Set(s.Prefix+which+"_id", c.ID)
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if hasPrev {
		if len(rows) > 0 {
			c := cursor(rows[0])
			p.Prev = link("before", &c)
		}
		p.First = link("", nil)
	}
	if hasNext && len(rows) > 0 {
		c := cursor(rows[len(rows)-1])
		p.Next = link("after", &c)
	}
	return rows, p
}

// Label is "1 device" or "12 devices".
func (p pager) Label() string {
	if p.AtLeast {
		return "more than " + strconv.Itoa(p.Total-1) + " " + plural(p.Noun)
	}
	if p.Total == 1 {
		return "1 " + p.Noun
	}
	return strconv.Itoa(p.Total) + " " + plural(p.Noun)
}

func plural(noun string) string {
	if strings.HasSuffix(noun, "y") {
		return strings.TrimSuffix(noun, "y") + "ies"
	}
	return noun + "s"
}

// sortRows sorts a short, fully loaded list in Go by the chosen column's
// key (ties keep their order), for tables that need no paging.
func sortRows[T any, K cmp.Ordered](rows []T, desc bool, key func(T) K) {
	slices.SortStableFunc(rows, func(a, b T) int {
		c := cmp.Compare(key(a), key(b))
		if desc {
			return -c
		}
		return c
	})
}

// jumpTo makes a table's sort and page links land on the element id, for
// a table low on a long page (the team page's rollout, a device's
// sessions).
func jumpTo(id string, hs []header, p *pager) {
	for i := range hs {
		if hs[i].Href != "" {
			hs[i].Href += "#" + id
		}
	}
	for _, l := range []*string{&p.Prev, &p.Next, &p.First} {
		if *l != "" {
			*l += "#" + id
		}
	}
}
