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
	hive, hiveName := registry.LOCAL_MACHINE, "HKLM"
	parent := fmt.Sprintf(`SOFTWARE\SessionGuardProbeTest%d`, os.Getpid())
	k, _, err := registry.CreateKey(hive, parent+`\RebootRequired`, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		hive, hiveName = registry.CURRENT_USER, "HKCU"
		k, _, err = registry.CreateKey(hive, parent+`\RebootRequired`, registry.ALL_ACCESS|registry.WOW64_64KEY)
	}
	if err != nil {
		t.Fatalf("creating the test key: %v", err)
	}
	k.Close()
	t.Cleanup(func() {
		_ = registry.DeleteKey(hive, parent+`\RebootRequired`)
		_ = registry.DeleteKey(hive, parent)
	})
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
}
