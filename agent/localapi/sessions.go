package localapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/sessionguard/sessionguard/report"
)

// PathSessions is GET sessions: the session log as the agent reads it,
// checked (SessionLog). Only root and the user at the console may read
// it, as only they may write: the log is the agent's (root-only on disk),
// and the practitioner at the screen reads it through the agent.
const PathSessions = "sessions"

// ErrUnsupported: the agent is too old for this endpoint (404 not_found).
var ErrUnsupported = errors.New("the running SessionGuard agent is too old for this; update it")

// SessionLog is the answer of GET sessions.
type SessionLog struct {
	// Path is the log file on the agent's computer.
	Path string `json:"path"`
	// Records counts the intact records (before Broken, when set); Head
	// is the hash of the last intact line (zeros for an empty log).
	Records int    `json:"records"`
	Head    string `json:"head"`
	// Broken is the first line that is not intact, if any.
	Broken *BrokenLine `json:"broken,omitempty"`
	// Entries are every record that could be read, in file order; those
	// from Broken.Line on cannot be trusted.
	Entries []SessionEntry `json:"entries"`
}

// SessionEntry is one record of the log with its sequence number.
type SessionEntry struct {
	Seq    int64                `json:"seq"`
	Record report.SessionRecord `json:"record"`
}

// BrokenLine points at the first line of a log that is not intact.
type BrokenLine struct {
	Line   int    `json:"line"`
	Seq    int64  `json:"seq,omitempty"`
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
}

// SessionLogBackend is a Backend that can show its session log. A Backend
// without it answers GET sessions with 404 not_found, as an older agent
// does.
type SessionLogBackend interface {
	SessionLog(ctx context.Context) (SessionLog, error)
}

// SessionLog is GET sessions: ErrForbidden for a user who is neither root
// nor at the console, ErrUnsupported from an agent without the endpoint.
func (c *Client) SessionLog(ctx context.Context) (SessionLog, error) {
	var l SessionLog
	err := c.do(ctx, http.MethodGet, PathSessions, nil, &l, nil)
	if ae := (*APIError)(nil); errors.As(err, &ae) && ae.Code == CodeNotFound {
		ae.sentinel = ErrUnsupported
	}
	return l, err
}
