package gsettings_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// read is one file of testdata/: what real gsettings runs printed
// (GLib 2.74, Debian 12; the German ones with LANGUAGE=de).
func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseList(t *testing.T) {
	tests := []struct {
		file, schema string
		ok           bool
		want         map[string]string // keys that must have these values
	}{
		{"gnome_screensaver_defaults.stdout", "org.gnome.desktop.screensaver", true, map[string]string{"lock-enabled": "true", "lock-delay": "uint32 0"}},
		{"gnome_screensaver_lock_off_delay30.stdout", "org.gnome.desktop.screensaver", true, map[string]string{"lock-enabled": "false", "lock-delay": "uint32 30"}},
		{"gnome_session_defaults.stdout", "org.gnome.desktop.session", true, map[string]string{"idle-delay": "uint32 300"}},
		{"gnome_session_idle0.stdout", "org.gnome.desktop.session", true, map[string]string{"idle-delay": "uint32 0"}},
		{"cinnamon_screensaver_defaults.stdout", "org.cinnamon.desktop.screensaver", true, map[string]string{"lock-enabled": "true", "idle-activation-enabled": "true", "lock-delay": "uint32 0"}},
		{"cinnamon_session_defaults.stdout", "org.cinnamon.desktop.session", true, map[string]string{"idle-delay": "uint32 900"}},
		{"mate_screensaver_idle_activation_off.stdout", "org.mate.screensaver", true, map[string]string{"idle-activation-enabled": "false", "lock-delay": "2"}},
		// Without a session bus the dconf backend still reads the database.
		{"no_bus_memory_backend.stdout", "org.gnome.desktop.session", true, map[string]string{"idle-delay": "uint32 300"}},
		// GNOME Software 43 (Debian 12): its child schema's keys are not its own.
		{"gnome_software_debian12.stdout", "org.gnome.software", true, map[string]string{"allow-updates": "true", "download-updates": "true", "account-id": ""}},
		{"gnome_software_debian12.stdout", "org.gnome.software.auth", true, map[string]string{"account-id": "''", "allow-updates": ""}},
		// Schema missing: nothing on stdout, message on stderr (C and German).
		{"no_such_schema.stdout", "org.cinnamon.desktop.screensaver", false, nil},
		{"no_such_schema_de.stdout", "org.mate.screensaver", false, nil},
		{"no_such_schema.stderr", "org.cinnamon.desktop.screensaver", false, nil},
		{"no_such_schema_de.stderr", "org.mate.screensaver", false, nil},
		// Output of another schema or not a listing at all.
		{"gnome_session_defaults.stdout", "org.gnome.desktop.screensaver", false, nil},
		{"version_not_a_listing.stdout", "org.gnome.desktop.session", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.schema, func(t *testing.T) {
			got, ok := gsettings.ParseList(read(t, tc.file), tc.schema)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%v)", ok, tc.ok, got)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestGVariant(t *testing.T) {
	uints := []struct {
		in   string
		want int
		ok   bool
	}{
		{"uint32 300", 300, true}, {"uint32 0", 0, true}, {"5", 5, true}, {"@u 60", 60, true},
		{"int32 -1", 0, false}, {"'solid'", 0, false}, {"", 0, false}, {"uint32", 0, false},
	}
	for _, tc := range uints {
		n, ok := gsettings.Uint(tc.in)
		if n != tc.want || ok != tc.ok {
			t.Errorf("Uint(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
	bools := []struct {
		in       string
		want, ok bool
	}{{"true", true, true}, {"false", false, true}, {" true\n", true, true}, {"1", false, false}, {"True", false, false}}
	for _, tc := range bools {
		b, ok := gsettings.Bool(tc.in)
		if b != tc.want || ok != tc.ok {
			t.Errorf("Bool(%q) = %v, %v; want %v, %v", tc.in, b, ok, tc.want, tc.ok)
		}
	}
}

// TestProblem tells a missing schema (in English and German) from other
// failures and from output that is no listing.
func TestProblem(t *testing.T) {
	for _, tc := range []struct{ run, want string }{
		{"no_such_schema", gsettings.SchemaMissing},
		{"no_such_schema_de", gsettings.SchemaMissing},
		{"no_bus_memory_backend", "not recognised"},
	} {
		code, err := strconv.Atoi(strings.TrimSpace(string(read(t, tc.run+".exit"))))
		if err != nil {
			t.Fatal(err)
		}
		out := probe.Output{Stdout: read(t, tc.run+".stdout"), Stderr: read(t, tc.run+".stderr"), ExitCode: code}
		if got := gsettings.Problem(out); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.run, got, tc.want)
		}
	}
	if got := gsettings.Problem(probe.Output{Stderr: []byte("failed to commit changes to dconf\n"), ExitCode: 1}); got != "failed" {
		t.Errorf("a failure: %q", got)
	}
}

// TestScrubList: a scrubbed listing keeps the keys asked for and reads as
// it did; whatever else the schema held is gone.
func TestScrubList(t *testing.T) {
	read := func(name string) []byte { return read(t, name) }
	lockKeys := func(k string) bool { return k == "lock-enabled" || k == "lock-delay" }
	for _, c := range []struct {
		name, file, schema string
		keep               func(string) bool
		gone               string
	}{
		{"GNOME screensaver", "gnome_screensaver_defaults.stdout", "org.gnome.desktop.screensaver", lockKeys, "picture-uri"},
		{"Cinnamon screensaver", "cinnamon_screensaver_defaults.stdout", "org.cinnamon.desktop.screensaver", lockKeys, "default-message"},
		{"GNOME Software, own keys", "gnome_software_debian12.stdout", "org.gnome.software", nil, "org.gnome.software.auth"},
		{"none of the keys", "gnome_session_defaults.stdout", "org.gnome.desktop.session", func(string) bool { return false }, "uint32"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := read(c.file)
			orig := slices.Clone(in)
			out := gsettings.ScrubList(in, c.schema, c.keep)
			if !bytes.Equal(in, orig) {
				t.Error("the output was modified in place")
			}
			if !bytes.Contains(in, []byte(c.gone)) || bytes.Contains(out, []byte(c.gone)) {
				t.Errorf("%q should be in the listing and gone from the scrubbed one:\n%s", c.gone, out)
			}
			want, wantOK := gsettings.ParseList(in, c.schema)
			got, gotOK := gsettings.ParseList(out, c.schema)
			if gotOK != wantOK {
				t.Fatalf("scrubbed listing reads ok=%v, the listing ok=%v", gotOK, wantOK)
			}
			for k, v := range want {
				if (c.keep == nil || c.keep(k)) && got[k] != v {
					t.Errorf("%s: %q after scrubbing, want %q", k, got[k], v)
				}
			}
		})
	}
	for _, f := range []string{"no_such_schema.stderr", "version_not_a_listing.stdout"} {
		if in := read(f); !bytes.Equal(gsettings.ScrubList(in, "org.cinnamon.desktop.screensaver", lockKeys), in) {
			t.Errorf("%s: output with no line of the schema should be kept whole", f)
		}
	}
}
