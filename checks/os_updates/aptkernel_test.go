package osupdates

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// procVersionDebian12 is the banner of Debian 12's kernel 6.1.0-57-amd64
// (6.1.192-3), read from the vmlinuz of its package.
const procVersionDebian12 = "Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)\n"

func TestDebianBuild(t *testing.T) {
	all := debianBuild.FindAllStringSubmatch(procVersionDebian12, -1)
	if len(all) == 0 || all[len(all)-1][1] != "6.1.192-3" {
		t.Errorf("build: %q", all)
	}
}

func TestKernelRestart(t *testing.T) {
	tests := []struct {
		name             string
		release          string
		modules          []string
		build, installed string
		want             string
	}{
		{"newest runs", "6.1.0-57-amd64", []string{"6.1.0-52-amd64", "6.1.0-57-amd64"}, "6.1.192-3", "6.1.192-3", rebootNotRequired},
		{"a newer ABI installed", "6.1.0-52-amd64", []string{"6.1.0-52-amd64", "6.1.0-57-amd64"}, "6.1.180-1", "6.1.180-1", rebootIsRequired},
		{"newer by version order, not by text", "6.1.0-9-amd64", []string{"6.1.0-9-amd64", "6.1.0-10-amd64"}, "", "", rebootIsRequired},
		{"older kernels kept", "6.1.0-57-amd64", []string{"6.1.0-10-amd64", "6.1.0-57-amd64", "5.10.0-30-amd64"}, "", "", rebootNotRequired},
		{"a newer kernel of another flavour", "6.1.0-52-amd64", []string{"6.1.0-52-amd64", "6.1.0-57-cloud-amd64"}, "", "", rebootNotRequired},
		{"the running kernel removed", "6.1.0-52-amd64", []string{"6.1.0-57-amd64"}, "", "", rebootIsRequired},
		{"rebuilt within its ABI", "6.1.0-57-amd64", []string{"6.1.0-57-amd64"}, "6.1.192-2", "6.1.192-3", rebootIsRequired},
		{"build not named (Ubuntu)", "6.8.0-45-generic", []string{"6.8.0-45-generic"}, "", "6.8.0-45.45", rebootNotRequired},
		{"Ubuntu newer ABI", "6.8.0-45-generic", []string{"6.8.0-45-generic", "6.8.0-47-generic"}, "", "", rebootIsRequired},
		{"a container's host kernel", "6.18.44-fc-v1300", nil, "", "", ""},
		{"a Debian-looking host kernel, no modules here", "6.1.0-57-amd64", nil, "", "", ""},
		{"only another flavour's modules", "6.1.0-57-amd64", []string{"6.1.0-57-rt-amd64"}, "", "", ""},
	}
	for _, tt := range tests {
		got, by := kernelRestart(tt.release, tt.modules, tt.build, tt.installed)
		if got != tt.want || (got == rebootIsRequired) != (by != "" && got == rebootIsRequired) {
			t.Errorf("%s: %q (%s), want %q", tt.name, got, by, tt.want)
		}
	}
}

// kernelFiles answers aptRestart's reads: the modules folders, the files
// there are (by path), nothing else.
type kernelFiles struct {
	probe.Probe
	modules map[string][]string // folder -> names
	files   map[string]string
}

func (k kernelFiles) ReadDir(p string) ([]string, error) {
	if names, ok := k.modules[p]; ok {
		return names, nil
	}
	return nil, fmt.Errorf("%s: %w", p, probe.ErrNotFound)
}

func (k kernelFiles) ReadFileHead(p string, n int) ([]byte, error) {
	if s, ok := k.files[p]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s: %w", p, probe.ErrNotFound)
}

// dpkgKernels is dpkg's status of two Debian kernels' packages, as
// /var/lib/dpkg/status lists them (cut to the fields read).
const dpkgKernels = "Package: linux-image-6.1.0-52-amd64\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.1.180-1\n\n" +
	"Package: linux-image-6.1.0-57-amd64\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.1.192-3\n\n" +
	"Package: linux-image-6.1.0-40-amd64\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 6.1.153-1\n"

func TestAptRestart(t *testing.T) {
	versions := parseDpkgStatus([]byte(dpkgKernels)).versions
	tests := []struct {
		name    string
		running string
		p       kernelFiles
		want    string
	}{
		{"newest runs, no hook", "6.1.0-57-amd64", kernelFiles{modules: map[string][]string{"/lib/modules": {"6.1.0-52-amd64", "6.1.0-57-amd64"}}, files: map[string]string{"/proc/version": procVersionDebian12}}, rebootNotRequired},
		{"a newer kernel installed, no hook", "6.1.0-52-amd64", kernelFiles{modules: map[string][]string{"/lib/modules": {"6.1.0-52-amd64", "6.1.0-57-amd64"}}}, rebootIsRequired},
		{"a newer kernel installed, the hook there but its flag gone", "6.1.0-52-amd64", kernelFiles{modules: map[string][]string{"/usr/lib/modules": {"6.1.0-52-amd64", "6.1.0-57-amd64"}},
			files: map[string]string{"/etc/kernel/postinst.d/unattended-upgrades": "#!/bin/sh\n"}}, rebootIsRequired},
		{"rebuilt in its ABI", "6.1.0-57-amd64", kernelFiles{modules: map[string][]string{"/lib/modules": {"6.1.0-57-amd64"}},
			files: map[string]string{"/proc/version": strings.Replace(procVersionDebian12, "6.1.192-3", "6.1.192-2", 1)}}, rebootIsRequired},
		{"a newer kernel's modules left, its package removed", "6.1.0-57-amd64", kernelFiles{modules: map[string][]string{"/lib/modules": {"6.1.0-57-amd64", "6.1.0-60-amd64"}}}, rebootNotRequired},
		{"the running kernel's package removed, a newer one installed", "6.1.0-40-amd64", kernelFiles{modules: map[string][]string{"/lib/modules": {"6.1.0-40-amd64", "6.1.0-57-amd64"}}}, rebootIsRequired},
		{"no modules, no hook: not told", "6.1.0-57-amd64", kernelFiles{}, rebootUnknown},
		{"no modules, a hook: no flag, no restart", "6.1.0-57-amd64", kernelFiles{files: map[string]string{"/etc/kernel/postinst.d/update-notifier": "#!/bin/sh\n"}}, rebootNotRequired},
	}
	for _, tt := range tests {
		f := &facts{Updates: updates{Reboot: rebootUnknown}, Release: release{Build: "kernel " + tt.running}}
		aptRestart(tt.p, f, versions)
		if f.Updates.Reboot != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, f.Updates.Reboot, f.Updates.RebootBy, tt.want)
		}
	}
}
