package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// throwawayEnv carries, to the test binary run again inside a private mount
// namespace, the folder where its throw-away root's writable layers live.
const throwawayEnv = "SG_DPKG_THROWAWAY_ROOT"

// throwawayDirs are overlaid in the throw-away root: everything dpkg and the
// maintainer scripts write (programs, units, settings, state, the dpkg
// database, new system users) lands in their upper layers.
var throwawayDirs = []string{"/usr", "/etc", "/var", "/run"}

// inThrowawayRoot makes a dpkg test independent of this machine's state: it
// runs the calling test again in a private mount namespace (unshare -m)
// whose /usr, /etc, /var and /run are overlays with their upper layers on a
// tmpfs, so installing, upgrading and purging there never touches, nor
// depends on, the host's /var/lib/sessionguard, /etc/sessionguard or its
// dpkg database. In that child it mounts the overlays, clears any
// installation of pkg the host has (inside the overlays only) and returns
// true: the test goes on. In the parent it returns false once the child has
// passed.
func inThrowawayRoot(t *testing.T, pkg string, paths []string) bool {
	t.Helper()
	if layers := os.Getenv(throwawayEnv); layers != "" {
		mountThrowawayRoot(t, layers)
		clearInThrowaway(t, pkg, paths)
		return true
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux) for the throw-away root")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-m", "--propagation", "private", "--", os.Args[0],
		"-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), throwawayEnv+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in the throw-away root: %v\n%s", err, out)
	}
	return false
}

func mountThrowawayRoot(t *testing.T, layers string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", layers, "tmpfs", 0, "mode=0700"); err != nil {
		t.Fatalf("tmpfs for the throw-away root: %v", err)
	}
	for _, dir := range throwawayDirs {
		name := strings.TrimPrefix(dir, "/")
		upper, work := filepath.Join(layers, name, "upper"), filepath.Join(layers, name, "work")
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		opts := "lowerdir=" + dir + ",upperdir=" + upper + ",workdir=" + work
		if err := syscall.Mount("overlay", dir, "overlay", 0, opts); err != nil {
			t.Fatalf("overlay on %s: %v", dir, err)
		}
	}
}

// clearInThrowaway purges pkg and deletes paths, which the overlays then
// hide: the host keeps them.
func clearInThrowaway(t *testing.T, pkg string, paths []string) {
	t.Helper()
	if exec.CommandContext(t.Context(), "dpkg-query", "-W", pkg).Run() == nil {
		if out, err := exec.CommandContext(t.Context(), "dpkg", "-P", pkg).CombinedOutput(); err != nil {
			t.Fatalf("purging the host's %s inside the throw-away root: %v\n%s", pkg, err, out)
		}
	}
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
}
