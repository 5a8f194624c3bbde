package live

import "testing"

// TestExpandWindowsPath: the allow-list's Windows paths come from the
// system directory and Program Files the OS reports, never from %PATH%.
func TestExpandWindowsPath(t *testing.T) {
	for _, c := range []struct{ in, system, pf, want string }{
		{`{system}\manage-bde.exe`, `C:\Windows\System32`, `C:\Program Files`, `C:\Windows\System32\manage-bde.exe`},
		{`{system}\netsh.exe`, `D:\WINDOWS\system32\`, `C:\Program Files`, `D:\WINDOWS\system32\netsh.exe`},
		{`{programfiles}\Windows Defender\MpCmdRun.exe`, `C:\Windows\System32`, `E:\Programs\`, `E:\Programs\Windows Defender\MpCmdRun.exe`},
		{`C:\fixed\tool.exe`, `C:\Windows\System32`, `C:\Program Files`, `C:\fixed\tool.exe`},
	} {
		if got := expandWindowsPath(c.in, c.system, c.pf); got != c.want {
			t.Errorf("expandWindowsPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
