// Package credentials keeps the device's enrolment: the server URL, the
// device id and the device token the server issued.
//
// The token goes into the OS credential store through
// github.com/zalando/go-keyring when that works (Windows Credential
// Manager, macOS Keychain, the D-Bus Secret Service). Every keyring call is
// bounded by a timeout (3 s by default): the Secret Service in particular
// can hang when no daemon answers, and a system service often has no
// session bus at all. When the keyring is unavailable the token is kept in
// the credentials file itself, which is always written atomically, 0600 and
// owned by the user the agent runs as (root for the service).
//
// The file always exists once enrolled and says where the token is, so
// Load never has to guess and Delete cleans up both places. The token is
// never logged: errors from the keyring are scrubbed of it before they are
// logged or returned.
package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/internal/atomicfile"
)

// Keyring service and account names under which the token is stored.
const (
	KeyringService = "sessionguard"
	KeyringUser    = "device-token"
)

// DefaultKeyringTimeout bounds every keyring call.
const DefaultKeyringTimeout = 3 * time.Second

// Errors.
var (
	// ErrNotEnrolled: no credentials are stored.
	ErrNotEnrolled = errors.New("this device is not enrolled (run 'sessionguard enroll --server URL --secret S')")
	// ErrKeyringTimeout: a keyring call did not return in time.
	ErrKeyringTimeout = errors.New("the OS keyring did not answer in time")
	// ErrInsecureFile: the credentials file is readable by others or not
	// ours, so it is not trusted.
	ErrInsecureFile = errors.New("the credentials file is not private to this user")
	// ErrInvalid: credentials with a missing field or a bad server URL.
	ErrInvalid = errors.New("invalid credentials")
)

// Creds is a device's enrolment.
type Creds struct {
	ServerURL string
	DeviceID  string
	Token     string
}

// Keyring is an OS credential store (go-keyring's interface, minus
// DeleteAll).
type Keyring interface {
	Set(service, user, secret string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// SystemKeyring is the OS keyring through go-keyring. On Linux that is
// the Secret Service on the session bus, asked only when a session bus is
// there to ask (see sessionBusKnown): with none, go-keyring's D-Bus
// library would run dbus-launch, found on PATH, which starts a session
// bus of its own — as root, from the agent's service.
type SystemKeyring struct{}

func (SystemKeyring) Set(service, user, secret string) error {
	if !sessionBusKnown() {
		return ErrKeyringUnavailable
	}
	return keyring.Set(service, user, secret)
}
func (SystemKeyring) Get(service, user string) (string, error) {
	if !sessionBusKnown() {
		return "", ErrKeyringUnavailable
	}
	return keyring.Get(service, user)
}
func (SystemKeyring) Delete(service, user string) error {
	if !sessionBusKnown() {
		return ErrKeyringUnavailable
	}
	return keyring.Delete(service, user)
}

// FuncKeyring is a Keyring made of functions (a nil function fails with
// ErrKeyringUnavailable), for tests and for platforms that need glue.
type FuncKeyring struct {
	SetFunc    func(service, user, secret string) error
	GetFunc    func(service, user string) (string, error)
	DeleteFunc func(service, user string) error
}

// ErrKeyringUnavailable is returned by NoKeyring and by FuncKeyring's
// missing functions.
var ErrKeyringUnavailable = errors.New("no OS keyring")

func (k FuncKeyring) Set(service, user, secret string) error {
	if k.SetFunc == nil {
		return ErrKeyringUnavailable
	}
	return k.SetFunc(service, user, secret)
}

func (k FuncKeyring) Get(service, user string) (string, error) {
	if k.GetFunc == nil {
		return "", ErrKeyringUnavailable
	}
	return k.GetFunc(service, user)
}

func (k FuncKeyring) Delete(service, user string) error {
	if k.DeleteFunc == nil {
		return ErrKeyringUnavailable
	}
	return k.DeleteFunc(service, user)
}

// NoKeyring never stores anything: the token always goes to the file.
var NoKeyring Keyring = FuncKeyring{}

// Options configure a Store; the zero value is the system's defaults.
type Options struct {
	// Path of the credentials file (DefaultPath when empty).
	Path string
	// Keyring is the OS credential store (SystemKeyring when nil).
	Keyring Keyring
	// Timeout bounds every keyring call (DefaultKeyringTimeout when 0).
	Timeout time.Duration
	// Logger gets warnings, never the token (slog.Default when nil).
	Logger *slog.Logger
}

// Store loads and saves the device's credentials. It is safe for
// concurrent use.
type Store struct {
	path    string
	keyring Keyring
	timeout time.Duration
	log     *slog.Logger

	mu sync.Mutex
	// keyringDown is set after a keyring call timed out, so that later
	// saves in this process do not wait again.
	keyringDown bool
	// cached is the last loaded or saved Creds and the file they came
	// from: Load is called before every batch of reports and must not ask
	// the keyring each time. A re-enrolment replaces the file (a new
	// inode), which invalidates the cache.
	cached     *Creds
	cachedFile os.FileInfo
}

// New returns a Store.
func New(opts Options) (*Store, error) {
	s := &Store{path: opts.Path, keyring: opts.Keyring, timeout: opts.Timeout, log: opts.Logger}
	if s.path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		s.path = p
	}
	if s.keyring == nil {
		s.keyring = SystemKeyring{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultKeyringTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Path is the credentials file.
func (s *Store) Path() string { return s.path }

// Token locations in the file.
const (
	inKeyring = "keyring"
	inFile    = "file"
)

// file is the credentials file. Token is set only when TokenIn is "file".
type file struct {
	ServerURL string `json:"server_url"`
	DeviceID  string `json:"device_id"`
	TokenIn   string `json:"token_in"`
	Token     string `json:"token,omitempty"`
}

// Load returns the stored credentials, ErrNotEnrolled when there are none.
func (s *Store) Load() (Creds, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.cached = nil
		return Creds{}, ErrNotEnrolled
	}
	if err != nil {
		return Creds{}, fmt.Errorf("reading credentials: %w", err)
	}
	if s.cached != nil && os.SameFile(fi, s.cachedFile) && fi.ModTime().Equal(s.cachedFile.ModTime()) && fi.Size() == s.cachedFile.Size() {
		return *s.cached, nil
	}
	if err := checkPrivate(s.path, fi); err != nil {
		return Creds{}, fmt.Errorf("reading credentials %s: %w", s.path, err)
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return Creds{}, fmt.Errorf("reading credentials: %w", err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return Creds{}, fmt.Errorf("reading credentials %s: %w", s.path, err)
	}
	c := Creds{ServerURL: f.ServerURL, DeviceID: f.DeviceID}
	switch f.TokenIn {
	case inFile:
		c.Token = f.Token
	case inKeyring:
		var tok string
		err := s.call(func() (err error) {
			tok, err = s.keyring.Get(KeyringService, KeyringUser)
			return err
		})
		if errors.Is(err, keyring.ErrNotFound) {
			return Creds{}, fmt.Errorf("%w: the device token is missing from the OS keyring", ErrNotEnrolled)
		}
		if err != nil {
			return Creds{}, fmt.Errorf("reading the device token from the OS keyring: %w", err)
		}
		c.Token = tok
	default:
		return Creds{}, fmt.Errorf("reading credentials %s: %w: token_in is %q", s.path, ErrInvalid, f.TokenIn)
	}
	if err := c.validate(); err != nil {
		return Creds{}, fmt.Errorf("reading credentials %s: %w", s.path, err)
	}
	s.cached, s.cachedFile = &c, fi
	return c, nil
}

// Token returns the device token (for the reporter).
func (s *Store) Token() (string, error) {
	c, err := s.Load()
	return c.Token, err
}

func (c Creds) validate() error {
	if c.DeviceID == "" || c.Token == "" {
		return fmt.Errorf("%w: device id and token are required", ErrInvalid)
	}
	if _, err := ParseServerURL(c.ServerURL); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Save stores c, replacing any previous enrolment: the token in the OS
// keyring when it answers in time, else in the (0600) file.
func (s *Store) Save(c Creds) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := file{ServerURL: c.ServerURL, DeviceID: c.DeviceID, TokenIn: inFile, Token: c.Token}
	if !s.keyringDown {
		err := s.call(func() error { return s.keyring.Set(KeyringService, KeyringUser, c.Token) })
		if err == nil {
			f.TokenIn, f.Token = inKeyring, ""
		} else {
			s.log.Warn("OS keyring unavailable, keeping the device token in a private file", "file", s.path, "err", scrub(err.Error(), c.Token))
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	if err := statedir.MkdirPrivate(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, data, 0o600); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	s.cached = nil
	if fi, err := os.Stat(s.path); err == nil {
		s.cached, s.cachedFile = &c, fi
	}
	return nil
}

// Delete forgets the enrolment (file and keyring entry). Deleting when not
// enrolled is not an error.
func (s *Store) Delete() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cached = nil
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting credentials: %w", err)
	}
	var f file
	if json.Unmarshal(data, &f) != nil || f.TokenIn != inFile {
		// The token may be in the keyring (or the file is damaged and we
		// cannot tell): try to remove it there too.
		err := s.call(func() error { return s.keyring.Delete(KeyringService, KeyringUser) })
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			s.log.Warn("removing the device token from the OS keyring failed", "err", err.Error())
		}
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting credentials: %w", err)
	}
	return nil
}

// call runs a keyring function bounded by the timeout. On a timeout the
// call is abandoned (its goroutine ends whenever the keyring answers, if
// ever) and the keyring is marked down for later saves. Called with mu
// held.
func (s *Store) call(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		s.keyringDown = true
		return fmt.Errorf("%w (%s)", ErrKeyringTimeout, s.timeout)
	}
}

// scrub removes secret from a message.
func scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[redacted]")
}
