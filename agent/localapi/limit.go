package localapi

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Limits bound what local users can hold open on the agent's socket, so
// that one user cannot starve the agent (or root's `session start`) of
// connections and file descriptors. Root (a privileged peer) and the user
// at the console each have their own reserve, which no other user's
// connections count against.
type Limits struct {
	// PerUser is how many connections one ordinary user (neither root nor
	// at the console) may hold at once.
	PerUser int
	// Others is how many connections all ordinary users together may hold.
	Others int
	// Reserved is how many connections root may hold, and apart from it
	// the console user.
	Reserved int
	// StreamsPerUser is how many watch streams one ordinary user may hold;
	// root and the console user may hold StreamsReserved.
	StreamsPerUser, StreamsReserved int
}

// DefaultLimits are the agent's limits: enough for a tray and a few CLI
// commands per user, far below the file descriptors of a service.
var DefaultLimits = Limits{PerUser: 8, Others: 32, Reserved: 16, StreamsPerUser: 2, StreamsReserved: 8}

// CodeTooMany answers a watch beyond the user's streams (429).
const CodeTooMany = "too_many"

// ConsoleUIDTTL is how long CachedConsoleUID keeps an answer.
const ConsoleUIDTTL = 5 * time.Second

// CachedConsoleUID keeps lookup's answer (the console user's uid; running
// `loginctl` on Linux) for ttl, so that a flood of requests does not run
// it once per request. Concurrent callers after expiry wait for one
// lookup. An error is kept as well: nobody is at the console until the
// next lookup.
func CachedConsoleUID(lookup func() (string, error), ttl time.Duration) func() (string, error) {
	return cachedConsoleUID(lookup, ttl, time.Now)
}

func cachedConsoleUID(lookup func() (string, error), ttl time.Duration, now func() time.Time) func() (string, error) {
	var (
		mu      sync.Mutex
		uid     string
		err     error
		expires time.Time
	)
	return func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if t := now(); t.After(expires) || t.Before(expires.Add(-ttl)) {
			uid, err = lookup()
			expires = now().Add(ttl)
		}
		return uid, err
	}
}

// peerClass is whose reserve a connection counts against.
type peerClass int

const (
	classOther peerClass = iota
	classRoot
	classConsole
)

// limiter counts connections per class and per ordinary uid.
type limiter struct {
	l       Limits
	console func() (string, error)

	mu      sync.Mutex
	byClass [3]int
	byUID   map[string]int
}

func (lm *limiter) classify(p Peer) peerClass {
	switch {
	case p.Known() && p.Privileged:
		return classRoot
	case p.Known() && lm.console != nil:
		if uid, err := lm.console(); err == nil && uid != "" && uid == p.UID {
			return classConsole
		}
	}
	return classOther
}

// take counts a connection of p, or reports false when p is over its
// limit.
func (lm *limiter) take(p Peer) (peerClass, bool) {
	c := lm.classify(p)
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if c != classOther {
		if lm.byClass[c] >= lm.l.Reserved {
			return c, false
		}
		lm.byClass[c]++
		return c, true
	}
	if lm.byClass[classOther] >= lm.l.Others || lm.byUID[p.UID] >= lm.l.PerUser {
		return c, false
	}
	lm.byClass[classOther]++
	lm.byUID[p.UID]++
	return c, true
}

func (lm *limiter) release(p Peer, c peerClass) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	lm.byClass[c]--
	if c == classOther {
		if lm.byUID[p.UID]--; lm.byUID[p.UID] <= 0 {
			delete(lm.byUID, p.UID)
		}
	}
}

// LimitListener returns ln with l enforced: Accept reads each connection's
// peer credentials from the kernel and closes at once a connection beyond
// its user's limit (the client sees the connection closed), so the
// agent's descriptors and goroutines stay bounded whatever one user does.
// console names the console user's uid (wrap a `loginctl` lookup in
// CachedConsoleUID). ConnContext reuses the credentials read here.
func LimitListener(ln net.Listener, l Limits, console func() (string, error)) net.Listener {
	return &limitListener{Listener: ln, lm: &limiter{l: l, console: console, byUID: map[string]int{}}}
}

type limitListener struct {
	net.Listener
	lm *limiter
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		p, err := peerOf(c)
		if err != nil {
			slog.Warn("local api peer credentials unavailable", "err", err)
			p = Peer{}
		}
		class, ok := ll.lm.take(p)
		if !ok {
			slog.Debug("local api connection over the limit refused", "uid", p.UID)
			_ = c.Close()
			continue
		}
		return &limitedConn{Conn: c, p: p, release: func() { ll.lm.release(p, class) }}, nil
	}
}

// limitedConn gives its count back once, when closed.
type limitedConn struct {
	net.Conn
	p       Peer
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func (c *limitedConn) peer() Peer { return c.p }

// streamCounter bounds watch streams per uid.
type streamCounter struct {
	mu    sync.Mutex
	byUID map[string]int
}

// errTooManyStreams: the user holds its watch streams already.
var errTooManyStreams = errors.New("too many open watch streams for this user; close one (another tray or `sessionguard status --watch`) first")

func (s *streamCounter) take(uid string, limit int) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byUID == nil {
		s.byUID = map[string]int{}
	}
	if s.byUID[uid] >= limit {
		return nil, errTooManyStreams
	}
	s.byUID[uid]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byUID[uid]--; s.byUID[uid] <= 0 {
			delete(s.byUID, uid)
		}
	}, nil
}
