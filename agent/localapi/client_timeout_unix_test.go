//go:build unix

package localapi

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStuckAgentIsReportedNotWaitedOn: an agent that accepts a connection
// and never answers (stuck, or something else on its socket) no longer
// hangs `sessionguard status` or the tray: the call fails within its bound.
func TestStuckAgentIsReportedNotWaitedOn(t *testing.T) {
	old := quickTimeout
	quickTimeout = 300 * time.Millisecond
	t.Cleanup(func() { quickTimeout = old })

	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	c := NewClient(sock)
	defer c.Close()
	for name, call := range map[string]func() error{
		"status":  func() error { _, err := c.Status(t.Context()); return err },
		"results": func() error { _, err := c.Results(t.Context()); return err },
	} {
		start := time.Now()
		err := call()
		if took := time.Since(start); err == nil || took > 5*time.Second || !strings.Contains(err.Error(), "did not answer") {
			t.Errorf("%s of a stuck agent: %v after %v; want a plain error within the bound", name, err, took)
		}
	}
}
