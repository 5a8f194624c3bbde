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
