package antivirus

import (
	"reflect"
	"testing"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
)

func TestJudgeOnAccess(t *testing.T) {
	alice := onAccessSubject{Home: "/home/alice", UID: "1001", Name: "alice", Account: true}
	nobody := onAccessSubject{Home: "/home"}
	// This machine's layout: / on one filesystem, /home/alice/mnt another.
	mounts := []procmounts.Entry{{Source: "/dev/vda", Target: "/"}, {Source: "proc", Target: "/proc"}, {Source: "/dev/vdb", Target: "/home/alice/mnt"}}
	mountOf := func(p string) (string, bool) { m, ok := procmounts.Containing(mounts, p); return m.Target, ok }
	unread := func(string) (string, bool) { return "", false }
	tests := []struct {
		name    string
		s       onAccessSettings
		who     onAccessSubject
		mountOf func(string) (string, bool)
		want    onAccessJudgement
	}{
		{"include /home", onAccessSettings{Include: []string{"/home"}}, alice, mountOf, onAccessJudgement{}},
		{"include /home/ (written with a slash)", onAccessSettings{Include: []string{"/home/"}}, alice, mountOf, onAccessJudgement{}},
		{"include the home itself", onAccessSettings{Include: []string{"/home/alice"}}, alice, mountOf, onAccessJudgement{}},
		{"include only Downloads", onAccessSettings{Include: []string{"/home/alice/Downloads"}}, alice, mountOf, onAccessJudgement{Gap: gapNotIncluded}},
		{"include /srv only", onAccessSettings{Include: []string{"/srv"}}, alice, mountOf, onAccessJudgement{Gap: gapNotIncluded}},
		{"include /home, DDD off", onAccessSettings{Include: []string{"/home"}, DisableDDD: true}, alice, mountOf, onAccessJudgement{Gap: gapTopOnly, Path: "/home"}},
		{"include the home, DDD off", onAccessSettings{Include: []string{"/home/alice"}, DisableDDD: true}, alice, mountOf, onAccessJudgement{Gap: gapTopOnly, Path: "/home/alice"}},
		{"include /, DDD on: refused", onAccessSettings{Include: []string{"/"}}, alice, mountOf, onAccessJudgement{Gap: gapRootRefused, Path: "/"}},
		{"include / refused, /home watched", onAccessSettings{Include: []string{"/", "/home"}}, alice, mountOf, onAccessJudgement{}},
		{"exclude the home", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/alice"}}, alice, mountOf, onAccessJudgement{Gap: gapExcluded, Path: "/home/alice"}},
		{"exclude /home under /", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home"}}, alice, mountOf, onAccessJudgement{Gap: gapExcluded, Path: "/home"}},
		{"exclude Downloads", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/alice/Downloads"}}, alice, mountOf, onAccessJudgement{Gap: gapExcludedInside, Path: "/home/alice/Downloads"}},
		{"exclusion with a trailing slash matches nothing", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/alice/"}}, alice, mountOf, onAccessJudgement{}},
		{"exclusion with a doubled slash matches nothing", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home//alice"}}, alice, mountOf, onAccessJudgement{}},
		{"exclusion of a name prefix is another folder", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/ali"}}, alice, mountOf, onAccessJudgement{}},
		{"exclude another person", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/bob"}}, alice, mountOf, onAccessJudgement{}},
		{"exclude uname", onAccessSettings{Include: []string{"/home"}, ExcludeUnames: []string{"clamav", "alice"}}, alice, mountOf, onAccessJudgement{Gap: gapAccountExcluded}},
		{"exclude uid", onAccessSettings{Include: []string{"/home"}, ExcludeUIDs: []string{"1001"}}, alice, mountOf, onAccessJudgement{Gap: gapAccountExcluded}},
		{"exclude uid with a 0 line: the option is off", onAccessSettings{Include: []string{"/home"}, ExcludeUIDs: []string{"1001", "0"}}, alice, mountOf, onAccessJudgement{}},
		{"exclude uname under a mount watch", onAccessSettings{Mount: []string{"/"}, ExcludeUnames: []string{"alice"}}, alice, mountOf, onAccessJudgement{Gap: gapAccountExcluded}},
		{"mount / holds the home", onAccessSettings{Mount: []string{"/"}}, alice, mountOf, onAccessJudgement{}},
		{"mount path not a mount point: its filesystem", onAccessSettings{Mount: []string{"/home"}}, alice, mountOf, onAccessJudgement{}},
		{"mount watch ignores path exclusions", onAccessSettings{Mount: []string{"/"}, Exclude: []string{"/home/alice"}}, alice, mountOf, onAccessJudgement{}},
		{"mount of another filesystem", onAccessSettings{Mount: []string{"/home/alice/mnt"}}, alice, mountOf, onAccessJudgement{Gap: gapNotIncluded}},
		{"mount table unread", onAccessSettings{Mount: []string{"/"}}, alice, unread, onAccessJudgement{MountsUnread: true}},
		{"include beside a mount watch: only the mount is watched", onAccessSettings{Include: []string{"/home"}, Mount: []string{"/home/alice/mnt"}}, alice, mountOf, onAccessJudgement{Gap: gapIncludeIgnored, Path: "/home"}},
		{"include elsewhere beside a mount watch elsewhere", onAccessSettings{Include: []string{"/srv"}, Mount: []string{"/home/alice/mnt"}}, alice, mountOf, onAccessJudgement{Gap: gapNotIncluded}},
		{"include beside a mount watch, mount table unread", onAccessSettings{Include: []string{"/home"}, Mount: []string{"/srv"}}, alice, unread, onAccessJudgement{MountsUnread: true}},
		{"excluded include, mount watch covers", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/alice"}, Mount: []string{"/"}}, alice, mountOf, onAccessJudgement{}},
		{"nothing", onAccessSettings{}, alice, mountOf, onAccessJudgement{Gap: gapNotIncluded}},
		{"nobody signed in: /home", onAccessSettings{Include: []string{"/home"}, ExcludeUnames: []string{"alice"}}, nobody, mountOf, onAccessJudgement{}},
		{"nobody signed in: /home without DDD", onAccessSettings{Include: []string{"/home"}, DisableDDD: true}, nobody, mountOf, onAccessJudgement{Gap: gapTopOnly, Path: "/home"}},
		{"nobody signed in: a person's folder excluded", onAccessSettings{Include: []string{"/home"}, Exclude: []string{"/home/bob"}}, nobody, mountOf, onAccessJudgement{Gap: gapExcludedInside, Path: "/home/bob"}},
	}
	for _, tt := range tests {
		if got := judgeOnAccess(tt.s, tt.who, tt.mountOf); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseClamonaccArgs(t *testing.T) {
	tests := []struct {
		args []string
		want clamonaccOptions
	}{
		// Debian's clamav-clamonacc.service.
		{[]string{"-F", "--log=/var/log/clamav/clamonacc.log", "--move=/root/quarantine"}, clamonaccOptions{}},
		{[]string{"-F", "-c", "/srv/onacc.conf", "--fdpass"}, clamonaccOptions{Config: "/srv/onacc.conf"}},
		{[]string{"-Fv", "-c/srv/onacc.conf"}, clamonaccOptions{Config: "/srv/onacc.conf"}},
		{[]string{"--config-file=/srv/a.conf", "--watch-list", "/etc/w1", "-W/etc/w2", "-e", "/etc/e1", "--exclude-list=/etc/e2"},
			clamonaccOptions{Config: "/srv/a.conf", WatchLists: []string{"/etc/w1", "/etc/w2"}, ExcludeLists: []string{"/etc/e1", "/etc/e2"}}},
		{[]string{"-l", "/var/log/x", "-p", "30:1", "-W", "/etc/w"}, clamonaccOptions{WatchLists: []string{"/etc/w"}}},
		{[]string{"-vFW", "/etc/w"}, clamonaccOptions{WatchLists: []string{"/etc/w"}}},
		{[]string{"--", "-c", "/x"}, clamonaccOptions{}},
	}
	for _, tt := range tests {
		if got := parseClamonaccArgs(tt.args); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

func TestParsePathList(t *testing.T) {
	if got := parsePathList([]byte("# folders\n\n/home\r\n/srv/shared folder\n")); !reflect.DeepEqual(got, []string{"/home", "/srv/shared folder"}) {
		t.Errorf("path list: %q", got)
	}
}
