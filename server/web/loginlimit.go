package web

import (
	"strings"
	"sync"
	"time"
)

// Login rate limiting (issue 16, item 7).
//
// An attempt is counted before its password is verified, under one lock,
// against two fixed windows: the client address (maxAttemptsPerIP) and
// the account name (maxFailuresPerAccount). An attempt over either limit is
// refused without hashing anything, so N parallel guesses cost at most the
// limit in argon2 verifications, never N. A good password gives its
// address's attempt back and clears the account's count.
//
// Nobody can lock every admin out:
//   - the account limit applies only to addresses that have not signed in
//     to that account recently (knownFor): an admin at the address they
//     used last time still gets in while an attacker elsewhere is paused;
//     only the per-address limit, which an attacker can only spend on
//     their own addresses, applies there;
//   - the address limit is per address, so one attacker's address pauses
//     that address only. (Behind a proxy every client shares the proxy's
//     address unless the proxy is listed in Options.TrustedProxies.)
//
// The audit log, kept for good, gets at most two entries per target and
// address per window (the first failure, then one when the limit is
// reached, with the count); refused attempts are not written one by one.
//
// The counts live in memory: with several replicas, each enforces its own.
const (
	loginWindow           = 15 * time.Minute
	maxAttemptsPerIP      = 20
	maxFailuresPerAccount = 5
	// knownFor is how long a successful sign-in from an address exempts
	// that address from the account's limit.
	knownFor          = 30 * 24 * time.Hour
	maxLimiterEntries = 10000
)

type failureCount struct {
	n     int
	start time.Time
}

type loginLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	byIP      map[string]*failureCount
	byAccount map[string]*failureCount
	// audited counts failures per target and address for the audit log.
	audited map[string]*failureCount
	// known: account + "\x00" + address → the last good sign-in.
	known map[string]time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, byIP: map[string]*failureCount{}, byAccount: map[string]*failureCount{},
		audited: map[string]*failureCount{}, known: map[string]time.Time{}}
}

func accountKey(name string) string { return strings.ToLower(name) }

// window returns m[key]'s count in the current window, starting a new one
// when the old one ended (evicting when the map is full).
func (l *loginLimiter) window(m map[string]*failureCount, key string, now time.Time) *failureCount {
	f := m[key]
	if f == nil || now.Sub(f.start) >= loginWindow {
		if f == nil && len(m) >= maxLimiterEntries {
			evict(m, now)
		}
		f = &failureCount{start: now}
		m[key] = f
	}
	return f
}

// loginAttempt is a counted attempt; its outcome goes to succeeded or
// failed.
type loginAttempt struct {
	ip, account string
}

// begin counts an attempt before its password is checked. When the client
// or the account must wait, it returns how long and why, and counts
// nothing.
func (l *loginLimiter) begin(ip, account string) (loginAttempt, time.Duration, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	acc := accountKey(account)
	byIP := l.window(l.byIP, ip, now)
	byAccount := l.window(l.byAccount, acc, now)
	known := now.Sub(l.known[acc+"\x00"+ip]) < knownFor
	if byIP.n >= maxAttemptsPerIP {
		return loginAttempt{}, loginWindow - now.Sub(byIP.start), "Too many failed sign-ins from your network address."
	}
	if !known && byAccount.n >= maxFailuresPerAccount {
		return loginAttempt{}, loginWindow - now.Sub(byAccount.start), "Too many failed sign-ins for this account from new addresses. To protect it, sign-in from here is paused (an address this account signed in from recently is not paused; another admin can reset the password with: sessionguard-server admin set-password NAME)."
	}
	byIP.n++
	byAccount.n++
	return loginAttempt{ip: ip, account: acc}, 0, ""
}

// succeeded gives the address its attempt back, clears the account's
// count and remembers the address as the account's.
func (l *loginLimiter) succeeded(a loginAttempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.byIP[a.ip]; f != nil && f.n > 0 {
		f.n--
	}
	delete(l.byAccount, a.account)
	key := a.account + "\x00" + a.ip
	if _, ok := l.known[key]; !ok && len(l.known) >= maxLimiterEntries {
		l.forgetOldestKnown()
	}
	l.known[key] = l.now()
}

// failed counts a failure against target (an account name, or "unknown
// account") from ip for the audit log and says whether to write an entry:
// the first of a window, and the one that reaches the account limit.
func (l *loginLimiter) failed(target, ip string) (audit bool, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.window(l.audited, accountKey(target)+"\x00"+ip, l.now())
	f.n++
	return f.n == 1 || f.n == maxFailuresPerAccount, f.n
}

func (l *loginLimiter) forgetOldestKnown() {
	oldestKey, oldest := "", l.now()
	for k, at := range l.known {
		if at.Before(oldest) {
			oldestKey, oldest = k, at
		}
	}
	delete(l.known, oldestKey)
}

// evict drops expired windows, or the oldest one when none has expired.
func evict(m map[string]*failureCount, now time.Time) {
	oldestKey, oldest := "", now
	for k, f := range m {
		if now.Sub(f.start) >= loginWindow {
			delete(m, k)
			continue
		}
		if !f.start.After(oldest) {
			oldestKey, oldest = k, f.start
		}
	}
	if len(m) >= maxLimiterEntries {
		delete(m, oldestKey)
	}
}
