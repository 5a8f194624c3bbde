package all

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// newRecorder is the recorder `sessionguard evidence record` uses.
var newRecorder = checks.NewRecorder

// plantedSecrets are what a practitioner's machine holds that no bundle may:
// a password and a meeting link on command lines, a client's name in a
// document's path and a USB stick's label, a file server's name, people's
// account names (the console user's, and another's in a program's path).
var plantedSecrets = []string{
	"hunter2-Secret", "SuperSecretPw", "zoom.us", "MeetingPwd", "Smithson",
	"CLIENTDATA", "fileserver.example", "/sam/", `"sam"`, "Sam Jones", "bobsmith",
}

// TestBundleKeepsNoPlantedSecrets records the Linux suite with secrets
// planted in the process list and the mount table (issue 16 item 3):
// grepping the written bundle finds none of them, the processes the checks
// identified keep the arguments they read, and every check replays to the
// same verdict.
func TestBundleKeepsNoPlantedSecrets(t *testing.T) {
	src := suiteBundle(t, "linux")
	var procs []probe.Process
	if b, err := os.ReadFile(filepath.Join(src, evidence.ProcessesFile)); err == nil {
		if err := json.Unmarshal(b, &procs); err != nil {
			t.Fatal(err)
		}
	}
	procs = append(procs,
		probe.Process{PID: 4001, Name: "python3", Exe: "/usr/bin/python3", User: "sam", Cmdline: []string{"python3", "-m", "mycroft.skills", "--password", "hunter2-Secret"}},
		probe.Process{PID: 4002, Name: "zoom", Exe: "/opt/zoom/zoom", User: "sam", Cmdline: []string{"/opt/zoom/zoom", "--url=https://zoom.us/j/81234567890?pwd=MeetingPwd"}},
		probe.Process{PID: 4003, Name: "soffice.bin", Exe: "/usr/lib/libreoffice/program/soffice.bin", User: "sam", Cmdline: []string{"soffice.bin", "--writer", "/home/sam/Clients/Smithson Family/session notes.odt"}},
		probe.Process{PID: 4004, Name: "mysql", Exe: "/usr/bin/mysql", User: "sam", Cmdline: []string{"mysql", "-uadmin", "-pSuperSecretPw"}},
		probe.Process{PID: 4006, Name: "syncthing", Exe: "/home/bobsmith/.local/bin/syncthing", User: "bobsmith", Cmdline: []string{"syncthing", "-home", "/home/bobsmith/.config/syncthing"}},
		probe.Process{PID: 4005, Name: "swayidle", Exe: "/usr/bin/swayidle", User: "sam", Cmdline: []string{"swayidle", "-w", "timeout", "300", "swaylock -f -i /home/sam/Pictures/kids.png"}},
		probe.Process{PID: 4007, Name: "xautolock", Exe: "/usr/bin/xautolock", User: "bobsmith", Cmdline: []string{"xautolock", "-time", "5", "-locker", `i3lock -i "/home/bobsmith/x.png"`}},
	)
	writeJSON(t, filepath.Join(src, evidence.ProcessesFile), procs)

	var commands []map[string]any
	readJSON(t, filepath.Join(src, evidence.CommandsFile), &commands)
	planted := false
	for _, c := range commands {
		if argv := c["argv"].([]any); argv[0] == "findmnt" {
			var doc map[string]any
			if err := json.Unmarshal([]byte(c["stdout"].(string)), &doc); err != nil {
				t.Fatal(err)
			}
			root := doc["filesystems"].([]any)[0].(map[string]any)
			root["children"] = append(root["children"].([]any),
				map[string]any{"source": "/dev/sdb1", "target": "/media/sam/Smithson Family", "fstype": "exfat"},
				map[string]any{"source": "/dev/sdc1", "target": "/run/media/sam/CLIENTDATA", "fstype": "vfat"},
				map[string]any{"source": "fileserver.example:/export/clients", "target": "/mnt/clients", "fstype": "nfs4"},
			)
			b, _ := json.Marshal(doc)
			c["stdout"], planted = string(b), true
		}
	}
	if !planted {
		t.Fatal("the suite has no findmnt output to plant mounts in")
	}
	writeJSON(t, filepath.Join(src, evidence.CommandsFile), commands)
	var manifest map[string]any
	readJSON(t, filepath.Join(src, evidence.ManifestFile), &manifest)
	manifest["console_user"] = map[string]any{"uid": "1000", "name": "sam", "home": "/home/sam"}
	writeJSON(t, filepath.Join(src, evidence.ManifestFile), manifest)

	inner, err := evidence.OpenReplay(src)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(inner, Checks())
	pol := DefaultPolicy()
	want := checks.Run(t.Context(), rec, pol, Checks())
	out := filepath.Join(t.TempDir(), "bundle")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	_ = filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		for _, s := range plantedSecrets {
			if bytes.Contains(b, []byte(s)) || strings.Contains(p, s) {
				t.Errorf("the bundle holds %q in %s", s, p)
			}
		}
		return nil
	})
	var recorded []evidence.Command
	readJSON(t, filepath.Join(out, evidence.CommandsFile), &recorded)
	for _, c := range recorded {
		if c.Argv[0] == "findmnt" && (!strings.Contains(c.Stdout, `"/media/user-`) || strings.Contains(c.Stdout, "/proc")) {
			t.Errorf("the mount table kept: %s", c.Stdout)
		}
	}
	var kept []probe.Process
	readJSON(t, filepath.Join(out, evidence.ProcessesFile), &kept)
	args := map[string][]string{}
	for _, pr := range kept {
		args[pr.Name] = pr.Cmdline
	}
	if got := strings.Join(args["python3"], " "); got != "python3 -m mycroft.skills" {
		t.Errorf("Mycroft's command line kept as %q, want up to the module the check reads", got)
	}
	sam := rec.BundlePseudonym("user", "sam")
	if got := strings.Join(args["swayidle"], " "); got != "swayidle -w timeout 300 swaylock -f -i /home/"+sam+"/Pictures/kids.png" {
		t.Errorf("swayidle's command line kept as %q, want all of it (the check reads its timeouts), the home path in its locker pseudonymised", got)
	}
	for _, left := range checktest.HomeNamesLeft(t, out) {
		t.Errorf("the bundle still names a person in a home path: %s", left)
	}
	if len(args["zoom"]) != 0 || len(args["mysql"]) != 0 {
		t.Errorf("arguments no check reads were kept: %v", args)
	}
	again, err := evidence.OpenReplay(out)
	if err != nil {
		t.Fatal(err)
	}
	got := checks.Run(t.Context(), again, pol, Checks())
	for i := range want.Results {
		w, g := want.Results[i], got.Results[i]
		if w.Status != g.Status || w.Summary != g.Summary || !bytes.Equal(w.Facts, g.Facts) {
			t.Errorf("%s replays to %s %q %s, want %s %q %s", w.ID, g.Status, g.Summary, g.Facts, w.Status, w.Summary, w.Facts)
		}
	}
}

func readJSON(t *testing.T, p string, v any) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
