package packaging

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Where the .deb and .rpm put man pages and shell completions (Debian's and
// Fedora's paths; each shell finds its completions there).
const (
	manDir       = "/usr/share/man/man1"
	bashComplDir = "/usr/share/bash-completion/completions"
	zshComplDir  = "/usr/share/zsh/vendor-completions"
	fishComplDir = "/usr/share/fish/vendor_completions.d"
)

// docsPayload is what a package installs of program's documentation from
// o.DocsDir: every man page gzipped (reproducibly: no name, no time), and
// the bash, zsh and fish completions. extraMan adds pages from this
// package's embedded files (the tray's, which has no command tree). Nothing
// when o.DocsDir is empty.
func (o *Options) docsPayload(program, stageDir string, extraMan ...string) ([]linuxFile, error) {
	if o.DocsDir == "" {
		return nil, nil
	}
	src := filepath.Join(o.DocsDir, program)
	pages, err := filepath.Glob(filepath.Join(src, "man1", "*.1"))
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("no man pages for %s in %s (run sgdocs --out %s first)", program, src, o.DocsDir)
	}
	staged := filepath.Join(stageDir, "docs-"+program)
	if err := os.MkdirAll(staged, 0o755); err != nil {
		return nil, err
	}
	pageContent := map[string][]byte{}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		pageContent[filepath.Base(p)] = b
	}
	for _, name := range extraMan {
		pageContent[name] = readEmbedded("linux/" + name)
	}
	names := make([]string, 0, len(pageContent))
	for name := range pageContent {
		names = append(names, name)
	}
	sort.Strings(names)
	var payload []linuxFile
	for _, name := range names {
		gz, err := gzipped(pageContent[name])
		if err != nil {
			return nil, err
		}
		p, err := stage(staged, name+".gz", gz, 0o644)
		if err != nil {
			return nil, err
		}
		payload = append(payload, linuxFile{src: p, dst: manDir + "/" + name + ".gz", mode: 0o644})
	}
	for _, c := range []struct{ shell, dst string }{
		{"bash", bashComplDir + "/" + program},
		{"zsh", zshComplDir + "/_" + program},
		{"fish", fishComplDir + "/" + program + ".fish"},
	} {
		p := filepath.Join(src, "completions", c.shell)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no %s completion for %s in %s", c.shell, program, src)
		}
		payload = append(payload, linuxFile{src: p, dst: c.dst, mode: 0o644})
	}
	return payload, nil
}

// gzipped compresses b the same way every time.
func gzipped(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
