package probe

import "testing"

func TestWindowsVersionString(t *testing.T) {
	for _, tc := range []struct {
		v    WindowsVersion
		want string
	}{
		{WindowsVersion{"Windows 10 Pro", "22H2", "19045", 3693, true}, "Windows 10 Pro 22H2 (build 19045.3693)"},
		// Windows 11 keeps "Windows 10" in ProductName.
		{WindowsVersion{"Windows 10 Pro", "23H2", "22631", 2861, true}, "Windows 11 Pro 23H2 (build 22631.2861)"},
		{WindowsVersion{"Windows Server 2016 Standard", "", "14393", 0, true}, "Windows Server 2016 Standard (build 14393.0)"},
		// Wine 8: no DisplayVersion, no UBR.
		{WindowsVersion{"Windows 10 Pro", "", "19043", 0, false}, "Windows 10 Pro (build 19043)"},
		{WindowsVersion{}, ""},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.v, got, tc.want)
		}
	}
}
