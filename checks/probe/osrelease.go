package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// WindowsVersion is what HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion
// says about the running Windows: ProductName ("Windows 10 Pro"),
// DisplayVersion ("22H2"; ReleaseId on Windows 10 before 20H2), CurrentBuild
// ("19045") and UBR, the update build revision (3693). Any of them may be
// missing (Wine has no DisplayVersion or UBR).
type WindowsVersion struct {
	ProductName, DisplayVersion, CurrentBuild string
	UBR                                       uint64
	HasUBR                                    bool
}

// String is host.os_version: "Windows 11 Pro 23H2 (build 22631.2861)". The
// registry's ProductName still says "Windows 10" on Windows 11, so a build of
// 22000 or later renames it (as Microsoft documents). Empty when the
// registry gave nothing.
func (v WindowsVersion) String() string {
	name := strings.TrimSpace(v.ProductName)
	build := strings.TrimSpace(v.CurrentBuild)
	if n, err := strconv.Atoi(build); err == nil && n >= 22000 && strings.Contains(name, "Windows 10") {
		name = strings.Replace(name, "Windows 10", "Windows 11", 1)
	}
	parts := []string{}
	if name != "" {
		parts = append(parts, name)
	}
	if d := strings.TrimSpace(v.DisplayVersion); d != "" {
		parts = append(parts, d)
	}
	if build != "" {
		if v.HasUBR {
			build = fmt.Sprintf("%s.%d", build, v.UBR)
		}
		parts = append(parts, "(build "+build+")")
	}
	return strings.Join(parts, " ")
}

// ParseOSRelease reads os-release(5): its KEY=value lines, values
// unquoted.
func ParseOSRelease(osRelease []byte) map[string]string {
	vals := map[string]string{}
	for line := range strings.Lines(string(osRelease)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		vals[k] = unquoteOSRelease(v)
	}
	return vals
}

// unquoteOSRelease undoes os-release's shell-style quoting of a value.
func unquoteOSRelease(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}
