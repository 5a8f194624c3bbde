// Package password hashes and verifies dashboard admin passwords with
// argon2id, encoded in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash, unpadded base64), so the cost
// parameters travel with each hash and can be raised later without breaking
// existing accounts.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	// Memory in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// Default follows the OWASP password storage recommendation for argon2id
// (m=19 MiB, t=2, p=1): about 30 ms on one core of a small server, so a
// login costs little while an offline guess costs the same.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinLength is the shortest password accepted for a new account.
	MinLength = 12
	// MaxLength bounds the input to the hash (a login form cannot make the
	// server hash megabytes).
	MaxLength = 1024
)

// ErrMalformed marks a stored hash that is not an argon2id PHC string.
var ErrMalformed = errors.New("password hash is not an argon2id PHC string")

// Hash returns the encoded argon2id hash of pw with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	if len(pw) > MaxLength {
		return "", fmt.Errorf("password is longer than %d bytes", MaxLength)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the encoded hash, comparing in
// constant time. A malformed hash is an error, never a match.
func Verify(pw, encoded string) (bool, error) {
	if len(pw) > MaxLength {
		return false, nil
	}
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// decode parses $argon2id$v=19$m=M,t=T,p=P$salt$hash.
func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrMalformed, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformed, parts[3])
	}
	// Bounds: a stored hash must not make a login allocate gigabytes.
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters out of range", ErrMalformed)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", ErrMalformed)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, fmt.Errorf("%w: hash", ErrMalformed)
	}
	return p, salt, key, nil
}

// Generate returns a random password of 20 characters from an alphabet
// without look-alikes (about 115 bits), for an account created without one.
func Generate() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(b)
}

// randIndex returns a uniform random index below n (n ≤ 256).
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("reading random bytes: %v", err))
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
