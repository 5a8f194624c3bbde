package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sessionguard/sessionguard/agent/policysync"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web"
)

// TestBrowserPolicyForm drives the settings form in real headless
// Chromium against the server's dashboard and agent API on one store,
// with a real agent/policysync polling: the agent confirms the policy (the
// team page says so), a value changed with the form is saved, shows in the
// JSON, reaches the agent and is confirmed; an invalid number shows the
// agents' error next to its field and changes nothing.
func TestBrowserPolicyForm(t *testing.T) {
	f := newFixture(t)
	ctx := headless(t)
	team := f.teams["Counselling"]

	// The server as cmd/sessionguard-server mounts it: the API under
	// /api/, the dashboard on the API's store.
	a, err := api.New(f.st, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dash, err := web.New(a.Store(), web.Options{StaleAfter: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/", dash)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); a.Close() })

	secret, _, err := f.st.CreateEnrollSecret(t.Context(), team.ID)
	if err != nil {
		t.Fatal(err)
	}
	deviceID, token, err := f.st.EnrollDevice(t.Context(), secret, "browser-laptop", storetest.Agent)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var applied []checks.Policy
	syncer, err := policysync.New(policysync.Config{ServerURL: srv.URL, Token: func() (string, error) { return token, nil },
		CachePath: filepath.Join(t.TempDir(), "policy.json"), Interval: time.Second,
		Apply: func(p checks.Policy) { mu.Lock(); applied = append(applied, p); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = syncer.Run(ctx) }()
	lastApplied := func() (checks.Policy, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(applied) == 0 {
			return checks.Policy{}, 0
		}
		return applied[len(applied)-1], len(applied)
	}
	confirmed := func(etag string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			d, err := f.st.Device(t.Context(), deviceID)
			if err == nil && d.PolicyETag == etag {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the agent did not confirm version %s (has %q, %v)", etag, d.PolicyETag, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	confirmed(team.ETag)

	teamPage := srv.URL + "/teams/" + team.ID
	row := `#rollout tr[data-device="` + deviceID + `"]`
	signIn(t, ctx, teamPage, "screen_lock_max_seconds")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatalf("the team page's rollout row: %v", err)
	}
	if got := text(t, ctx, row+` td:nth-child(2)`); got != "applied just now" {
		t.Errorf("the agent's row says %q, want applied just now", got)
	}
	if got := text(t, ctx, "#rollout-count"); !strings.HasPrefix(got, "1 of 5 devices") {
		t.Errorf("rollout count %q", got)
	}

	// Change values with the form: screen lock 10 → 5 minutes, insecure
	// Wi-Fi fail → warn, smart speakers required.
	saved := time.Now()
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("screen_lock_max_seconds")),
		chromedp.SendKeys(chromedp.ID("screen_lock_max_seconds"), "5"),
		chromedp.SetValue(chromedp.ID("wifi_insecure"), "warn"),
		chromedp.Click(chromedp.ID("required_smart_speakers")),
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("saved")),
	); err != nil {
		t.Fatalf("saving the form: %v", err)
	}
	jsonText, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("policy")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"screen_lock_max_seconds": 300`, `"wifi_insecure": "warn"`, `"smart_speakers": {`} {
		if !strings.Contains(jsonText, want) {
			t.Errorf("the JSON beside the form lacks %s:\n%s", want, jsonText)
		}
	}
	for {
		pol, _ := lastApplied()
		if screenLockMax.Of(pol) == 300 {
			if wifiInsecure.Of(pol) != checks.Warn || !pol.Required("smart_speakers") || !pol.Required("firewall") {
				t.Errorf("the agent applied %+v", pol)
			}
			break
		}
		if time.Since(saved) > 10*time.Second {
			t.Fatalf("the agent still runs screen_lock_max_seconds %d 10 s after the save", screenLockMax.Of(pol))
		}
		time.Sleep(10 * time.Millisecond)
	}
	reached := time.Since(saved)
	cur, err := f.st.Team(t.Context(), team.ID)
	if err != nil {
		t.Fatal(err)
	}
	confirmed(cur.ETag)
	t.Logf("form save → agent applied: %v (poll interval 1 s); confirmed after %v", reached, time.Since(saved))
	if err := chromedp.Do(ctx, chromedp.Navigate(teamPage), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row+` td:nth-child(2)`); got != "applied just now" {
		t.Errorf("after the save the agent's row says %q, want applied just now", got)
	}

	// An invalid number: the agents' message next to the field, the value
	// entered kept, nothing saved, nothing new for the agent.
	_, before := lastApplied()
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("screen_lock_max_seconds")),
		chromedp.SendKeys(chromedp.ID("screen_lock_max_seconds"), "0"),
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("screen_lock_max_seconds-error")),
	); err != nil {
		t.Fatalf("an invalid number: %v", err)
	}
	if got := text(t, ctx, "#screen_lock_max_seconds-error"); !strings.Contains(got, "Enter from 1 second to 24 hours.") {
		t.Errorf("the error next to the field says %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("screen_lock_max_seconds"))); v != "0" {
		t.Errorf("the field shows %q after the error, want the 0 entered", v)
	}
	shot(t, ctx, "dashboard-policy-form-error.png")
	if again, _ := f.st.Team(t.Context(), team.ID); again.ETag != cur.ETag {
		t.Error("an invalid form changed the policy")
	}

	// A kept site typed as a wildcard: agents would refuse every clear of
	// the team, so the form says what to write instead and saves nothing.
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("screen_lock_max_seconds")),
		chromedp.SendKeys(chromedp.ID("screen_lock_max_seconds"), "10"),
		chromedp.SendKeys(chromedp.ID("cookie_keep"), "*.mybank.co.uk"), // empty: the team keeps no site
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("cookie-error")),
	); err != nil {
		t.Fatalf("a wildcard kept site: %v", err)
	}
	if got := text(t, ctx, "#cookie-error"); !strings.Contains(got, `cookie_keep: "*.mybank.co.uk" is not a site name: write mybank.co.uk`) {
		t.Errorf("the error next to the cookie fields says %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("cookie_keep"))); v != "*.mybank.co.uk" {
		t.Errorf("the kept sites show %q after the error, want what was typed", v)
	}
	if again, _ := f.st.Team(t.Context(), team.ID); again.ETag != cur.ETag {
		t.Error("a wildcard kept site changed the policy")
	}
	time.Sleep(1500 * time.Millisecond) // past a poll
	if _, n := lastApplied(); n != before {
		t.Errorf("the agent applied %d policies after an invalid form, want none", n-before)
	}
}

// TestBrowserPolicyFormConflict: two admins edit one team's policy in
// their own browsers. Bob saves first; Alice's save of the page she
// opened before is refused and the form comes back with her edits kept
// beside Bob's, the setting both changed marked with Bob's value. She
// saves that form and the policy holds both people's edits.
func TestBrowserPolicyFormConflict(t *testing.T) {
	f := newFixture(t)
	hashOther(t, f, "bob")
	team := f.teams["Counselling"]
	teamPage := f.srv.URL + "/teams/" + team.ID
	alice, bob := headless(t), headless(t)
	signIn(t, alice, teamPage, "screen_lock_max_seconds")
	signInAs(t, bob, teamPage, "screen_lock_max_seconds", "bob")

	// Bob: screen lock 10 → 15 minutes, insecure Wi-Fi fail → warn.
	if err := chromedp.Do(bob,
		chromedp.Clear(chromedp.ID("screen_lock_max_seconds")),
		chromedp.SendKeys(chromedp.ID("screen_lock_max_seconds"), "15"),
		chromedp.SetValue(chromedp.ID("wifi_insecure"), "warn"),
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("saved")),
	); err != nil {
		t.Fatalf("bob's save: %v", err)
	}
	bobs, err := f.st.Team(t.Context(), team.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Alice, on the page she opened before Bob saved: screen lock 10 → 5
	// minutes, smart speakers required.
	if err := chromedp.Do(alice,
		chromedp.Clear(chromedp.ID("screen_lock_max_seconds")),
		chromedp.SendKeys(chromedp.ID("screen_lock_max_seconds"), "5"),
		chromedp.Click(chromedp.ID("required_smart_speakers")),
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	); err != nil {
		t.Fatalf("alice's stale save: %v", err)
	}
	if got := text(t, alice, "#form-error"); !strings.Contains(got, "Someone changed this policy since you opened it. Your edits are kept in the form") ||
		!strings.Contains(got, `You both changed "The screen locks with a password after at most"`) {
		t.Errorf("the form says %q", got)
	}
	if got := text(t, alice, "#screen_lock_max_seconds-note"); !strings.HasPrefix(got, "Someone else saved this as 15 minutes") {
		t.Errorf("the screen lock is marked %q", got)
	}
	for id, want := range map[string]string{"screen_lock_max_seconds": "5", "wifi_insecure": "warn"} {
		if v, err := chromedp.Run(alice, chromedp.Value(chromedp.ID(id))); err != nil || v != want {
			t.Errorf("the merged form shows %s = %q (%v), want %q", id, v, err, want)
		}
	}
	if ticked, err := chromedp.Run(alice, chromedp.JavascriptAttribute[bool](chromedp.ID("required_smart_speakers"), "checked")); err != nil || !ticked {
		t.Errorf("smart speakers no longer ticked in the merged form (%v)", err)
	}
	if now, _ := f.st.Team(t.Context(), team.ID); now.ETag != bobs.ETag {
		t.Fatalf("the refused save changed the policy to %s", now.Policy)
	}
	shot(t, alice, "dashboard-policy-form-conflict.png")

	// Alice keeps her screen lock and saves the merged form.
	if err := chromedp.Do(alice,
		chromedp.Click(chromedp.ID("save-form")),
		chromedp.WaitVisible(chromedp.ID("saved")),
	); err != nil {
		t.Fatalf("saving the merged form: %v", err)
	}
	cur, err := f.st.Team(t.Context(), team.ID)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := all.ParsePolicy(bytes.NewReader(cur.Policy))
	if err != nil || screenLockMax.Of(pol) != 300 || wifiInsecure.Of(pol) != checks.Warn || !pol.Required("smart_speakers") || !pol.Required("firewall") {
		t.Errorf("saved %s (%v), want Alice's screen lock and smart speakers with Bob's Wi-Fi", cur.Policy, err)
	}
	if a := auditActions(t, f.st); strings.Count(a, "policy.update by alice") != 1 || strings.Count(a, "policy.update by bob") != 1 {
		t.Errorf("audit: %s", a)
	}
}
