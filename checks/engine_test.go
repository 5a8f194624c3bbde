package checks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

type fakeFacts struct {
	OS string `json:"os"`
	N  int    `json:"n"`
}

func fakeCheck(id string, collect func(context.Context, probe.Probe) (fakeFacts, error), status Status) Check {
	return Definition[fakeFacts]{
		CheckID:    id,
		CheckTitle: "Fake " + id,
		Meta:       Meta{Required: true},
		Collect:    collect,
		Evaluate: func(f fakeFacts, _ Policy) Result {
			return Result{Status: status, Summary: "n is " + string(rune('0'+f.N))}
		},
	}
}

func replayProbe(t testing.TB) probe.Probe {
	t.Helper()
	dir := t.TempDir()
	manifest := `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z","os_version":"debian 12","arch":"amd64"}`
	if err := os.WriteFile(filepath.Join(dir, evidence.ManifestFile), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestRunConcurrentWithTimeouts(t *testing.T) {
	p := replayProbe(t)
	quick := func(context.Context, probe.Probe) (fakeFacts, error) { return fakeFacts{OS: "linux", N: 1}, nil }
	hang := func(ctx context.Context, _ probe.Probe) (fakeFacts, error) {
		time.Sleep(time.Hour) // ignores its context, like a stuck syscall
		return fakeFacts{}, nil
	}
	slowButHonest := func(ctx context.Context, _ probe.Probe) (fakeFacts, error) {
		<-ctx.Done()
		return fakeFacts{}, ctx.Err()
	}
	broken := func(context.Context, probe.Probe) (fakeFacts, error) {
		return fakeFacts{OS: "linux"}, errors.New("reading thing: permission denied")
	}
	crash := func(context.Context, probe.Probe) (fakeFacts, error) { panic("boom") }
	list := []Check{
		fakeCheck("disk_encryption", quick, Pass),
		fakeCheck("firewall", hang, Pass),
		fakeCheck("antivirus", slowButHonest, Pass),
		fakeCheck("screen_lock", broken, Pass),
		fakeCheck("voice_assistants", crash, Pass),
	}
	pol := Catalogue(list).Default()
	pol.CheckTimeoutSeconds = 1
	start := time.Now()
	rep := Run(t.Context(), p, pol, list)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("one hung check blocked the run for %v", d)
	}
	want := []Status{Pass, Unknown, Unknown, Unknown, Unknown}
	for i, r := range rep.Results {
		if r.ID != list[i].ID() || r.Status != want[i] {
			t.Errorf("result %d: %s %s, want %s %s", i, r.ID, r.Status, list[i].ID(), want[i])
		}
		if r.Status == Unknown && (r.Reason == "" || r.Fix == "") {
			t.Errorf("%s: unknown without reason or fix: %+v", r.ID, r)
		}
	}
	if !strings.Contains(rep.Results[1].Reason, "timed out") || !strings.Contains(rep.Results[3].Reason, "permission denied") || !strings.Contains(rep.Results[4].Reason, "boom") {
		t.Errorf("reasons: %q / %q / %q", rep.Results[1].Reason, rep.Results[3].Reason, rep.Results[4].Reason)
	}
	if string(rep.Results[3].Facts) != `{"os":"linux","n":0}` {
		t.Errorf("facts gathered before the error are kept: %s", rep.Results[3].Facts)
	}
	if rep.Ready {
		t.Error("required checks are unknown: not ready")
	}
	if rep.Schema != ReportSchema || rep.Host.OSVersion != "debian 12" || !rep.StartedAt.Equal(p.Now()) {
		t.Errorf("report header: %+v", rep)
	}
}

func TestReadiness(t *testing.T) {
	cases := []struct {
		statuses []Status
		required []bool
		ready    bool
	}{
		{[]Status{Pass, Pass}, []bool{true, true}, true},
		{[]Status{Pass, Warn}, []bool{true, true}, true},
		{[]Status{Pass, NotApplicable}, []bool{true, true}, true},
		{[]Status{Pass, Fail}, []bool{true, true}, false},
		{[]Status{Pass, Unknown}, []bool{true, true}, false},
		{[]Status{Pass, Fail}, []bool{true, false}, true},
	}
	for _, c := range cases {
		var rs []Result
		for i, s := range c.statuses {
			rs = append(rs, Result{Status: s, Required: c.required[i]})
		}
		if got := ReadyOf(rs); got != c.ready {
			t.Errorf("%v required %v: ready %v, want %v", c.statuses, c.required, got, c.ready)
		}
	}
}

func TestInvalidStatusBecomesUnknown(t *testing.T) {
	c := fakeCheck("firewall", func(context.Context, probe.Probe) (fakeFacts, error) { return fakeFacts{}, nil }, Status("green"))
	r := c.Run(t.Context(), replayProbe(t), Catalogue{c}.Default())
	if r.Status != Unknown || !strings.Contains(r.Reason, "green") {
		t.Errorf("got %+v", r)
	}
}

func TestSelect(t *testing.T) {
	ok := func(context.Context, probe.Probe) (fakeFacts, error) { return fakeFacts{}, nil }
	all := []Check{fakeCheck("a", ok, Pass), fakeCheck("b", ok, Pass), fakeCheck("c", ok, Pass)}
	got, err := Select(all, []string{"c", "a"})
	if err != nil || len(got) != 2 || got[0].ID() != "a" || got[1].ID() != "c" {
		t.Errorf("Select: %v %v", got, err)
	}
	if _, err := Select(all, []string{"a", "nope"}); !errors.Is(err, ErrUnknownCheck) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown id: %v", err)
	}
	if got, _ := Select(all, nil); len(got) != 3 {
		t.Errorf("empty selection is all: %d", len(got))
	}
}

func BenchmarkRunEngine(b *testing.B) {
	p := replayProbe(b)
	ok := func(context.Context, probe.Probe) (fakeFacts, error) { return fakeFacts{OS: "linux"}, nil }
	var list []Check
	for _, id := range []string{"disk_encryption", "firewall", "antivirus", "wifi_security", "screen_lock", "user_accounts", "voice_assistants", "smart_speakers"} {
		list = append(list, fakeCheck(id, ok, Pass))
	}
	pol := Catalogue{}.Default()
	for b.Loop() {
		Run(b.Context(), p, pol, list)
	}
}

// TestANewerServersRequiredCheckIsNotDropped: a server newer than this
// agent requires a check the agent does not have. The agent cannot show
// that it passes, so the run is not ready and the practitioner is told to
// update SessionGuard; a check the policy leaves optional is ignored.
func TestANewerServersRequiredCheckIsNotDropped(t *testing.T) {
	pass := func(context.Context, probe.Probe) (fakeFacts, error) { return fakeFacts{}, nil }
	list := []Check{fakeCheck("firewall", pass, Pass)}
	pol, ignored, err := Catalogue(list).ParseServerPolicy(strings.NewReader(
		`{"schema":"sessionguard.policy/v1","future_max_days":14,"checks":{"camera_cover":{"required":true},"future_optional":{"required":false}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ignored, ",") != "future_max_days,checks.future_optional" {
		t.Errorf("ignored %q, want the unknown setting and the unknown optional check only", ignored)
	}
	if !pol.Required("camera_cover") || strings.Join(pol.Uncheckable, ",") != "camera_cover" || pol.Required("future_optional") {
		t.Errorf("policy checks %v, uncheckable %v", pol.Checks, pol.Uncheckable)
	}
	rep := Run(t.Context(), replayProbe(t), pol, list)
	if rep.Ready || len(rep.Results) != 2 {
		t.Fatalf("ready %v with results %+v, want not ready with the firewall and camera_cover", rep.Ready, rep.Results)
	}
	r := rep.Results[1]
	if r.ID != "camera_cover" || r.Status != Unknown || !r.Required || r.Fix == "" || r.Reason == "" || string(r.Facts) != `{}` ||
		r.Summary != "This computer's SessionGuard cannot check camera_cover yet: update SessionGuard." {
		t.Errorf("result for the check this agent does not have: %+v", r)
	}

	// A required id that is no check id is refused, not shown.
	if _, _, err := Catalogue(list).ParseServerPolicy(strings.NewReader(
		`{"schema":"sessionguard.policy/v1","checks":{"\u001b[2Jx":{"required":true}}}`)); !errors.Is(err, ErrBadPolicy) {
		t.Errorf("a required id that is not a check id: err %v, want ErrBadPolicy", err)
	}
}
