package live

import (
	"slices"
	"testing"
)

func TestParseProcStatus(t *testing.T) {
	status := "Name:\tmy sleeper\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\nPPid:\t1\n" +
		"Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nVmRSS:\t  1024 kB\n"
	name, uid, ok := parseProcStatus([]byte(status))
	// The real uid (1000), not the effective one of a set-uid program.
	if !ok || name != "my sleeper" || uid != 1000 {
		t.Errorf("got %q %d %v", name, uid, ok)
	}
	for _, bad := range []string{"", "Name:\tx\n", "Uid:\t0\t0\t0\t0\n", "Name:\tx\nUid:\troot\n"} {
		if _, _, ok := parseProcStatus([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestSplitCmdline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\x00\x00", nil},
		{"sleep\x00600\x00", []string{"sleep", "600"}},
		{"a b\x00\x00c\x00", []string{"a b", "", "c"}},
		{"nginx: master process /usr/sbin/nginx", []string{"nginx: master process /usr/sbin/nginx"}},
	} {
		if got := splitCmdline([]byte(tc.in)); !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFullProcName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmdline []string
		want    string
	}{
		{"my sleeper", []string{"/tmp/my sleeper", "1"}, "my sleeper"},
		{"my long sleeper", []string{"/tmp/x/my long sleeper program", "1"}, "my long sleeper program"},
		{"my long sleeper", []string{"something else"}, "my long sleeper"},
		{"my long sleeper", nil, "my long sleeper"},
		{"short", []string{"/usr/bin/shorter"}, "short"},
	} {
		if got := fullProcName(tc.name, tc.cmdline); got != tc.want {
			t.Errorf("%q %q: %q, want %q", tc.name, tc.cmdline, got, tc.want)
		}
	}
}

func TestLinuxOSVersion(t *testing.T) {
	debian := "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
	for _, tc := range []struct {
		osRelease, kernel, want string
	}{
		{debian, "6.1.0-18-amd64\n", "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-18-amd64"},
		{"# comment\nNAME='Arch Linux'\nBUILD_ID=rolling\n", "6.7.4-arch1-1", "Arch Linux, kernel 6.7.4-arch1-1"},
		{"NAME=Fedora\nVERSION_ID=39\n", "", "Fedora 39"},
		{`PRETTY_NAME="Say \"hi\" \$HOME"` + "\n", "6.1", `Say "hi" $HOME, kernel 6.1`},
		{"", "6.1", "Linux, kernel 6.1"},
	} {
		if got := linuxOSVersion([]byte(tc.osRelease), tc.kernel); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.osRelease, got, tc.want)
		}
	}
}

func TestCommName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sleep\n", "sleep"},
		{"my sleeper\n", "my sleeper"},
		{"a\\b\nc\n", `a\\b\nc`}, // as status shows it
		{"kworker/0:1-events\n", "kworker/0:1-events"},
		{"", ""},
	} {
		if got := commName([]byte(tc.in)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}
