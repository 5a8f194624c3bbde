package osupdates

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The flatpak files below were written by flatpak 1.14 (Debian 12) for a
// runtime and an app installed from a repository served over HTTP, after
// the app got a newer commit and `flatpak update --appstream` refreshed
// the saved list: web.idx and its x86_64 summary from the user
// installation's repo/tmp/cache/summaries, the deploy files of both
// deployments.
const (
	fpApp         = "app/org.sg.App/x86_64/master"
	fpRuntime     = "runtime/org.sg.Platform/x86_64/1"
	fpAppNewer    = "d438534213648c65a52cd371828095aea4e73e782b5a18f2713e1caa4f3747e6"
	fpRuntimeLive = "604096a41f7c377aa347d95f60f81c189b0b6820b117334330653593fe5c2371"
)

func readFlatpakTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/parsers/flatpak", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFlatpakFiles(t *testing.T) {
	idx := readFlatpakTestdata(t, "web.idx")
	made, subs, err := parseSummaryIndex(idx, "")
	if err != nil {
		t.Fatal(err)
	}
	if made.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || made.After(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("index made %v, want the day it was written (December 2026)", made)
	}
	digest := subs["x86_64"]
	if len(subs) != 1 || digest == "" {
		t.Fatalf("subsummaries %v, want x86_64 only", subs)
	}
	sub := readFlatpakTestdata(t, "web-x86_64-"+digest+".sub")
	if sum := sha256.Sum256(sub); hex.EncodeToString(sum[:]) != digest {
		t.Fatalf("the index names %s, the summary is %x", digest, sum)
	}
	if _, subs, _ := parseSummaryIndex(idx, "verified"); len(subs) != 0 {
		t.Errorf("subset verified: %v, want none (the list has no subsets)", subs)
	}
	refs, err := parseSummaryRefs(sub)
	if err != nil {
		t.Fatal(err)
	}
	if refs[fpApp] != fpAppNewer || refs[fpRuntime] != fpRuntimeLive {
		t.Errorf("refs %v, want %s → %s and %s → %s", refs, fpApp, fpAppNewer, fpRuntime, fpRuntimeLive)
	}
	for name, want := range map[string]string{"app.deploy": "web", "runtime.deploy": "web"} {
		if got, err := deployOrigin(readFlatpakTestdata(t, name)); err != nil || got != want {
			t.Errorf("%s: origin %q, %v; want %q", name, got, err, want)
		}
	}

	// Cut or damaged files are errors, never a shorter list or a panic.
	for n := range len(idx) - 1 {
		if m, got, err := parseSummaryIndex(idx[:n], ""); err == nil && m.Equal(made) && got["x86_64"] == digest {
			t.Errorf("index cut at %d of %d bytes read as whole", n, len(idx))
		}
	}
	for n := range len(sub) - 1 {
		if got, err := parseSummaryRefs(sub[:n]); err == nil && got[fpApp] == fpAppNewer && got[fpRuntime] == fpRuntimeLive {
			t.Errorf("summary cut at %d of %d bytes read as whole", n, len(sub))
		}
	}
	for _, b := range [][]byte{nil, {0}, []byte("not a variant")} {
		if _, err := deployOrigin(b); err == nil {
			t.Errorf("deploy %q read", b)
		}
	}
}

func TestGVariantTypes(t *testing.T) {
	for _, tc := range []struct {
		typ         string
		align, size int
	}{
		{"y", 1, 1}, {"t", 8, 8}, {"s", 1, 0}, {"v", 8, 0}, {"ay", 1, 0}, {"a{sv}", 8, 0},
		{"(ty)", 8, 16}, {"(yt)", 8, 16}, {"(yy)", 1, 2}, {"(taya{sv})", 8, 0}, {"(ssasta{sv})", 8, 0},
	} {
		if a, s := gvInfo(tc.typ); a != tc.align || s != tc.size {
			t.Errorf("%s: align %d size %d, want %d %d", tc.typ, a, s, tc.align, tc.size)
		}
	}
	if first, rest, err := gvType("a{s(ayaaya{sv})}a{sv}"); err != nil || first != "a{s(ayaaya{sv})}" || rest != "a{sv}" {
		t.Errorf("split: %q %q %v", first, rest, err)
	}
	for _, bad := range []string{"", "(s", "a", "{s"} {
		if _, _, err := gvType(bad); err == nil {
			t.Errorf("%q split", bad)
		}
	}
}
