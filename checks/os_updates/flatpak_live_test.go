package osupdates_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// flatpakMoved is the live probe with the system Flatpak installation in
// a private folder, a console user whose home is another, and a clock
// that can be moved on.
type flatpakMoved struct {
	probe.Probe
	system, home string
	later        time.Duration
}

func (m flatpakMoved) path(p string) string {
	if rest, ok := strings.CutPrefix(p, "/var/lib/flatpak"); ok {
		return m.system + rest
	}
	return p
}

func (m flatpakMoved) Now() time.Time { return m.Probe.Now().Add(m.later) }
func (m flatpakMoved) ConsoleUser() (probe.User, error) {
	return probe.User{UID: "1000", Name: "counsellor", Home: m.home}, nil
}
func (m flatpakMoved) ReadFile(p string) ([]byte, error) { return m.Probe.ReadFile(m.path(p)) }
func (m flatpakMoved) ReadFileHead(p string, n int) ([]byte, error) {
	return m.Probe.ReadFileHead(m.path(p), n)
}
func (m flatpakMoved) ReadDir(p string) ([]string, error) { return m.Probe.ReadDir(m.path(p)) }

// TestLiveFlatpakPending builds a runtime and an app with flatpak's own
// tools, serves their repository over HTTP (as Flathub is), installs both
// into a private system installation and the runtime into a console
// user's, and reads them with the check:
//   - as installed: nothing waits;
//   - the app rebuilt and published, nothing refreshed: still nothing
//     waits (the check reads what the machine knows, and asks no server:
//     the repository sees no request while it runs);
//   - after a background refresh (`flatpak update --appstream`, what GNOME
//     Software does): one update waits since the list was made; twenty
//     days later that fails;
//   - downloaded but not deployed (`flatpak update --no-deploy`): flatpak
//     drops the saved list, so unknown, never a pass; with an older list
//     the download shows it (undated: warn); deployed: none.
//
// Every file of both installations and of /var/lib/flatpak stays as it
// was across each run of the check.
func TestLiveFlatpakPending(t *testing.T) {
	need(t, "flatpak")
	dir := t.TempDir()
	system, home, repo := filepath.Join(dir, "system"), filepath.Join(dir, "home"), filepath.Join(dir, "repo")
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=" + home,
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_DATA_HOME=" + filepath.Join(home, ".local/share"),
		"FLATPAK_SYSTEM_DIR=" + system, "FLATPAK_USER_DIR=" + filepath.Join(home, ".local/share/flatpak"),
		"FLATPAK_CONFIG_DIR=" + filepath.Join(dir, "etc"),
		// flatpak's own test suite does the same: no desktop triggers
		// (they run under bubblewrap).
		"FLATPAK_TRIGGERSDIR=" + filepath.Join(dir, "triggers")}
	for _, d := range []string{home, filepath.Join(dir, "etc"), filepath.Join(dir, "triggers")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	flatpak := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), "flatpak", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("flatpak %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	arch := strings.TrimSpace(flatpak("--default-arch"))
	watched := []string{system, home}
	if _, err := os.Stat("/var/lib/flatpak"); err == nil {
		watched = append(watched, "/var/lib/flatpak")
	}
	write(t, filepath.Join(dir, "rt/metadata"), "[Runtime]\nname=org.sg.Platform\n")
	write(t, filepath.Join(dir, "rt/usr/bin/runtime-file"), "a file of the test runtime\n")
	// The files folder a runtime build has, and the export folder that
	// flatpak build-finish leaves in an app's.
	for _, d := range []string{"rt/files", "app/export"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "app/metadata"), "[Application]\nname=org.sg.App\nruntime=org.sg.Platform/"+arch+"/1\nsdk=org.sg.Platform/"+arch+"/1\ncommand=hello\n")
	write(t, filepath.Join(dir, "app/files/bin/hello"), "#!/bin/sh\necho hello\n")
	flatpak("build-export", "--disable-sandbox", "--runtime", "--arch="+arch, repo, "rt", "1")
	flatpak("build-export", "--disable-sandbox", "--arch="+arch, repo, "app", "master")
	flatpak("build-update-repo", repo)

	var requests atomic.Int64
	files := http.FileServer(http.Dir(repo))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	flatpak("--system", "remote-add", "--no-gpg-verify", "web", srv.URL+"/")
	flatpak("--system", "install", "-y", "--noninteractive", "--arch="+arch, "web", "org.sg.App")
	flatpak("--user", "remote-add", "--no-gpg-verify", "web", srv.URL+"/")
	flatpak("--user", "install", "-y", "--noninteractive", "--arch="+arch, "web", "runtime/org.sg.Platform/"+arch+"/1")

	p := flatpakMoved{Probe: live.New(), system: system, home: home}
	collect := func(p flatpakMoved) osupdates.Facts {
		t.Helper()
		before := snapshot(t, watched...)
		n := requests.Load()
		f, err := osupdates.Collect(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, watched...); !equalSnapshots(t, before, after) {
			t.Error("the check changed a Flatpak installation")
		}
		if got := requests.Load() - n; got != 0 {
			t.Errorf("the check made %d requests to the remote", got)
		}
		if f.Flatpak == nil {
			t.Fatalf("no flatpak facts (%v)", f.Errors)
		}
		return f
	}
	want := func(f osupdates.Facts, installed, pending int) {
		t.Helper()
		if fp := f.Flatpak; !fp.Read || fp.Installed != installed || fp.Pending != pending {
			t.Fatalf("flatpak %+v (%v), want %d installed, %d pending", *fp, f.Errors, installed, pending)
		}
	}

	f := collect(p)
	want(f, 3, 0)
	if r, _ := osupdates.EvaluateFlatpak(f, 14); r.Status != "pass" {
		t.Errorf("as installed: %s %q, want pass", r.Status, r.Summary)
	}

	// A newer app is published; this machine has not looked yet.
	write(t, filepath.Join(dir, "app/files/share/sg/changelog"), "version 2\n")
	flatpak("build-export", "--disable-sandbox", "--arch="+arch, repo, "app", "master")
	flatpak("build-update-repo", repo)
	want(collect(p), 3, 0)

	// A background refresh saves the remote's new list.
	cache := filepath.Join(system, "repo/tmp/cache/summaries")
	oldList := map[string][]byte{}
	for _, name := range listDir(t, cache) {
		b, err := os.ReadFile(filepath.Join(cache, name))
		if err != nil {
			t.Fatal(err)
		}
		oldList[name] = b
	}
	flatpak("--system", "update", "--appstream")
	published := time.Now()
	f = collect(p)
	want(f, 3, 1)
	if f.Flatpak.Since == nil || published.Sub(*f.Flatpak.Since) > time.Minute || f.Flatpak.Since.After(published) {
		t.Errorf("waiting since %v, want the list's time, just before %v", f.Flatpak.Since, published)
	}
	if r, _ := osupdates.EvaluateFlatpak(f, 14); r.Status != "warn" || !strings.Contains(r.Summary, "1 Flatpak app or runtime has had an update waiting to be installed for at least 0 days") {
		t.Errorf("just published: %s %q, want warn", r.Status, r.Summary)
	}
	later := p
	later.later = 20*24*time.Hour + time.Hour
	if r, _ := osupdates.EvaluateFlatpak(collect(later), 14); r.Status != "fail" || !strings.Contains(r.Summary, "waiting to be installed for at least 20 days (the policy allows 14)") {
		t.Errorf("20 days on: %s %q, want fail", r.Status, r.Summary)
	}

	// Downloaded, not deployed. A pull makes flatpak drop the saved list
	// (it is fetched again at the next look), so what the remote offers
	// is unknown: never a pass.
	flatpak("--system", "update", "-y", "--noninteractive", "--no-deploy")
	f = collect(p)
	if r, _ := osupdates.EvaluateFlatpak(f, 14); f.Flatpak.Read || r.Status != "unknown" || !strings.Contains(r.Reason, "no saved list of what remote web offers") {
		t.Errorf("list dropped: %s %q (%+v), want unknown", r.Status, r.Reason, *f.Flatpak)
	}
	// With the list saved before the update (as a user's own cache may
	// still hold it) the download alone shows the update: waiting,
	// undated.
	for name, b := range oldList {
		write(t, filepath.Join(cache, name), string(b))
	}
	f = collect(p)
	want(f, 3, 1)
	if r, _ := osupdates.EvaluateFlatpak(f, 14); f.Flatpak.Since != nil || r.Status != "warn" || !strings.Contains(r.Summary, "for how long cannot be told") {
		t.Errorf("downloaded, old list: %s %q (since %v), want warn without an age", r.Status, r.Summary, f.Flatpak.Since)
	}
	// The next look saves the new list: counted once, dated.
	flatpak("--system", "update", "--appstream")
	if f = collect(p); f.Flatpak.Pending != 1 || f.Flatpak.Since == nil {
		t.Errorf("downloaded, new list: %+v, want 1 waiting with an age", *f.Flatpak)
	}
	// Deployed, and looked again: nothing waits.
	flatpak("--system", "update", "-y", "--noninteractive")
	flatpak("--system", "update", "--appstream")
	want(collect(p), 3, 0)
	if names := listDir(t, cache); len(names) == 0 {
		t.Error("no saved list after the look")
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
