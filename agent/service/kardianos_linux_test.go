package service

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kservice "github.com/kardianos/service"
)

// TestKardianosWritesUnitVerbatim installs through kardianos's own systemd
// code, as a user service into a temporary home (no systemctl on PATH, so
// nothing else runs), and checks it wrote the rendered unit byte for byte:
// the golden file is what a real install writes.
func TestKardianosWritesUnitVerbatim(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("PATH", "")
	cfg, err := Config(Systemd, goldenUnixExe)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Option["UserService"] = true
	sys := system(Systemd)
	if sys == nil {
		t.Fatal("kardianos has no linux-systemd system")
	}
	svc, err := sys.New(newProgram(t.Context(), nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = svc.Install()
	if err == nil || !strings.Contains(err.Error(), "systemctl") {
		t.Errorf("Install() = %v, want systemctl not found", err)
	}
	got, err := os.ReadFile(filepath.Join(home, ".config/systemd/user", Name+".service"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", string(Systemd)+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("kardianos wrote\n%s\nwant the golden unit\n%s", got, want)
	}
}

// TestRunThroughKardianos drives program through kardianos's systemd Run
// (Start, RunWait, Stop), as `agent run` under systemd does.
func TestRunThroughKardianos(t *testing.T) {
	runErr := errors.New("local API socket is taken")
	cases := []struct {
		name string
		// run is the agent; cancel, when set, ends the parent context
		// once the agent has started (a signal, in real life).
		run     func(ctx context.Context, started chan<- struct{}) error
		cancel  bool
		wantErr error
	}{
		{"stopped by the service manager", func(ctx context.Context, started chan<- struct{}) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}, true, nil},
		{"agent fails on its own", func(_ context.Context, started chan<- struct{}) error {
			close(started)
			return runErr
		}, false, runErr},
		{"agent fails while stopping", func(ctx context.Context, started chan<- struct{}) error {
			close(started)
			<-ctx.Done()
			return runErr
		}, true, runErr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent, cancel := context.WithCancel(t.Context())
			defer cancel()
			started := make(chan struct{})
			p := newProgram(parent, func(ctx context.Context) error { return c.run(ctx, started) })
			svc, err := system(Systemd).New(p, &kservice.Config{Name: Name, Option: kservice.KeyValue{"RunWait": p.wait}})
			if err != nil {
				t.Fatal(err)
			}
			if c.cancel {
				go func() {
					<-started
					cancel()
				}()
			}
			done := make(chan error, 1)
			go func() { done <- svc.Run() }()
			select {
			case err := <-done:
				if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
					t.Errorf("Run() = %v, want %v", err, c.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}
