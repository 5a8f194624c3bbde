// Command sgdocs writes the man pages and shell completions of sessionguard
// and sessionguard-server, generated from their command trees (every
// command's --help, flags and examples), for the packages to install:
//
//	DIR/<program>/man1/*.1
//	DIR/<program>/completions/{bash,zsh,fish}
//
// `make package` runs it before sgpkg --docs DIR. SOURCE_DATE_EPOCH dates
// the pages, so the output is reproducible.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/sessionguard/sessionguard/internal/cli"
	"github.com/sessionguard/sessionguard/internal/servercli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("sgdocs", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("out", "dist/docs", "the directory to write into")
	version := fl.String("version", "", "the version named in the man pages' footer (required)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "Usage: SOURCE_DATE_EPOCH=… sgdocs --version 1.4.0 [--out dist/docs]\n\nWrites the man pages and shell completions of sessionguard and\nsessionguard-server for the packages.\n\nFlags:")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	epoch, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if *version == "" || err != nil || epoch <= 0 {
		fmt.Fprintln(stderr, "sgdocs: give --version and set SOURCE_DATE_EPOCH to a Unix time")
		return 2
	}
	date := time.Unix(epoch, 0).UTC()
	for _, c := range []*cobra.Command{cli.Command(), servercli.Command()} {
		if err := write(c, filepath.Join(*out, c.Name()), *version, date); err != nil {
			fmt.Fprintf(stderr, "sgdocs: %s: %v\n", c.Name(), err)
			return 1
		}
	}
	return 0
}

// write generates one program's man pages and completions into dir.
func write(root *cobra.Command, dir, version string, date time.Time) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	man := filepath.Join(dir, "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Section: "1", Date: &date,
		Source: "SessionGuard " + version, Manual: "SessionGuard manual"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	completions := filepath.Join(dir, "completions")
	if err := os.MkdirAll(completions, 0o755); err != nil {
		return err
	}
	for shell, gen := range map[string]func(io.Writer) error{
		"bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"zsh":  root.GenZshCompletion,
		"fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
	} {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return fmt.Errorf("%s completion: %w", shell, err)
		}
		if err := os.WriteFile(filepath.Join(completions, shell), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
