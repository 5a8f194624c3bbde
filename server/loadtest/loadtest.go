// Package loadtest is the load client of the server's benchmarks and of
// the sgload command: keep-alive HTTP/1.1 connections that write prepared
// requests whole and read answers with a small parser of their own, driven
// by many clients at once, with each request's latency kept.
//
// net/http's Client costs about twice the CPU per request (two goroutines
// per connection, header maps, a request copy), and its response parser
// alone about half of this client's CPU: on a small machine shared with
// the server, CPU the server is measured without.
package loadtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Post is a whole HTTP/1.1 POST of a JSON body, with a bearer token unless
// token is empty.
func Post(host, path, token string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", path, host)
	if token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", token)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// Conn is one keep-alive connection.
type Conn struct {
	conn net.Conn
	r    *bufio.Reader
	buf  bytes.Buffer
}

// Dial connects to addr (host:port).
func Dial(addr string) (*Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Conn{conn: conn, r: bufio.NewReaderSize(conn, 4096)}, nil
}

// RoundTrip sends one whole request and returns the response's status and
// body (valid until the next call).
//
// The answer is read by hand, not with net/http's parser (which builds a
// header map and a Response for each): the client shares the machine's
// CPU with the server it measures, and this read costs a fraction. It
// takes what the server sends: HTTP/1.x, a status line, headers, and a
// body of Content-Length bytes (a chunked answer is refused as an error).
func (c *Conn) RoundTrip(req []byte) (int, []byte, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, fmt.Errorf("not an HTTP/1.x status line: %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("status line %q: %w", line, err)
	}
	length, closing := -1, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, nil, fmt.Errorf("header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, fmt.Errorf("header line %q", line)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, nil, fmt.Errorf("a %s answer: only Content-Length bodies are read", value)
		}
	}
	if length < 0 && (status == 204 || status == 304 || status < 200) {
		length = 0
	}
	if length < 0 {
		return 0, nil, errors.New("an answer without Content-Length")
	}
	c.buf.Reset()
	c.buf.Grow(length)
	body := c.buf.AvailableBuffer()[:length]
	if _, err := io.ReadFull(c.r, body); err != nil {
		return 0, nil, err
	}
	if closing {
		return status, body, errors.New("the server closed the connection")
	}
	return status, body, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }

// Run is what Drive measured.
type Run struct {
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	Failed    int             // answers check refused, and requests never sent
}

// PerSecond is the rate of requests answered.
func (r Run) PerSecond() float64 { return float64(len(r.Latencies)) / r.Elapsed.Seconds() }

// Percentile returns the latency at p (0–1), in milliseconds.
func (r Run) Percentile(p float64) float64 {
	if len(r.Latencies) == 0 {
		return 0
	}
	return float64(r.Latencies[int(p*float64(len(r.Latencies)-1))].Microseconds()) / 1000
}

// Drive sends requests[0..n) to addr from clients connections at once,
// each taking the next request when it has its answer; rate > 0 paces
// the requests at that many a second in all (request i is due i/rate
// seconds after the start, and its latency is counted from then, so a
// paced run shows whether the server keeps up with that rate). check
// judges each answer (request i, status, body); an error counts as
// failed. See DriveOn for a broken connection.
func Drive(addr string, clients, rate int, requests [][]byte, check func(i, status int, body []byte) error) Run {
	return DriveOn([]string{addr}, clients, rate, requests, check)
}

// DriveOn is Drive across several servers (replicas behind a round
// robin): client c connects to addrs[c % len(addrs)]. When a connection
// breaks, the client connects to the next address and sends the request
// again (what an agent's spool does; the server answers a report it had
// already stored as a duplicate); after len(addrs)+1 tries in a row fail,
// the client stops and the others take its remaining requests.
func DriveOn(addrs []string, clients, rate int, requests [][]byte, check func(i, status int, body []byte) error) Run {
	return DriveCounting(addrs, clients, rate, requests, check, nil)
}

// DriveCounting is DriveOn adding one to answered (when not nil) as each
// request is answered, for a watcher to show progress or notice a stall.
func DriveCounting(addrs []string, clients, rate int, requests [][]byte, check func(i, status int, body []byte) error, answered *atomic.Int64) Run {
	n := len(requests)
	latencies := make([]time.Duration, n)
	done := make([]bool, n)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for client := range clients {
		wg.Go(func() {
			at := client % len(addrs)
			var c *Conn
			defer func() {
				if c != nil {
					c.Close()
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				if rate > 0 {
					// Paced: the latency runs from when the request was
					// due, not from when a client was free to send it. A
					// server that falls behind keeps every client busy and
					// the requests go out late; timing them from their
					// sending would hide that wait (coordinated omission).
					due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
					time.Sleep(time.Until(due))
					t0 = due
				}
				var status int
				var body []byte
				var err error
				for try := 0; try <= len(addrs); try++ {
					if c == nil {
						if c, err = Dial(addrs[at]); err != nil {
							c, at = nil, (at+1)%len(addrs)
							continue
						}
					}
					if status, body, err = c.RoundTrip(requests[i]); err == nil {
						break
					}
					c.Close()
					c, at = nil, (at+1)%len(addrs)
				}
				latencies[i], done[i] = time.Since(t0), err == nil
				if err == nil && answered != nil {
					answered.Add(1)
				}
				if err != nil {
					failed.Add(1)
					return // no server answers this client: stop
				}
				if check(i, status, body) != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	r := Run{Elapsed: time.Since(start), Failed: int(failed.Load())}
	for i, ok := range done {
		if ok {
			r.Latencies = append(r.Latencies, latencies[i])
		}
	}
	if sent := int(next.Load()); sent < n {
		r.Failed += n - sent // never sent: every client stopped
	}
	slices.Sort(r.Latencies)
	return r
}
