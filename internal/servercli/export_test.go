package servercli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// seededDB makes a migrated SQLite database with team "Counselling" and one
// device (practitioner "Jane Smith", two check runs, one session record) and
// returns its DSN and the device ID.
func seededDB(t *testing.T) (dsn, deviceID string) {
	t.Helper()
	dsn = "sqlite:" + filepath.Join(t.TempDir(), "sg.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, deviceID, _ = storetest.Enrolled(t, st, "Counselling")
	if err := st.SetPractitioner(ctx, deviceID, "Jane Smith"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		env := storetest.CheckRun(time.Now().Add(-time.Duration(i)*48*time.Hour), true,
			report.CheckResult{ID: "user_accounts", Status: checks.Pass, Required: true, Summary: "-1 guest accounts"})
		if _, err := st.SaveReport(ctx, deviceID, env); err != nil {
			t.Fatal(err)
		}
	}
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "C-9", Ready: true}
	if _, err := st.SaveSession(ctx, deviceID, report.NewSession(storetest.Agent, rec)); err != nil {
		t.Fatal(err)
	}
	return dsn, deviceID
}

// auditLog reads the database's audit log.
func auditLog(t *testing.T, dsn string) []store.AuditEntry {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log, err := st.AuditLog(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func TestExportCommand(t *testing.T) {
	dsn, _ := seededDB(t)
	code, out, errOut := run(t, dsn, "export", "results")
	if code != ExitOK {
		t.Fatalf("export results: %d %s", code, errOut)
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) != 3 {
		t.Fatalf("CSV: %d records, %v:\n%s", len(records), err, out)
	}
	if !strings.Contains(out, checks.ControlUserAccess) || !strings.Contains(out, "'-1 guest accounts") {
		t.Errorf("results CSV lacks the control or the defused cell:\n%s", out)
	}

	file := filepath.Join(t.TempDir(), "sessions.json")
	if code, out, errOut := run(t, dsn, "export", "sessions", "--format", "json", "--team", "Counselling", "--since", "1d", "-o", file); code != ExitOK || out != "" {
		t.Fatalf("export sessions -o: %d %q %s", code, out, errOut)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("output file: %v, %v; want mode 0600", fi, err)
	}
	var doc struct {
		Rows []map[string]any `json:"rows"`
	}
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Rows) != 1 || doc.Rows[0]["label"] != "C-9" {
		t.Errorf("sessions JSON: %v %s", err, b)
	}

	// Refusals: exit 2, one line, no file left behind.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	for _, args := range [][]string{
		{"export", "passwords"},
		{"export", "devices", "--format", "xml"},
		{"export", "devices", "--since", "last week"},
		{"export", "devices", "--team", "Nobody", "-o", bad},
		{"export"},
	} {
		if code, _, errOut := run(t, dsn, args...); code != ExitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(bad)); len(entries) != 0 {
		t.Errorf("a refused export left files: %v", entries)
	}
	log := auditLog(t, dsn)
	if len(log) != 2 || log[0].Action != "export.sessions" || log[1].Action != "export.results" || log[0].Actor != "cli" {
		t.Errorf("audit = %+v", log)
	}
}

func TestSubjectAccessCommands(t *testing.T) {
	dsn, dev := seededDB(t)
	code, out, errOut := run(t, dsn, "subject-access", "export", "--practitioner", "Jane Smith")
	if code != ExitOK {
		t.Fatalf("subject export: %d %s", code, errOut)
	}
	var doc struct {
		Devices []struct {
			Device   map[string]any   `json:"device"`
			Results  []map[string]any `json:"results"`
			Sessions []map[string]any `json:"sessions"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Devices) != 1 || doc.Devices[0].Device["id"] != dev ||
		len(doc.Devices[0].Results) != 2 || len(doc.Devices[0].Sessions) != 1 {
		t.Fatalf("subject export: %v\n%s", err, out)
	}

	for _, args := range [][]string{
		{"subject-access", "export"},
		{"subject-access", "export", "--device", dev, "--practitioner", "Jane Smith"},
		{"subject-access", "export", "--device", "nope"},
		{"subject-access", "erase", "--device", dev},
		{"subject-access", "set-practitioner", "--device", "nope", "x"},
	} {
		if code, _, errOut := run(t, dsn, args...); code != ExitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, dsn, "subject-access", "erase", "--device", dev); !strings.Contains(errOut, "--yes") || code != ExitError {
		t.Errorf("erase without --yes: %d %q", code, errOut)
	}

	if code, out, errOut := run(t, dsn, "subject-access", "set-practitioner", "--device", dev, "J. Smith"); code != ExitOK || !strings.Contains(out, "Saved") {
		t.Fatalf("set-practitioner: %d %q %s", code, out, errOut)
	}
	code, out, errOut = run(t, dsn, "subject-access", "erase", "--practitioner", "J. Smith", "--yes")
	if code != ExitOK || !strings.Contains(out, "Erased 1 device(s): 2 check runs, 2 results, 1 session records") {
		t.Fatalf("erase: %d %q %s", code, out, errOut)
	}
	if code, _, _ := run(t, dsn, "subject-access", "export", "--device", dev); code != ExitError {
		t.Error("the erased device can still be exported")
	}
	for _, e := range auditLog(t, dsn) {
		if e.Actor != "cli" || strings.Contains(e.Detail+e.Target, "Smith") {
			t.Errorf("audit entry %+v: want actor cli and no practitioner name", e)
		}
	}
}
