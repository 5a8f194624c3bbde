package evidence

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
)

// Pseudonyms in a bundle are keyed: kind-<16 hex digits>, the first 64 bits
// of HMAC-SHA-256 under a random key each Recorder draws for itself and
// never writes down. The same value gets the same pseudonym throughout one
// bundle (a network named in two outputs, a user in a group and at the
// screen), so the bundle replays to the same verdicts; without the key no
// one can test a guess (every IPv4 address, a dictionary of names) against
// a pseudonym, and two bundles of the same machine do not link.
//
// Scrubbers run while the checks run, before the bundle is written, and
// know no recorder. Pseudonym gives them a stand-in of the very same shape
// and length — kind-<16 hex digits> under a key this process draws at
// start — and remembers, in memory only, which value it stands for; the
// Recorder swaps every stand-in for its own keyed pseudonym when it writes
// the bundle (pseudonymKey.resolve), in every file, path and field. Same
// length, so a binary plist a scrubber re-encoded stays valid. So this one
// place makes every pseudonym.

// PseudonymBits is how many bits of the HMAC a pseudonym keeps: collisions
// become likely only near 2^32 distinct values in one bundle.
const PseudonymBits = 64

// maxStandIns bounds the values remembered for stand-ins (an agent that
// records bundles for months). Past it the memory starts afresh; a
// recorder whose stand-ins were made before that writes them unresolved:
// still keyed, under this process's key, never the value itself.
const maxStandIns = 1 << 20

var standIns = struct {
	sync.Mutex
	key   pseudonymKey
	value map[string]standIn
}{key: newPseudonymKey(), value: map[string]standIn{}}

type standIn struct{ kind, value string }

// Pseudonym stands in for an identifying value of the given kind
// ("network", "address", "ip", "host", "user"; lower-case letters) in an
// evidence bundle. In the bundle it is kind-<16 hex digits> (see
// PseudonymBits), the same for the same value (case-folded, without a
// trailing dot) throughout the bundle, different in every bundle. What it
// returns has that shape but is this process's stand-in, which a Recorder
// replaces when it writes the bundle.
func Pseudonym(kind, s string) string { return pseudonym(kind, s) }

func pseudonym(kind, s string) string {
	kind = pseudonymKind(kind)
	value := strings.ToLower(strings.TrimSuffix(s, "."))
	name := standIns.key.name(kind, []byte(value))
	standIns.Lock()
	if len(standIns.value) >= maxStandIns {
		standIns.value = map[string]standIn{}
	}
	standIns.value[name] = standIn{kind, value}
	standIns.Unlock()
	return name
}

// isStandIn: s is a stand-in Pseudonym made (already pseudonymised).
func isStandIn(s string) bool {
	standIns.Lock()
	defer standIns.Unlock()
	_, ok := standIns.value[s]
	return ok
}

// pseudonymKind keeps the letters of kind, lower-cased ("id" when none).
func pseudonymKind(kind string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(kind) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "id"
	}
	return b.String()
}

// pseudonymKey is a secret HMAC key: drawn at random, held in memory only.
type pseudonymKey [32]byte

func newPseudonymKey() pseudonymKey {
	var k pseudonymKey
	if _, err := rand.Read(k[:]); err != nil {
		panic("probe: no randomness for a pseudonym key: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return k
}

// name is the keyed pseudonym of a normalised value.
func (k *pseudonymKey) name(kind string, value []byte) string {
	mac := hmac.New(sha256.New, k[:])
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write(value)
	return kind + "-" + hex.EncodeToString(mac.Sum(nil)[:PseudonymBits/8])
}

// resolve replaces every stand-in in b by the pseudonym under k, which has
// the same length. It scans for the dash of kind-<16 hex digits> rather
// than with a regular expression: a bundle's files are resolved whole.
func (k *pseudonymKey) resolve(b []byte) []byte {
	const hexLen = PseudonymBits / 4
	if bytes.IndexByte(b, '-') < 0 {
		return b
	}
	standIns.Lock()
	defer standIns.Unlock()
	var out []byte
	names := map[string]string{} // stand-in → pseudonym, within this call
	last := 0
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '-')
		if j < 0 {
			break
		}
		dash := i + j
		i = dash + 1
		if dash+1+hexLen > len(b) || !isLowerHex(b[dash+1:dash+1+hexLen]) {
			continue
		}
		begin := dash
		for begin > last && b[begin-1] >= 'a' && b[begin-1] <= 'z' {
			begin--
		}
		// A stand-in may follow other letters ("xuser-…"): try each start.
		for s := begin; s < dash; s++ {
			stand := b[s : dash+1+hexLen]
			name, ok := names[string(stand)]
			if !ok {
				in, known := standIns.value[string(stand)]
				if !known {
					continue
				}
				name = k.name(in.kind, []byte(in.value))
				names[string(stand)] = name
			}
			if out == nil {
				out = make([]byte, 0, len(b)+len(b)/8)
			}
			out = append(out, b[last:s]...)
			out = append(out, name...)
			last = dash + 1 + hexLen
			i = last
			break
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (k *pseudonymKey) resolveString(s string) string { return string(k.resolve([]byte(s))) }

// BundlePseudonym is the pseudonym this recorder's bundle gives value s
// of the given kind (what Pseudonym(kind, s) becomes when it is written),
// for tests that look a value up in a bundle.
func (r *Recorder) BundlePseudonym(kind, s string) string {
	return r.key.resolveString(Pseudonym(kind, s))
}
