//go:build windows

package live

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestLiveWindowsRegistryKeys runs on Windows (and under Wine, from
// internal/winetest): a key this test creates is present, a sibling it
// never made is absent (false with no error), the key is absent again once
// deleted, and a key in an unknown hive is an error, not "absent". Where
// the test runs unelevated it uses HKCU, which needs no rights.
func TestLiveWindowsRegistryKeys(t *testing.T) {
	l := New()
	parent := fmt.Sprintf(`SOFTWARE\SessionGuardProbeTest%d`, os.Getpid())
	hive, hiveName, k := createTestKey(t, parent, `RebootRequired`)
	k.Close()
	key := hiveName + `\` + parent + `\RebootRequired`

	for _, tc := range []struct {
		key  string
		want bool
	}{
		{key, true},
		{hiveName + `\` + parent + `\RebootPending`, false},
		{hiveName + `\` + parent + `\No\Such\Path`, false},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, true},
	} {
		got, err := l.RegistryKeyExists(tc.key)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.key, got, err, tc.want)
		}
	}
	if err := registry.DeleteKey(hive, parent+`\RebootRequired`); err != nil {
		t.Fatal(err)
	}
	if got, err := probe.RegistryKeyExists(l, key); err != nil || got {
		t.Errorf("after deleting: %v %v, want absent", got, err)
	}
	if got, err := l.RegistryKeyExists(`HKXX\SOFTWARE`); err == nil || got {
		t.Errorf("an unknown hive: %v %v, want an error", got, err)
	}
	t.Run("AccessDenied", func(t *testing.T) { testKeyAccessDenied(t, l, hive, hiveName, parent) })
}

// testKeyAccessDenied: a key whose access list grants nobody anything
// exists but cannot be opened; that is an error wrapping ErrAccessDenied,
// never "absent". Where the registry does not enforce access lists (Wine)
// the key opens and the case cannot be shown: it is skipped, saying so.
func testKeyAccessDenied(t *testing.T, l *Live, hive registry.Key, hiveName, parent string) {
	path := parent + `\Locked`
	k, _, err := registry.CreateKey(hive, path, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	empty, err := windows.SecurityDescriptorFromString("D:P")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := empty.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetSecurityInfo(windows.Handle(k), windows.SE_REGISTRY_KEY, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Skipf("cannot lock the test key here: %v", err)
	}
	t.Cleanup(func() {
		// The handle opened before the lock still has WRITE_DAC: give the
		// key an inherited access list again so it can be deleted.
		open, _ := windows.SecurityDescriptorFromString("D:(A;;KA;;;WD)")
		if d, _, err := open.DACL(); err == nil {
			_ = windows.SetSecurityInfo(windows.Handle(k), windows.SE_REGISTRY_KEY, windows.DACL_SECURITY_INFORMATION, nil, nil, d, nil)
		}
		_ = registry.DeleteKey(hive, path)
	})
	got, err := l.RegistryKeyExists(hiveName + `\` + path)
	switch {
	case err == nil && got:
		t.Skip("the registry here does not enforce access lists (Wine): the key opened")
	case !errors.Is(err, probe.ErrAccessDenied):
		t.Errorf("a key nobody may open: %v %v, want an error wrapping ErrAccessDenied", got, err)
	}
	if values, err := l.RegistryValues(hiveName + `\` + path); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("listing a key nobody may open: %v %v, want an error wrapping ErrAccessDenied", values, err)
	}
}

// TestLiveWindowsRegistryValues runs on Windows (and under Wine, from
// internal/winetest): every value of a key this test fills comes back by
// name, typed as Registry reads one (a binary value, which Registry does
// not read, left out); an empty key lists nothing; an absent key is
// ErrNotFound, never an empty list.
func TestLiveWindowsRegistryValues(t *testing.T) {
	l := New()
	path := fmt.Sprintf(`SOFTWARE\SessionGuardValuesTest%d`, os.Getpid())
	_, hiveName, k := createTestKey(t, path, `Rules`, `Empty`)
	rule := "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|"
	for _, err := range []error{
		k.SetStringValue("{C8E2A1D4-3B6F-4E0A-9D7C-2F1B5A8E4C33}", rule),
		k.SetStringValue("TCP Query User{9B1E}C:\\program files\\zoom\\bin\\zoom.exe", "v2.10|Action=Block|"),
		k.SetExpandStringValue("Expand", `%SystemRoot%\system32`),
		k.SetDWordValue("Count", 7),
		k.SetQWordValue("Big", 1<<40),
		k.SetStringsValue("Many", []string{"a", "b"}),
		k.SetBinaryValue("Blob", []byte{1, 2, 3}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	k.Close()
	got, err := l.RegistryValues(hiveName + `\` + path + `\Rules`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"{C8E2A1D4-3B6F-4E0A-9D7C-2F1B5A8E4C33}":                     rule,
		"TCP Query User{9B1E}C:\\program files\\zoom\\bin\\zoom.exe": "v2.10|Action=Block|",
		"Expand": `%SystemRoot%\system32`,
		"Count":  uint64(7),
		"Big":    uint64(1 << 40),
		"Many":   []string{"a", "b"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listed %v\nwant   %v", got, want)
	}
	if got, err := l.RegistryValues(hiveName + `\` + path + `\Empty`); err != nil || len(got) != 0 {
		t.Errorf("an empty key: %v %v, want no values", got, err)
	}
	if got, err := probe.RegistryValues(l, hiveName+`\`+path+`\Absent`); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("an absent key: %v %v, want an error wrapping ErrNotFound", got, err)
	}
	if _, err := l.RegistryValues(`HKXX\SOFTWARE`); err == nil || errors.Is(err, probe.ErrNotFound) {
		t.Errorf("an unknown hive: %v, want an error that is not \"absent\"", err)
	}
}

// createTestKey creates parent\subs[0] (and the other subs) in HKLM, or in
// HKCU where the test runs unelevated, deleted again when the test ends,
// and returns the hive, its short name and subs[0] opened.
func createTestKey(t *testing.T, parent string, subs ...string) (registry.Key, string, registry.Key) {
	t.Helper()
	hive, hiveName := registry.Key(registry.LOCAL_MACHINE), "HKLM"
	k, _, err := registry.CreateKey(hive, parent+`\`+subs[0], registry.ALL_ACCESS|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		hive, hiveName = registry.CURRENT_USER, "HKCU"
		k, _, err = registry.CreateKey(hive, parent+`\`+subs[0], registry.ALL_ACCESS|registry.WOW64_64KEY)
	}
	if err != nil {
		t.Fatalf("creating the test key: %v", err)
	}
	for _, sub := range subs[1:] {
		other, _, err := registry.CreateKey(hive, parent+`\`+sub, registry.ALL_ACCESS|registry.WOW64_64KEY)
		if err != nil {
			t.Fatal(err)
		}
		other.Close()
	}
	t.Cleanup(func() {
		for _, sub := range subs {
			_ = registry.DeleteKey(hive, parent+`\`+sub)
		}
		_ = registry.DeleteKey(hive, parent)
	})
	return hive, hiveName, k
}
