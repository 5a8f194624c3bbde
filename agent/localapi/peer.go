package localapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
)

// Peer is the identity of the process at the other end of a local API
// connection, as the kernel reports it (SO_PEERCRED on Linux,
// LOCAL_PEERCRED on macOS, the pipe client's token on Windows). It never
// comes from anything the client sends.
type Peer struct {
	// UID is the peer's user: the decimal uid on unix, the user's SID
	// string (S-1-5-…) on Windows. Empty when the identity is unknown.
	UID string
	// GID is the peer's primary group: the decimal gid on unix, empty on
	// Windows.
	GID string
	// PID is the peer's process id, 0 when unknown.
	PID int
	// Privileged is true for uid 0 on unix, and on Windows for LocalSystem
	// or an elevated (UAC) token.
	Privileged bool
}

// Known reports whether the kernel told us who the peer is.
func (p Peer) Known() bool { return p.UID != "" }

type peerKey struct{}

type shutdownKey struct{}

// WithPeer returns a context carrying p; NewServer's ConnContext does this
// for every connection. Tests of a handler without a socket may use it.
func WithPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFromContext returns the peer stored by ConnContext or WithPeer.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// ConnContext is an http.Server ConnContext that reads the peer
// credentials of c from the kernel and stores them in the connection's
// context. When they cannot be read the peer is stored as unknown (read
// only under DefaultAuthorizer).
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(interface{ peer() Peer }); ok {
		return WithPeer(ctx, lc.peer()) // read once, by LimitListener
	}
	p, err := peerOf(c)
	if err != nil {
		slog.Warn("local api peer credentials unavailable", "err", err)
		p = Peer{}
	}
	return WithPeer(ctx, p)
}

// DefaultAuthorizer lets root (or LocalSystem / an elevated token on
// Windows) and the console user write; every other known or unknown peer
// may only read. consoleUID returns the uid (a SID string on Windows) of
// the user at the console; an error or an empty answer means nobody is at
// the console, so only privileged peers may write.
func DefaultAuthorizer(consoleUID func() (string, error)) func(Peer) bool {
	return func(p Peer) bool {
		if !p.Known() {
			return false
		}
		if p.Privileged {
			return true
		}
		if consoleUID == nil {
			return false
		}
		uid, err := consoleUID()
		if err != nil {
			slog.Debug("local api console user unknown", "err", err)
			return false
		}
		return uid != "" && uid == p.UID
	}
}

func errPeer(op string, err error) error {
	return fmt.Errorf("reading peer credentials (%s): %w", op, err)
}
