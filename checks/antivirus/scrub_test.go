package antivirus

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// TestScrubClamConfAsClamAVReadsIt: lines split by a tab, quoted, or
// with an inline comment keep how every ClamAV version reads them; the
// words of a comment, which can name anyone, do not stay.
func TestScrubClamConfAsClamAVReadsIt(t *testing.T) {
	in := "OnAccessExcludePath\t/home/sam\nOnAccessExcludePath /home/sam/Clients # sam's clients\n" +
		"OnAccessExcludeUname \"sam # backup\" trailing\nOnAccessDisableDDD yes # sam asked\nOnAccessIncludePath #/home/sam\n\tOnAccessPrevention\tno\n"
	sam := evidence.Pseudonym("user", "sam")
	want := "OnAccessExcludePath /home/" + sam + "\nOnAccessExcludePath /home/" + sam + "/Clients # …\n" +
		"OnAccessExcludeUname \"" + sam + " # …\"\nOnAccessDisableDDD yes # …\nOnAccessIncludePath #/home/" + sam + "\nOnAccessPrevention no\n"
	got := string(scrub("/etc/clamav/clamd.conf", nil, []byte(in)))
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	strip := func(c clamConf) clamConf {
		for _, r := range []*clamConf{&c, c.Older} {
			if r != nil {
				r.OnAccessExcludePaths, r.OnAccessExcludeUnames, r.OnAccessIncludePaths = nil, nil, nil
			}
		}
		return c
	}
	before, after := parseClamConf([]byte(in)), parseClamConf([]byte(got))
	if (before.Older == nil) != (after.Older == nil) || !reflect.DeepEqual(strip(before), strip(after)) {
		t.Errorf("read %+v before, %+v after", before, after)
	}
	if after.OnAccessExcludeUnames[0] != sam || after.OnAccessIncludePaths[0] != "/home/"+sam || after.OnAccessExcludePaths[1] != "/home/"+sam+"/Clients" {
		t.Errorf("ClamAV 1.5 reads %+v", after)
	}
}

// TestScrubbedScenariosReplayTheSame records every scenario through the
// scrubbers: the same verdict and facts, no person's name in a home path.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", nil)
}

func TestScrubClamConf(t *testing.T) {
	in := "# Comment naming /home/bob\nLogFile /var/log/clamav/bob.log\nTCPAddr 10.0.0.5\nLocalSocket /run/clamav/clamd.ctl\n" +
		"OnAccessIncludePath /home\nOnAccessExcludePath /home/bob\nOnAccessExcludePath /home/sam/Downloads/\nOnAccessExcludePath /home//sam\n" +
		"OnAccessExcludeUname clamav\nOnAccessExcludeUname sam\nOnAccessExcludeUID 1001\nOnAccessPrevention yes\n"
	sam, bob := evidence.Pseudonym("user", "sam"), evidence.Pseudonym("user", "bob")
	want := "LocalSocket /run/clamav/clamd.ctl\nOnAccessIncludePath /home\nOnAccessExcludePath /home/" + bob +
		"\nOnAccessExcludePath /home/" + sam + "/Downloads/\nOnAccessExcludePath /home//" + sam +
		"\nOnAccessExcludeUname clamav\nOnAccessExcludeUname " + sam + "\nOnAccessExcludeUID 1001\nOnAccessPrevention yes\n"
	got := string(scrub("/etc/clamav/clamd.conf", nil, []byte(in)))
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The same file under another name, as clamonacc's -c, is told by
	// its on-access lines; a file without them is not touched.
	if string(scrub("/srv/onacc.conf", nil, []byte(in))) != want {
		t.Error("clamonacc's own configuration was not scrubbed")
	}
	other := "user = sam\npath = /home/sam\n"
	if string(scrub("/etc/other.conf", nil, []byte(other))) != other || string(scrub("/etc/clamav/clamd.conf", []string{"x"}, []byte(in))) != in {
		t.Error("scrubbed what is not a ClamAV configuration")
	}
	// What the check reads of it is what it read before, names aside.
	before, after := parseClamConf([]byte(in)), parseClamConf([]byte(got))
	who := onAccessSubject{Home: "/home/sam", Name: "sam", UID: "1002", Account: true}
	pseud := onAccessSubject{Home: "/home/" + sam, Name: sam, UID: "1002", Account: true}
	s := func(c clamConf) onAccessSettings {
		return onAccessSettings{Include: c.OnAccessIncludePaths, Exclude: c.OnAccessExcludePaths, ExcludeUIDs: c.OnAccessExcludeUIDs, ExcludeUnames: c.OnAccessExcludeUnames}
	}
	none := func(string) (string, bool) { return "", false }
	if a, b := judgeOnAccess(s(before), who, none), judgeOnAccess(s(after), pseud, none); a.Gap != b.Gap || a.Gap != gapAccountExcluded {
		t.Errorf("judged %+v before, %+v after", a, b)
	}
	if strings.Contains(got, "bob.log") || strings.Contains(got, "10.0.0.5") {
		t.Error("lines the check does not read were kept")
	}
}

// TestScrubPathList: clamonacc's -W/-e lists, wherever they are, keep no
// person's name; a list without home paths and a file that is not a list
// are left alone.
func TestScrubPathList(t *testing.T) {
	bob := evidence.Pseudonym("user", "bob")
	in := "# folders\n/home/bob/Downloads\n\n/srv/shared\r\n/home//bob\n"
	want := "# folders\n/home/" + bob + "/Downloads\n\n/srv/shared\r\n/home//" + bob + "\n"
	if got := string(scrub("/etc/clamav/watch.list", nil, []byte(in))); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := parsePathList(scrub("/x", nil, []byte(in))); len(got) != 3 || got[0] != "/home/"+bob+"/Downloads" {
		t.Errorf("the scrubbed list reads %q", got)
	}
	for _, keep := range []string{"/bin/sh\n/bin/bash\n/usr/bin/zsh\n", "user = bob\n/home/bob\n", "# only a comment\n"} {
		if got := string(scrub("/etc/shells", nil, []byte(keep))); got != keep {
			t.Errorf("%q was changed to %q", keep, got)
		}
	}
}

// TestFactsHideHomes: on-access facts name the person at the screen's
// folder as ~ and anybody else's as …, and below them only folders every
// account has; paths outside homes stay.
func TestFactsHideHomes(t *testing.T) {
	sam := onAccessSubject{Home: "/home/sam", Name: "sam", UID: "1000", Account: true}
	for in, want := range map[string]string{
		"/home/sam/Downloads": "~/Downloads", "/home/sam": "~", "/home/bob/Downloads": "/home/…/Downloads",
		"/home//bob": "/home//…", "/var/home/bob": "/var/home/…", "/home": "/home", "/srv/x": "/srv/x", "/home/.ecryptfs/bob/.Private": "/home/.ecryptfs/…/.Private", "/home/.cache": "/home/.cache",
	} {
		if got := homeRelative(in, sam); got != want {
			t.Errorf("homeRelative(%q) = %q, want %q", in, got, want)
		}
	}
	// Below a home folder, only folders every account has keep their name.
	for in, want := range map[string]string{"/home/sam/Clients/Jo": "~/…", "/home/sam/Documents/Clients/Jo": "~/Documents/…", "/home/bob/Clients": "/home/…/…"} {
		if got := homeRelative(in, sam); got != want {
			t.Errorf("homeRelative(%q) = %q, want %q", in, got, want)
		}
	}
	if got := homeRelative("/home/sam/x", onAccessSubject{Home: "/home"}); got != "/home/…/…" {
		t.Errorf("nobody at the screen: %q", got)
	}
}
