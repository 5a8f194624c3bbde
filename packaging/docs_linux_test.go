package packaging

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// generateDocs runs the real sgdocs into a temporary directory.
func generateDocs(t *testing.T) string {
	t.Helper()
	sgdocs := filepath.Join(t.TempDir(), "sgdocs")
	goBuild(t, sgdocs, "./cmd/sgdocs")
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), sgdocs, "--version", "1.2.3", "--out", out)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sgdocs: %v\n%s", err, msg)
	}
	return out
}

// TestDocsInPackages: the .deb and .rpm install a man page for every
// command sgdocs documented (and the tray's), and bash, zsh and fish
// completions, in the places each tool looks; the same inputs give the
// same packages.
func TestDocsInPackages(t *testing.T) {
	need(t, "dpkg-deb", "dpkg")
	need(t, "rpm", "rpm")
	docs := generateDocs(t)
	bin, auto := standIns(t)
	var firstBuild map[string][]byte
	for range 2 {
		o := testOptions(bin, auto, t.TempDir())
		o.DocsDir = docs
		built, err := o.BuildLinux("amd64")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for _, p := range built {
			got[filepath.Base(p)], _ = os.ReadFile(p)
		}
		if firstBuild == nil {
			firstBuild = got
			for _, pkg := range []string{AgentBinary, ServerBinary} {
				checkDocsPayload(t, docs, pkg, got)
			}
			continue
		}
		for name, b := range got {
			if !bytes.Equal(b, firstBuild[name]) {
				t.Errorf("%s with docs: two builds from the same inputs differ", name)
			}
		}
	}
}

func checkDocsPayload(t *testing.T, docs, pkg string, built map[string][]byte) {
	t.Helper()
	deb := filepath.Join(t.TempDir(), pkg+".deb")
	writeFile(t, deb, string(built[pkg+"_1.2.3_amd64.deb"]), 0o644)
	_, entries := describeDeb(t, deb)
	pages, _ := filepath.Glob(filepath.Join(docs, pkg, "man1", "*.1"))
	if len(pages) < 5 {
		t.Fatalf("sgdocs wrote %d man pages for %s", len(pages), pkg)
	}
	want := []string{bashComplDir + "/" + pkg, zshComplDir + "/_" + pkg, fishComplDir + "/" + pkg + ".fish"}
	for _, p := range pages {
		want = append(want, manDir+"/"+filepath.Base(p)+".gz")
	}
	if pkg == AgentBinary {
		want = append(want, manDir+"/"+TrayBinary+".1.gz")
	}
	for _, p := range want {
		if entries[p] != "-rw-r--r-- root/root" {
			t.Errorf("%s: %s is %q, want -rw-r--r-- root/root", pkg, p, entries[p])
		}
	}
	rpm := filepath.Join(t.TempDir(), pkg+".rpm")
	writeFile(t, rpm, string(built[pkg+"_1.2.3_amd64.rpm"]), 0o644)
	listing := run(t, "rpm", "-qlp", rpm)
	for _, p := range want {
		if !strings.Contains(listing, p+"\n") {
			t.Errorf("%s: the rpm lacks %s", pkg, p)
		}
	}
	// A page in the package is the page sgdocs wrote, gzipped.
	tree := t.TempDir()
	run(t, "dpkg-deb", "-x", deb, tree)
	page := filepath.Join(docs, pkg, "man1", pkg+".1")
	src, _ := os.ReadFile(page)
	gz, err := os.Open(filepath.Join(tree, manDir, pkg+".1.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, src) || !bytes.Contains(got, []byte(".TH ")) {
		t.Errorf("%s.1.gz is not sgdocs' page (%d bytes, want %d)", pkg, len(got), len(src))
	}
	if b, _ := os.ReadFile(filepath.Join(tree, bashComplDir, pkg)); !bytes.Contains(b, []byte("complete")) {
		t.Errorf("the bash completion of %s is not one", pkg)
	}
}
