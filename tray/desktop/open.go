package desktop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Command opens addresses with an OS program: xdg-open (Linux), open
// (macOS) or rundll32 url.dll (Windows). The address is checked to be http
// or https first.
type Command struct {
	// Argv is the program (absolute path) and its leading arguments; the
	// address is appended.
	Argv []string
}

// Open opens address.
func (c Command) Open(ctx context.Context, address string) error {
	if err := CheckAddress(address); err != nil {
		return err
	}
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return fmt.Errorf("no program to open %s with on this computer; open it in your browser", address)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := launch(append(append([]string{}, c.Argv...), address)); err != nil {
		return fmt.Errorf("opening %s: %w", address, err)
	}
	return nil
}

// OpenFile opens a local file (an absolute path) in its default program.
func (c Command) OpenFile(ctx context.Context, path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("not an absolute path: %q", clip(path, 100))
	}
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return fmt.Errorf("no program to open %s with on this computer", path)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := launch(append(append([]string{}, c.Argv...), path)); err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	return nil
}

// LaunchWait is how long launch waits for an opener to fail.
const LaunchWait = 5 * time.Second

// launch starts an opener. Most return at once; some (xdg-open without a
// desktop environment) run the browser in the foreground, so one still
// running after LaunchWait is taken as having opened it and left alone.
func launch(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	hideConsole(cmd)
	var errOut limitedBuffer
	errOut.max = 4 << 10
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(errOut.String()))
		}
		return nil
	case <-time.After(LaunchWait):
		return nil
	}
}

// OpenerFor returns the opener of goos.
func OpenerFor(goos string) Command {
	switch goos {
	case "darwin":
		return Command{Argv: []string{"/usr/bin/open"}}
	case "windows":
		root := os.Getenv("SystemRoot")
		if root == "" || !filepath.IsAbs(root) {
			root = `C:\Windows`
		}
		return Command{Argv: []string{filepath.Join(root, "System32", "rundll32.exe"), "url.dll,FileProtocolHandler"}}
	}
	return Command{Argv: []string{firstExisting("/usr/bin/xdg-open", "/usr/local/bin/xdg-open")}}
}
