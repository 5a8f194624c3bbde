package desktop

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// WebForm asks in the browser when no dialog program is installed: a page
// on 127.0.0.1 (a random port) at a path holding a one-time random token.
// The answer is accepted once, from a POST carrying the token that the
// page itself sent (sameOrigin); the server then stops.
//
// The token never appears on a command line (other local users can read
// those): the browser is pointed at a small launcher file, 0600 in a 0700
// directory of this user, that forwards to the page; the file is removed
// once the page is answered. Only an Opener without OpenFile gets the
// address itself.
type WebForm struct {
	Opener Opener
	// Dir holds the launcher files ("": the user's cache directory).
	Dir string
	// OnURL, when set, receives the page's address instead of it being
	// opened (tests).
	OnURL func(address string)
	// Timeout bounds how long the page waits (AskTimeout when zero).
	Timeout time.Duration
}

var formPage = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}
input[type=text]{width:100%;font-size:1.1em;padding:.3em}button{font-size:1em;margin-top:1em;padding:.4em 1.2em}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Ask}}<form method="post" action="{{.Action}}"><input type="text" name="answer" maxlength="{{.Max}}" autofocus autocomplete="off">
<div><button type="submit" name="do" value="ok">OK</button> <button type="submit" name="do" value="cancel">Cancel</button></div></form>
{{else if .Done}}{{else}}<p>You can close this page.</p>{{end}}
</body></html>`))

type formData struct {
	Title, Text, Action string
	Ask, Done           bool
	Max                 int
}

type formAnswer struct {
	text string
	ok   bool
}

// Ask shows prompt in a web page and waits for the answer.
func (w *WebForm) Ask(ctx context.Context, title, prompt string) (string, bool, error) {
	a, err := w.serve(ctx, title, prompt, true)
	return a.text, a.ok, err
}

// Show shows text in a web page and returns once the page was loaded (or
// the timeout).
func (w *WebForm) Show(ctx context.Context, title, text string) error {
	_, err := w.serve(ctx, title, text, false)
	return err
}

func (w *WebForm) serve(ctx context.Context, title, text string, ask bool) (formAnswer, error) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = AskTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return formAnswer{}, fmt.Errorf("making a token for the form: %w", err)
	}
	token := hex.EncodeToString(tok)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return formAnswer{}, fmt.Errorf("opening a local page for the form: %w", err)
	}
	base := "http://" + ln.Addr().String()
	path := "/" + token
	done := make(chan formAnswer, 1)
	var once sync.Once
	finish := func(a formAnswer) { once.Do(func() { done <- a }) }
	data := formData{Title: clip(title, MaxTitle), Text: clip(text, MaxText), Action: path, Ask: ask, Max: MaxAnswer}

	mux := http.NewServeMux()
	mux.HandleFunc(path, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		rw.Header().Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: under no-referrer browsers send
		// "Origin: null" with the form's own POST, which sameOrigin must
		// refuse; same-origin still sends nothing to other sites.
		rw.Header().Set("Referrer-Policy", "same-origin")
		rw.Header().Set("Cache-Control", "no-store")
		switch r.Method {
		case http.MethodGet:
			_ = formPage.Execute(rw, data)
			if !ask {
				finish(formAnswer{})
			}
		case http.MethodPost:
			if !ask {
				http.Error(rw, "nothing to answer", http.StatusMethodNotAllowed)
				return
			}
			if !sameOrigin(r, base) {
				http.Error(rw, "This answer did not come from SessionGuard's own page, so it was ignored.", http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(rw, r.Body, 8<<10)
			if err := r.ParseForm(); err != nil {
				http.Error(rw, "bad form", http.StatusBadRequest)
				return
			}
			a := formAnswer{text: answer(r.PostForm.Get("answer")), ok: r.PostForm.Get("do") != "cancel"}
			d := data
			d.Ask, d.Done = false, true
			d.Text = "Thank you. You can close this page."
			_ = formPage.Execute(rw, d)
			finish(a)
		default:
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	srv := &http.Server{Handler: tokenGuard(path, mux), ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()

	address := base + path
	cleanup, err := w.open(ctx, address)
	if err != nil {
		return formAnswer{}, err
	}
	defer cleanup()
	select {
	case a := <-done:
		return a, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return formAnswer{}, nil // unanswered: like Cancel
		}
		return formAnswer{}, ctx.Err()
	}
}

// FileOpener opens a local file in its default program (a browser for
// .html).
type FileOpener interface {
	OpenFile(ctx context.Context, path string) error
}

var launcherPage = template.Must(template.New("launcher").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={{.}}">
<title>SessionGuard</title></head><body><p><a href="{{.}}">Continue to SessionGuard</a></p></body></html>
`))

// open shows address: through a launcher file when the opener can open
// files, else directly. cleanup removes the launcher (the browser has read
// it by the time the form is done).
func (w *WebForm) open(ctx context.Context, address string) (cleanup func(), err error) {
	cleanup = func() {}
	if w.OnURL != nil {
		w.OnURL(address)
		return cleanup, nil
	}
	if w.Opener == nil {
		return nil, ErrNoDialog
	}
	fo, ok := w.Opener.(FileOpener)
	if !ok {
		if err := w.Opener.Open(ctx, address); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoDialog, err)
		}
		return cleanup, nil
	}
	file, err := w.launcher(address)
	if err != nil {
		return nil, err
	}
	cleanup = func() { _ = os.Remove(file) }
	if err := fo.OpenFile(ctx, file); err != nil {
		cleanup()
		return nil, fmt.Errorf("%w: %w", ErrNoDialog, err)
	}
	return cleanup, nil
}

// launcher writes the forwarding page, readable by this user only.
func (w *WebForm) launcher(address string) (string, error) {
	dir := w.Dir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("finding a private directory for the form: %w", err)
		}
		dir = filepath.Join(cache, "sessionguard")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm()&0o077 != 0 {
		if err == nil {
			err = fmt.Errorf("%s is open to other users (mode %v); chmod 700 it", dir, st.Mode().Perm())
		}
		return "", err
	}
	f, err := os.CreateTemp(dir, "form-*.html")
	if err != nil {
		return "", fmt.Errorf("writing the form's launcher: %w", err)
	}
	// CreateTemp makes the file 0600.
	if err := launcherPage.Execute(f, address); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("writing the form's launcher: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("writing the form's launcher: %w", err)
	}
	return f.Name(), nil
}

// sameOrigin reports whether a POST came from the form's own page (origin
// base, "http://127.0.0.1:port"). Browsers send Sec-Fetch-Site (it must say
// same-origin) and Origin (it must be base: "null", another port or another
// host is refused); a client sending neither is not a browser another page
// could drive, and still needs the token in the path.
func sameOrigin(r *http.Request, base string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if o, sent := r.Header["Origin"]; sent && (len(o) != 1 || o[0] != base) {
		return false
	}
	return true
}

// tokenGuard answers 404 to every path but the token's, comparing in
// constant time.
func tokenGuard(path string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) != len(path) || subtle.ConstantTimeCompare([]byte(r.URL.Path), []byte(path)) != 1 || strings.Contains(r.URL.RawQuery, "\x00") {
			http.NotFound(rw, r)
			return
		}
		next.ServeHTTP(rw, r)
	})
}
