//go:build unix

package localapi

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// fakeBackend is an in-memory Backend.
type fakeBackend struct {
	calls atomic.Int32 // every method but Subscribe

	mu       sync.Mutex
	status   Status
	results  *checks.Report
	session  *report.SessionRecord
	ended    *report.SessionRecord
	notReady *NotReadyError
	runErr   error
	subs     map[int]chan Event
	nextSub  int
}

func newFake() *fakeBackend {
	return &fakeBackend{
		status: Status{Version: "test", Light: Green, Ready: true},
		subs:   map[int]chan Event{},
	}
}

func (f *fakeBackend) Status(context.Context) Status {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.status
	st.Session = f.session
	return st
}

func (f *fakeBackend) Results(context.Context) (checks.Report, bool) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.results == nil {
		return checks.Report{}, false
	}
	return *f.results, true
}

func (f *fakeBackend) Run(context.Context) (checks.Report, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runErr != nil {
		return checks.Report{}, f.runErr
	}
	rep := checks.Report{Schema: checks.ReportSchema, Ready: true, StartedAt: time.Now().UTC()}
	f.results = &rep
	return rep, nil
}

func (f *fakeBackend) StartSession(_ context.Context, req StartRequest) (report.SessionRecord, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case req.Label == "":
		return report.SessionRecord{}, fmt.Errorf("a label is required: %w", ErrBadRequest)
	case strings.Contains(req.Label, "@"):
		return report.SessionRecord{}, fmt.Errorf("the label looks like an email address; use a case reference: %w", ErrBadRequest)
	case f.session != nil:
		return report.SessionRecord{}, ErrSessionOpen
	case f.notReady != nil && req.OverrideReason == "":
		return report.SessionRecord{}, f.notReady
	}
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: "start", At: time.Now().UTC(), Label: req.Label, Ready: f.notReady == nil}
	f.session = &rec
	f.publishLocked(Event{Type: EventSessionStarted, At: rec.At, Status: f.status})
	return rec, nil
}

func (f *fakeBackend) EndSession(_ context.Context, id string, req EndRequest) (report.SessionRecord, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session == nil || f.session.SessionID != id {
		return report.SessionRecord{}, ErrNoSession
	}
	rec := *f.session
	rec.ID, rec.Event, rec.At, rec.Cookies = report.NewID(), "end", time.Now().UTC(), req.Cookies
	f.session = nil
	f.ended = &rec
	return rec, nil
}

func (f *fakeBackend) AmendCookies(_ context.Context, id string, req CookiesRequest) (report.SessionRecord, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended == nil || f.ended.SessionID != id {
		return report.SessionRecord{}, ErrNoSession
	}
	rec := *f.ended
	rec.ID, rec.Event, rec.At, rec.Cookies = report.NewID(), report.SessionCookies, time.Now().UTC(), req.Cookies
	return rec, nil
}

func (f *fakeBackend) Subscribe() (<-chan Event, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextSub
	f.nextSub++
	ch := make(chan Event, 256)
	f.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if _, ok := f.subs[id]; ok {
				delete(f.subs, id)
				close(ch)
			}
		})
	}
}

func (f *fakeBackend) publish(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publishLocked(ev)
}

func (f *fakeBackend) publishLocked(ev Event) {
	for _, ch := range f.subs {
		select {
		case ch <- ev:
		default: // a slow subscriber misses events
		}
	}
}

func (f *fakeBackend) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// endSubscriptions closes every subscription, as an agent stopping would.
func (f *fakeBackend) endSubscriptions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, ch := range f.subs {
		delete(f.subs, id)
		close(ch)
	}
}

func (f *fakeBackend) openSession() *report.SessionRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.session
}
