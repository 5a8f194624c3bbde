package useraccounts_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
)

// spy records every registry value and file a collector asks for.
type spy struct {
	probe.Probe
	mu       sync.Mutex
	registry []string
	files    []string
}

func (s *spy) Registry(key, value string) (any, error) {
	s.mu.Lock()
	s.registry = append(s.registry, key+`\`+value)
	s.mu.Unlock()
	return s.Probe.Registry(key, value)
}

func (s *spy) ReadFile(p string) ([]byte, error) {
	s.mu.Lock()
	s.files = append(s.files, p)
	s.mu.Unlock()
	return s.Probe.ReadFile(p)
}

const defaultPassword = "Sommer2024!praxis"

// TestNeverReadsDefaultPassword replays a bundle whose Winlogon key holds
// DefaultPassword and DefaultUserName: the collector must only ask for
// AutoAdminLogon, and neither the facts nor a re-recorded bundle may carry
// the password or the user name.
func TestNeverReadsDefaultPassword(t *testing.T) {
	dir := "testdata/windows/win11_admin_autologon_default_password"
	raw, err := os.ReadFile(filepath.Join(dir, evidence.RegistryFile))
	if err != nil || !strings.Contains(string(raw), defaultPassword) {
		t.Fatalf("the scenario must hold DefaultPassword for this test to mean anything: %v", err)
	}
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &spy{Probe: rp}
	rec := evidence.NewRecorder(s)
	r := useraccounts.Check.Run(t.Context(), rec, checks.Catalogue{useraccounts.Check}.Default())
	if r.Status != checks.Fail {
		t.Errorf("status = %s, want fail (auto-login on)", r.Status)
	}
	if len(s.registry) == 0 {
		t.Fatal("the collector asked for no registry value at all")
	}
	for _, v := range s.registry {
		lv := strings.ToLower(v)
		if strings.HasSuffix(lv, `\defaultpassword`) || strings.HasSuffix(lv, `\defaultusername`) {
			t.Errorf("collector asked for %s", v)
		}
	}
	out := filepath.Join(t.TempDir(), "bundle")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), defaultPassword) || strings.Contains(strings.ToLower(string(b)), "defaultpassword") {
			t.Errorf("re-recorded %s carries DefaultPassword", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{defaultPassword, "DefaultPassword", `"therapist"`} {
		if strings.Contains(string(r.Facts), leak) || strings.Contains(r.Summary+r.Fix, leak) {
			t.Errorf("result carries %q", leak)
		}
	}
}

// TestNeverReadsKCPassword: /etc/kcpassword is looked for by name only.
func TestNeverReadsKCPassword(t *testing.T) {
	for _, dir := range []string{"testdata/darwin/autologin_with_kcpassword", "testdata/darwin/kcpassword_left_behind"} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, "files/etc/kcpassword")); err != nil {
				t.Fatalf("scenario must hold a kcpassword file: %v", err)
			}
			rp, err := evidence.OpenReplay(dir)
			if err != nil {
				t.Fatal(err)
			}
			s := &spy{Probe: rp}
			f, err := useraccounts.Collect(t.Context(), s)
			if err != nil {
				t.Fatal(err)
			}
			if f.Darwin == nil || f.Darwin.KCPassword == nil || !*f.Darwin.KCPassword {
				t.Errorf("kcpassword presence not seen: %+v", f.Darwin)
			}
			for _, p := range s.files {
				if strings.Contains(p, "kcpassword") {
					t.Errorf("collector read %s", p)
				}
			}
		})
	}
}

// TestFactsCarryNoIdentity: no scenario's facts name the console user, their
// home folder or their id.
func TestFactsCarryNoIdentity(t *testing.T) {
	for _, dir := range checktest.Scenarios(t, "testdata") {
		rp, err := evidence.OpenReplay(dir)
		if err != nil {
			t.Fatal(err)
		}
		u, err := rp.ConsoleUser()
		if err != nil {
			continue
		}
		r := checktest.Replay(t, useraccounts.Check, dir)
		for _, v := range []string{u.Name, u.Home} {
			if v != "" && strings.Contains(string(r.Facts)+r.Summary, v) {
				t.Errorf("%s: result carries %q", dir, v)
			}
		}
		if len(u.UID) > 4 && strings.Contains(string(r.Facts), u.UID) {
			t.Errorf("%s: facts carry the console user's id", dir)
		}
		if strings.Contains(string(r.Facts), `"`+u.UID+`"`) {
			t.Errorf("%s: facts carry the console user's id", dir)
		}
	}
}
