package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	bin := t.TempDir()
	for _, f := range []string{"linux-amd64/sessionguard", "linux-amd64/sessionguard-server"} {
		p := filepath.Join(bin, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		epoch string
		args  []string
		code  int
		want  string
		files []string
	}{
		{"no epoch", "", []string{"--version", "1.0.0"}, 2, "set SOURCE_DATE_EPOCH", nil},
		{"bad flag", "1700000000", []string{"--nope"}, 2, "flag provided but not defined", nil},
		{"bad version", "1700000000", []string{"--version", "1.0", "--formats", "deb"}, 1, "is not MAJOR.MINOR.PATCH", nil},
		{"unknown format", "1700000000", []string{"--version", "1.0.0", "--formats", "apk"}, 1, `unknown format "apk"`, nil},
		{"tray required", "1700000000", []string{"--version", "1.0.0", "--formats", "deb", "--linux-arch", "amd64", "--require-tray"}, 1, "tray", nil},
		{"deb without tray", "1700000000", []string{"--version", "1.0.0", "--formats", "deb", "--linux-arch", "amd64"}, 0,
			"packaging without the tray", []string{"sessionguard_1.0.0_amd64.deb", "sessionguard-server_1.0.0_amd64.deb"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", c.epoch)
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), append(c.args, "--bin", bin, "--out", out, "--autostart", t.TempDir()), &stdout, &stderr)
			if code != c.code || !strings.Contains(stdout.String()+stderr.String(), c.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, c.code, c.want, stdout.String(), stderr.String())
			}
			for _, f := range c.files {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
