package depstest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/sessionguard/sessionguard"

// Libraries only the live probe may link.
var (
	liveProbe   = mod + "/checks/probe/live"
	mdns        = []string{"github.com/hashicorp/mdns", "github.com/miekg/dns"}
	processList = []string{"github.com/shirou/gopsutil"}
)

// links says, per package, what it must link (a control that the listing
// is real) and what it must not, with each prefix matching a package and
// the packages below it.
var links = []struct {
	pkg, why       string
	requires, bans []string
}{{
	pkg:      mod + "/cmd/sessionguard",
	why:      "the agent runs as root/SYSTEM on every practitioner's laptop: no server (dashboard, SQL drivers), no tray or GUI code",
	requires: []string{liveProbe, mod + "/checks/all"},
	bans:     []string{mod + "/server", mod + "/tray", "fyne.io/systray", "github.com/getlantern/systray", "github.com/jackc/pgx"},
}, {
	pkg:      mod + "/cmd/sessionguard-server",
	why:      "the server re-evaluates stored facts and reads bundles; it never looks at the machine it runs on",
	requires: []string{mod + "/report", mod + "/checks/all", mod + "/checks/probe/evidence"},
	bans:     append(append([]string{liveProbe, mod + "/tray", "fyne.io/systray"}, mdns...), processList...),
}, {
	pkg:      mod + "/cmd/sessionguard-tray",
	why:      "the tray asks the agent's local API; it runs no checks itself",
	requires: []string{mod + "/agent/localapi"},
	bans:     append(append([]string{liveProbe, mod + "/server", "github.com/jackc/pgx"}, mdns...), processList...),
}, {
	pkg:      mod + "/report",
	why:      "the wire package is the contract between agent and server",
	requires: []string{mod + "/checks/probe"},
	bans:     append(append([]string{liveProbe, mod + "/server", mod + "/agent"}, mdns...), processList...),
}}

// TestWhatEachBinaryLinks is issue 15's acceptance: the server and tray
// binaries link no live probe, mDNS or process-listing library, the wire
// package imports nothing of the live probe, and the agent links neither
// the server nor the tray (DESIGN.md §2).
func TestWhatEachBinaryLinks(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			deps := listDeps(t, goos)
			for _, l := range links {
				d, ok := deps[l.pkg]
				if !ok || len(d) < 20 && l.pkg != mod+"/report" {
					t.Fatalf("%s: suspiciously few dependencies: %v", l.pkg, d)
				}
				for _, want := range l.requires {
					if !linked(d, want) {
						t.Errorf("%s does not link %s: is the listing wrong?", l.pkg, want)
					}
				}
				for _, banned := range l.bans {
					for _, p := range d {
						if p == banned || strings.HasPrefix(p, banned+"/") {
							t.Errorf("%s links %s (%s)", l.pkg, p, l.why)
						}
					}
				}
			}
		})
	}
}

// listDeps runs one `go list` for goos and returns each package's
// dependencies, itself included.
func listDeps(t *testing.T, goos string) map[string][]string {
	t.Helper()
	args := []string{"list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}"}
	for _, l := range links {
		args = append(args, l.pkg)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list for %s: %v", goos, err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			deps[f[0]] = f
		}
	}
	return deps
}

func linked(deps []string, pkg string) bool {
	for _, d := range deps {
		if d == pkg || strings.HasPrefix(d, pkg+"/") {
			return true
		}
	}
	return false
}
