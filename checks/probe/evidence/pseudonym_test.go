package evidence

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// recordPseudonyms records a Windows bundle whose ipconfig output names an
// address and whose console user is sam, as a scrubber pseudonymises
// them, and returns the pseudonyms the written bundle holds.
func recordPseudonyms(t *testing.T) (ip, user string) {
	t.Helper()
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z","console_user":{"uid":"1000","name":"sam","home":"/home/sam"}}`,
		CommandsFile: `[{"argv":["nmcli","addr"],"stdout":"inet 10.3.2.1/24\ninet 10.3.2.1/24\n","stderr":"","exit_code":0}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	addr := regexp.MustCompile(`10\.3\.2\.1`)
	rec := NewRecorder(inner, func(name string, args []string, out []byte) []byte {
		return addr.ReplaceAllFunc(out, func(m []byte) []byte { return []byte(Pseudonym("ip", string(m))) })
	})
	if _, err := rec.Run(t.Context(), probe.CmdNmcli, "addr"); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.ConsoleUser(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	var cmds []Command
	b, _ := os.ReadFile(filepath.Join(dir, CommandsFile))
	if err := json.Unmarshal(b, &cmds); err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`ip-[0-9a-f]+`).FindAllString(cmds[0].Stdout, -1)
	if len(found) != 2 || found[0] != found[1] {
		t.Fatalf("the same address must get one pseudonym throughout a bundle: %q", cmds[0].Stdout)
	}
	var m Manifest
	b, _ = os.ReadFile(filepath.Join(dir, ManifestFile))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(Pseudonym("user", "sam"))) || bytes.Contains(b, []byte("__")) {
		t.Errorf("a stand-in reached the bundle: %s", b)
	}
	return found[0], m.ConsoleUser.Name
}

// TestPseudonymsDoNotReverse is issue 16 item 4's attack: with the old
// unkeyed 32-bit hashes an address was found by hashing a slice of the
// IPv4 space, and a user name by a dictionary. Keyed pseudonyms (the key
// never leaves the recorder) match none of the guesses, whatever
// truncation or key-less scheme the attacker tries.
func TestPseudonymsDoNotReverse(t *testing.T) {
	ip, user := recordPseudonyms(t)
	for _, p := range []string{ip, user} {
		if kind, h, _ := strings.Cut(p, "-"); len(h)*4 != PseudonymBits || (kind != "ip" && kind != "user") {
			t.Errorf("pseudonym %q: want kind-<%d hex digits>", p, PseudonymBits/4)
		}
	}
	guesses := func(candidate string) []string {
		sum := sha256.Sum256([]byte(candidate))
		zero := hmac.New(sha256.New, nil)
		zero.Write([]byte("ip\x00" + candidate))
		return []string{hex.EncodeToString(sum[:]), hex.EncodeToString(zero.Sum(nil))}
	}
	matches := func(p, candidate string) bool {
		_, h, _ := strings.Cut(p, "-")
		for _, g := range guesses(candidate) {
			if strings.HasPrefix(g, h) {
				return true
			}
		}
		return false
	}
	// 10.0.0.0/13: half a million addresses, the planted one among them.
	for n := uint32(0); n < 1<<19; n++ {
		candidate := fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
		if matches(ip, candidate) {
			t.Fatalf("%s reversed to %s by brute force", ip, candidate)
		}
	}
	for _, name := range []string{"root", "admin", "alice", "bob", "sam", "Sam", "jane", "oliver", "user"} {
		if matches(user, strings.ToLower(name)) || matches(user, name) {
			t.Fatalf("%s reversed to %s by a dictionary", user, name)
		}
	}
	// Two recordings of the same machine do not link.
	ip2, user2 := recordPseudonyms(t)
	if ip2 == ip || user2 == user {
		t.Errorf("two bundles share pseudonyms: %s %s, %s %s", ip, user, ip2, user2)
	}
}

// BenchmarkResolve: resolving the stand-ins of a 1 MB scrubbed output.
func BenchmarkResolve(b *testing.B) {
	line := "ssid " + Pseudonym("network", "HomeNet") + " bssid " + Pseudonym("address", "aa:bb:cc:dd:ee:ff") + " signal 70 security wpa2\n"
	out := bytes.Repeat([]byte(line), (1<<20)/len(line))
	k := newPseudonymKey()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		k.resolve(out)
	}
}
