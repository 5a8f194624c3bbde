//go:build unix

package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Environment of the re-executed test binary that plays a client as
// another user.
const (
	envChild  = "SG_LOCALAPI_TEST_CHILD"
	envSocket = "SG_LOCALAPI_TEST_SOCKET"
	// envMode: "" reads status and tries to start a session; "peek"
	// reads status and the watch stream's first line; "flood" opens as
	// many connections and watch streams as it can and holds them.
	envMode = "SG_LOCALAPI_TEST_MODE"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(childMain())
	}
	goleak.VerifyTestMain(m)
}

// childResult is what the child client reports on stdout.
type childResult struct {
	UID            int    `json:"uid"`
	ReadErr        string `json:"read_err"`
	CanWrite       bool   `json:"can_write"`
	Version        string `json:"version"`
	WriteErr       string `json:"write_err"`
	WriteForbidden bool   `json:"write_forbidden"`
	// What "peek" saw of the open session, in status and in watch.
	SessionOpen, WatchSessionOpen bool
	Label, WatchLabel, Reason     string
}

// childMain reads status and tries to start a session, as whoever it runs
// as.
func childMain() int {
	mode := os.Getenv(envMode)
	switch mode {
	case "flood":
		return floodMain()
	case "start":
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // the parent says when
		c := NewClient(os.Getenv(envSocket))
		defer c.Close() //nolint:errcheck // exiting
		if _, err := c.StartSession(context.Background(), StartRequest{Label: "CR-1"}); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("STARTED")
		return 0
	}
	c := NewClient(os.Getenv(envSocket))
	defer c.Close() //nolint:errcheck // exiting
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := childResult{UID: os.Getuid()}
	st, err := c.Status(ctx)
	if err != nil {
		res.ReadErr = err.Error()
	}
	res.CanWrite, res.Version = st.CanWrite, st.Version
	if mode == "peek" {
		peek(ctx, c, st, &res)
		return encodeResult(res)
	}
	if _, err := c.StartSession(ctx, StartRequest{Label: "case-42"}); err != nil {
		res.WriteErr = err.Error()
		res.WriteForbidden = errors.Is(err, ErrForbidden)
	}
	return encodeResult(res)
}

// reachableDir is a fresh directory under /tmp that every user can
// traverse (t.TempDir's may be 0700), removed after the test.
func reachableDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "sg-localapi-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testServer is an agent's API on a real unix socket.
type testServer struct {
	path   string
	fake   *fakeBackend
	srv    *http.Server
	h      *handler
	served chan error
	client *Client
	closed bool
}

func startServer(t testing.TB, fake *fakeBackend, authorize func(Peer) bool) *testServer {
	t.Helper()
	return startServerWith(t, fake, authorize, nil)
}

// startServerWith is startServer with the listener wrapped by wrap.
func startServerWith(t testing.TB, fake *fakeBackend, authorize func(Peer) bool, wrap func(net.Listener) net.Listener) *testServer {
	t.Helper()
	path := filepath.Join(reachableDir(t), "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if wrap != nil {
		ln = wrap(ln)
	}
	h := NewHandler(fake, authorize)
	ts := &testServer{path: path, fake: fake, srv: NewServer(h), h: h.(*handler), served: make(chan error, 1)}
	go func() { ts.served <- ts.srv.Serve(ln) }()
	ts.client = NewClient(path)
	t.Cleanup(func() { ts.close(t) })
	return ts
}

func (ts *testServer) close(t testing.TB) {
	t.Helper()
	if ts.closed {
		return
	}
	ts.closed = true
	ts.client.Close() //nolint:errcheck // test
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-ts.served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
}

// allowAll lets every known peer write.
func allowAll(p Peer) bool { return p.Known() }

// rawClient speaks HTTP on the socket without the Client's typing, to
// send what a browser or a broken client would.
func rawClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}}
}

// rawDo sends one request and returns the status and the decoded Error.
func rawDo(t *testing.T, path, method, endpoint string, hdr map[string]string, body string) (int, Error, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, "http://sessionguard"+endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := rawClient(path).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, endpoint, err)
	}
	defer resp.Body.Close()
	var e Error
	if resp.StatusCode/100 != 2 {
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatalf("%s %s: %d with a body that is not an Error: %v", method, endpoint, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, e, resp.Header
}

// floodMain is the attack of issue 16 item 8: as many watch streams and
// status requests as it can, held and reopened as soon as they close,
// until it is killed. It prints READY once it has tried floodConns.
func floodMain() int {
	path := os.Getenv(envSocket)
	hold := func() {
		for {
			c, err := net.Dial("unix", path)
			if err != nil {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			_, _ = c.Write([]byte("GET " + Prefix + PathWatch + " HTTP/1.1\r\nHost: sessionguard\r\n\r\n"))
			_, _ = io.Copy(io.Discard, c) // holds it until the agent closes it
			c.Close()                     //nolint:errcheck // flood
			time.Sleep(time.Millisecond)
		}
	}
	hammer := func() {
		client := rawClient(path)
		for {
			if resp, err := client.Get("http://sessionguard" + Prefix + PathStatus); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close() //nolint:errcheck // flood
			}
		}
	}
	for range floodConns {
		go hold()
	}
	for range 16 {
		go hammer()
	}
	time.Sleep(500 * time.Millisecond)
	fmt.Println("READY")
	select {}
}

// floodConns is how many connections the flood holds.
const floodConns = 400

// peek notes what status and the watch stream's first line show of the
// open session.
func peek(ctx context.Context, c *Client, st Status, res *childResult) {
	if st.Session != nil {
		res.SessionOpen, res.Label = true, st.Session.Label
		if st.Session.Override != nil {
			res.Reason = st.Session.Override.Reason
		}
	}
	events, err := c.Watch(ctx)
	if err != nil {
		res.ReadErr = err.Error()
	} else if ev, ok := <-events; ok && ev.Status.Session != nil {
		res.WatchSessionOpen, res.WatchLabel = true, ev.Status.Session.Label
	}
}

func encodeResult(res childResult) int {
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 2
	}
	return 0
}
