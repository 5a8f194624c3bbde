package cli

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// plainHandler writes log records as plain sentences for a person at a
// terminal: "Note: OS keyring unavailable (reason)." It is the logger of
// the practitioner's commands; `agent run` keeps structured logs for the
// service manager's journal. Only the error of a record is shown, never
// its other attributes (file names, ids): they are for administrators,
// who read the agent's log.
type plainHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
}

func newPlainLogger(w io.Writer) *slog.Logger {
	return slog.New(&plainHandler{mu: &sync.Mutex{}, w: w, level: slog.LevelWarn})
}

func (h *plainHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *plainHandler) Handle(_ context.Context, r slog.Record) error {
	why := ""
	find := func(a slog.Attr) bool {
		if a.Key == "err" || a.Key == "error" || a.Key == "reason" {
			why = a.Value.String()
			return false
		}
		return true
	}
	for _, a := range h.attrs {
		find(a)
	}
	r.Attrs(find)
	prefix := "Note: "
	if r.Level >= slog.LevelError {
		prefix = "Problem: "
	}
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString(capitalise(r.Message))
	if why != "" {
		b.WriteString(" (" + oneLine(why) + ")")
	}
	if !strings.HasSuffix(b.String(), ".") {
		b.WriteString(".")
	}
	b.WriteString("\n")
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *plainHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

// WithGroup keeps the handler: groups only name attributes, which are not
// shown.
func (h *plainHandler) WithGroup(string) slog.Handler { return h }

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// logTo points the process's default logger (used by packages that log
// without being given a logger) at w: plain sentences, or structured
// lines for `agent run`. Only the real program does this (Main with the
// process's own stderr), so tests that pass buffers never share one.
func logTo(w io.Writer, structured bool) {
	if structured {
		slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})))
		return
	}
	slog.SetDefault(newPlainLogger(w))
}
