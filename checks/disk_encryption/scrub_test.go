package diskencryption

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
)

// TestScrubbedScenariosReplayTheSame records every scenario through the
// scrubber: the same verdict and facts on replay — a swap file on a USB
// disk mounted under /media/<name>/<label> still found on that disk —
// and no mount point's person or label, nor a mount the check does not
// follow, left in the bundle.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", func(t *testing.T, bundle string) {
		_ = filepath.Walk(bundle, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, gone := range []string{"/media/sam", "Client", `"/proc"`, "counsellor"} {
				if bytes.Contains(b, []byte(gone)) {
					t.Errorf("%s still holds %q", p, gone)
				}
			}
			return nil
		})
	})
}

func TestMountPointKeepsTheTree(t *testing.T) {
	for _, p := range []string{"/", "/boot/efi", "/var/lib/docker", "/swapfile", "/home"} {
		if got := mountPoint(p); got != p {
			t.Errorf("mountPoint(%s) = %s, want it kept", p, got)
		}
	}
	under := mountPoint("/media/sam/Client Archive/swapfile")
	if mnt := mountPoint("/media/sam/Client Archive"); !bytes.HasPrefix([]byte(under), []byte(mnt+"/")) || mnt == "/media/sam/Client Archive" {
		t.Errorf("%s is not under %s", under, mnt)
	}
	if mountPoint("/home/sam") != "/home/"+mountPoint("/home/sam")[len("/home/"):] || mountPoint("/run/media/sam/USB")[:len("/run/media/")] != "/run/media/" {
		t.Error("the system's part of a path must stay")
	}
}

// TestScrubFindmntTarget: findmnt -T's answer for the home folder is cut
// and renamed as the mount table is, so both still name the same mount.
func TestScrubFindmntTarget(t *testing.T) {
	out := []byte(`{"filesystems": [{"source": "/dev/sdb1", "target": "/media/sam/Client Archive", "fstype": "ext4"}]}`)
	args := append(append([]string(nil), findmntArgs...), "-T", "/home/user-0123456789abcdef")
	got := scrub("findmnt", args, out)
	table := scrub("findmnt", findmntArgs, []byte(`{"filesystems": [{"source": "/dev/sda2", "target": "/", "fstype": "ext4", "children": [`+string(out[len(`{"filesystems": [`):len(out)-2])+`]}]}`))
	if bytes.Contains(got, []byte("sam")) || bytes.Contains(got, []byte("Client")) {
		t.Errorf("findmnt -T kept names: %s", got)
	}
	m, err := parseFindmnt(got)
	if err != nil || len(m) != 1 {
		t.Fatalf("scrubbed answer: %v %s", err, got)
	}
	all, err := parseFindmnt(table)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lastMountAt(all, m[0].Target); !ok || m[0].Source != "/dev/sdb1" {
		t.Errorf("the scrubbed target %q is not in the scrubbed table %+v", m[0].Target, all)
	}
	if other := scrub("findmnt", append(append([]string(nil), findmntArgs...), "-T"), out); !bytes.Equal(other, out) {
		t.Error("an argument list that is not findmnt -T PATH was scrubbed")
	}
}

// TestScrubLuksDumpKeepsTheDataCipher: the scrubbed dump still says the
// data is kept with cipher_null (LUKS1 and LUKS2), and loses the UUID,
// salts and digests.
func TestScrubLuksDumpKeepsTheDataCipher(t *testing.T) {
	for _, file := range []string{"luksdump_luks2_cipher_null.txt", "luksdump_luks1_cipher_null.txt", "luksdump_luks2.txt", "luksdump_luks1.txt", "luksdump_luks2_decrypting.txt"} {
		raw := checktest.ReadParserData(t, "luks", file)
		scrubbed := scrubLuksDump(raw)
		if got, want := parseLuksDump(scrubbed, nil, 0), parseLuksDump(raw, nil, 0); got != want {
			t.Errorf("%s: scrubbed dump reads %+v, want %+v", file, got, want)
		}
		for _, gone := range []string{"UUID", "Salt", "Digest:", "MK digest"} {
			if bytes.Contains(scrubbed, []byte(gone)) {
				t.Errorf("%s: scrubbed dump still holds %q", file, gone)
			}
		}
	}
}
