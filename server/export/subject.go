package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Errors of subject access.
var (
	// ErrSubject: neither or both of a device and a practitioner given.
	ErrSubject = errors.New("name exactly one subject: a device ID or a practitioner")
	// ErrNoSubject: no such device, or no device carries the practitioner.
	ErrNoSubject = errors.New("no data stored about this subject")
	// ErrConfirm: the confirmation does not repeat the subject.
	ErrConfirm = errors.New("the confirmation does not match the device ID or practitioner")
)

// Subject is whose data a subject access request is about: one device, or
// every device whose admin-set practitioner is Practitioner (an exact
// match after trimming spaces; see store.SetPractitioner).
type Subject struct {
	DeviceID     string
	Practitioner string
}

func (s Subject) normal() (Subject, error) {
	s.DeviceID, s.Practitioner = strings.TrimSpace(s.DeviceID), strings.TrimSpace(s.Practitioner)
	if (s.DeviceID == "") == (s.Practitioner == "") {
		return s, ErrSubject
	}
	if len(s.DeviceID) > store.MaxAuditField || len(s.Practitioner) > 4*store.MaxPractitioner {
		return s, fmt.Errorf("%w: the device ID or practitioner is too long", ErrBadRequest)
	}
	return s, nil
}

// kind is "device" or "practitioner", for audit entries (which never hold
// the practitioner itself: an erased name must not survive in the log).
func (s Subject) kind() string {
	if s.DeviceID != "" {
		return "device"
	}
	return "practitioner"
}

// value is the device ID or the practitioner.
func (s Subject) value() string { return s.DeviceID + s.Practitioner }

// devices returns the subject's device IDs.
func (s Subject) devices(ctx context.Context, st store.Store) ([]string, error) {
	if s.DeviceID != "" {
		if _, err := st.Device(ctx, s.DeviceID); errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSubject
		} else if err != nil {
			return nil, err
		}
		return []string{s.DeviceID}, nil
	}
	ids, err := st.PractitionerDevices(ctx, s.Practitioner)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		similar, err := st.SimilarPractitioners(ctx, s.Practitioner)
		if err != nil {
			return nil, err
		}
		if len(similar) > 0 {
			return nil, &SpellingError{Stored: similar}
		}
		return nil, ErrNoSubject
	}
	return ids, nil
}

// A SpellingError is a practitioner not stored with that spelling, but
// with other capitals or spaces: data is held, so "nothing held" would be
// a wrong answer to a subject access request. Matching stays exact (an
// erasure takes what was typed twice); the error names the spellings
// stored, to be typed as they are.
type SpellingError struct{ Stored []string }

func (e *SpellingError) Error() string {
	return fmt.Sprintf("no practitioner is stored with exactly that spelling, but %s is: type it as stored (practitioners are matched exactly)", quoteAll(e.Stored))
}

// Unwrap makes a SpellingError an ErrNoSubject to whoever only asks that.
func (e *SpellingError) Unwrap() error { return ErrNoSubject }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, " or ")
}

type subjectHeader struct {
	Schema      string            `json:"schema"`
	GeneratedAt time.Time         `json:"generated_at"`
	Subject     map[string]string `json:"subject"`
	Note        string            `json:"note"`
}

type deviceHeader struct {
	Device any `json:"device"`
}

type auditJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

const subjectNote = "Everything the SessionGuard server stores about this subject: each device as enrolled, " +
	"its check runs and results, its session records and the audit entries about it. " +
	"The device token is stored only as a one-way hash and is not included."

// SubjectExport writes everything stored about a subject to w as one JSON
// document (schema sessionguard.subject-access/v1), streamed, after
// recording the export in the audit log (one entry per device, naming the
// device ID, never the practitioner). It returns how many devices it
// covered.
func SubjectExport(ctx context.Context, st store.Store, w io.Writer, subj Subject, actor string) (int, error) {
	subj, err := subj.normal()
	if err != nil {
		return 0, err
	}
	ids, err := subj.devices(ctx, st)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		err := st.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "subject.export", Target: id,
			Detail: fmt.Sprintf("subject: %s (%d devices)", subj.kind(), len(ids))})
		if err != nil {
			return 0, fmt.Errorf("auditing the subject access export (nothing exported): %w", err)
		}
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	header := subjectHeader{Schema: SubjectSchema, GeneratedAt: time.Now().UTC(), Subject: map[string]string{subj.kind(): subj.value()}, Note: subjectNote}
	if err := openJSON(bw, header, "devices"); err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := writeSubjectDevice(ctx, st, bw, i == 0, id); err != nil {
			return i, err
		}
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return len(ids), err
	}
	return len(ids), bw.Flush()
}

// writeSubjectDevice writes one element of "devices": the device, then its
// check_runs, results, sessions and audit arrays, each streamed.
func writeSubjectDevice(ctx context.Context, st store.Store, bw *bufio.Writer, first bool, id string) error {
	if !first {
		bw.WriteByte(',')
	}
	bw.WriteByte('\n')
	f := store.ExportFilter{DeviceID: id}
	var device *store.ExportDevice
	if err := st.ExportDevices(ctx, f, func(d store.ExportDevice) error { device = &d; return nil }); err != nil {
		return err
	}
	if device == nil {
		return fmt.Errorf("device %s was erased during the export: %w", id, ErrNoSubject)
	}
	if err := openJSON(bw, deviceHeader{Device: deviceJSONOf(deviceRowOf(*device, staleBefore(0)))}, "check_runs"); err != nil {
		return err
	}
	n := 0
	if err := st.ExportRuns(ctx, f, func(r store.ExportRun) error {
		n++
		return writeJSONElement(bw, n == 1, runJSONOf(r))
	}); err != nil {
		return err
	}
	bw.WriteString(`],"results":[`)
	n = 0
	judged, err := judgeResults(ctx, st)
	if err != nil {
		return err
	}
	if err := st.ExportResults(ctx, f, func(r store.ExportResult) error {
		n++
		return writeJSONElement(bw, n == 1, resultJSONOf(judged(r)))
	}); err != nil {
		return err
	}
	bw.WriteString(`],"sessions":[`)
	n = 0
	if err := st.ExportSessions(ctx, f, func(s store.ExportSession) error {
		n++
		return writeJSONElement(bw, n == 1, sessionJSONOf(s))
	}); err != nil {
		return err
	}
	bw.WriteString(`],"audit":[`)
	n = 0
	for before := int64(0); ; {
		page, err := st.AuditLog(ctx, store.AuditFilter{Target: id, BeforeID: before, Limit: 1000})
		if err != nil {
			return err
		}
		for _, e := range page {
			n++
			if err := writeJSONElement(bw, n == 1, auditJSON{At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail}); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].ID
	}
	_, err = bw.WriteString("]}")
	return err
}

// Erasure is what an erasure deleted.
type Erasure struct {
	// Devices are the erased device IDs.
	Devices []string
	store.Erased
}

// Erase deletes everything stored about a subject: each of its devices
// with their check runs, results and session records. confirm must repeat
// the device ID or the practitioner (spaces trimmed), so a slip of the
// mouse erases nothing. The request is audited before anything is deleted
// and each erased device after (IDs and counts only: the audit log keeps no
// trace of the erased personal data).
func Erase(ctx context.Context, st store.Store, subj Subject, confirm, actor string) (Erasure, error) {
	subj, err := subj.normal()
	if err != nil {
		return Erasure{}, err
	}
	if strings.TrimSpace(confirm) != subj.value() {
		return Erasure{}, ErrConfirm
	}
	ids, err := subj.devices(ctx, st)
	if err != nil {
		return Erasure{}, err
	}
	if err := st.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "subject.erase", Target: ids[0],
		Detail: fmt.Sprintf("erasure requested (subject: %s, %d devices: %s)", subj.kind(), len(ids), strings.Join(ids, " "))}); err != nil {
		return Erasure{}, fmt.Errorf("auditing the erasure (nothing erased): %w", err)
	}
	var out Erasure
	for _, id := range ids {
		e, err := st.EraseDevice(ctx, id, 0)
		if errors.Is(err, store.ErrNotFound) {
			continue // erased meanwhile
		}
		if err != nil {
			return out, err
		}
		out.Devices = append(out.Devices, id)
		out.Runs, out.Results, out.Sessions = out.Runs+e.Runs, out.Results+e.Results, out.Sessions+e.Sessions
		err = st.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "subject.erased", Target: id,
			Detail: fmt.Sprintf("device erased: %d check runs, %d results, %d session records", e.Runs, e.Results, e.Sessions)})
		if err != nil {
			return out, fmt.Errorf("device %s erased, but auditing it failed: %w", id, err)
		}
	}
	return out, nil
}

// SetPractitioner sets (or, with "", clears) a device's practitioner and
// audits the change without the name.
func SetPractitioner(ctx context.Context, st store.Store, deviceID, practitioner, actor string) error {
	if err := st.SetPractitioner(ctx, deviceID, practitioner); err != nil {
		return err
	}
	what := "practitioner set"
	if strings.TrimSpace(practitioner) == "" {
		what = "practitioner cleared"
	}
	if err := st.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "device.practitioner", Target: deviceID, Detail: what}); err != nil {
		return fmt.Errorf("practitioner changed, but auditing it failed: %w", err)
	}
	return nil
}
