package diskencryption

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// scrub cuts the mount table down to what this check follows before an
// evidence bundle keeps it, and takes names out of what is left. Kept are
// the mounts at / and /home, encrypted home folders (ecryptfs, ZFS under
// /home) and filesystems on block devices (a swap file lives on one);
// pseudo filesystems, network and FUSE mounts, containers' overlays go.
// Mount points outside the system's own folders (/media/sam/Clients,
// /home/sam) become pseudonyms component by component — the same in
// findmnt, /proc/self/mounts, lsblk and /proc/swaps, so which mount holds
// a swap file still matches — and so do ZFS dataset names below the pool.
// Mount options, which can name users and servers, are dropped, and the
// account fdesetup names (deferred FileVault) becomes a pseudonym.
func scrub(name string, args []string, out []byte) []byte {
	switch {
	case len(out) == 0:
		return out
	case name == "findmnt" && (slices.Equal(args, findmntArgs) || isFindmntTarget(args)):
		return scrubFindmnt(out)
	case args == nil && (name == "/proc/self/mounts" || name == "/proc/mounts"):
		return scrubProcMounts(out)
	case name == "lsblk" && (slices.Equal(args, lsblkArgs) || slices.Equal(args, lsblkArgsOld)):
		return scrubLsblk(out)
	case args == nil && name == "/proc/swaps":
		return scrubProcSwaps(out)
	case args == nil && name == cmdlinePath:
		// The key settings, and the names of LUKS volumes that tell which
		// volume a key is for; labels in them become pseudonyms.
		return scrubLabels(keepLines(strings.Fields(string(out)), func(arg string) bool {
			for _, k := range []string{"cryptkey=", "rd.luks.key=", "luks.key=", "rd.luks.name=", "luks.name="} {
				if strings.HasPrefix(arg, k) {
					return true
				}
			}
			return false
		}, " "))
	case args == nil && name == crypttabInitramfsPath:
		return scrubLabels(out)
	case name == "cryptsetup" && len(args) == 2 && args[0] == "luksDump":
		return scrubLuksDump(out)
	case name == "blkid" && len(args) == len(blkidArgs)+1 && slices.Equal(args[:len(blkidArgs)], blkidArgs):
		return scrubLabels(out)
	case args == nil && name == confHookPath:
		return keepLines(strings.Split(string(out), "\n"), func(line string) bool {
			return strings.Contains(line, "KEYFILE_PATTERN=") && !strings.HasPrefix(strings.TrimSpace(line), "#")
		}, "\n")
	case name == "fscrypt":
		// Only whether the folder is encrypted: its path and the
		// protectors' descriptions ("login protector for sam") go.
		return scrubFscrypt(out)
	case name == "zfs" && slices.Equal(args, zfsArgs):
		return scrubZFS(out)
	case name == "fdesetup":
		// "Deferred enablement appears to be active for user 'sam'."
		return fdesetupUser.ReplaceAllFunc(out, func(m []byte) []byte {
			sub := fdesetupUser.FindSubmatch(m)
			return []byte("user '" + evidence.Pseudonym("user", string(sub[1])) + "'")
		})
	}
	return out
}

// labelTag is a filesystem or partition label as crypttab, the kernel's
// command line and blkid name a device: it can be a person's name.
var labelTag = regexp.MustCompile(`\b(LABEL=|PARTLABEL=|PART_ENTRY_NAME=|/dev/disk/by-label/|/dev/disk/by-partlabel/)("[^"\n]*"|[^\s:,"]+)`)

// scrubLabels replaces labels by pseudonyms, the same wherever they
// appear, so a key device named by its label is still found.
func scrubLabels(out []byte) []byte {
	return labelTag.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := labelTag.FindSubmatch(m)
		return append(append([]byte{}, sub[1]...), evidence.Pseudonym("label", strings.Trim(string(sub[2]), `"`))...)
	})
}

// keepLines joins the parts of a file this check reads (the kernel's
// command line: its key arguments; Debian's conf-hook: its KEYFILE_PATTERN
// lines), each followed by sep.
func keepLines(parts []string, keep func(string) bool, sep string) []byte {
	var b strings.Builder
	for _, part := range parts {
		if keep(part) {
			b.WriteString(part + sep)
		}
	}
	return []byte(b.String())
}

// isFindmntTarget: findmnt -T for the home folder (its path is rewritten
// by the recorder; its answer is scrubbed as the mount table is).
func isFindmntTarget(args []string) bool {
	n := len(findmntArgs)
	return len(args) == n+2 && slices.Equal(args[:n], findmntArgs) && args[n] == "-T"
}

// fdesetupUser is the account fdesetup names in its status.
var fdesetupUser = regexp.MustCompile(`user '([^'\n]+)'`)

// keepMount: a mount this check follows.
func keepMount(source, target, fstype string) bool {
	switch {
	case target == "/" || target == "/home":
		return true
	case fstype == "ecryptfs":
		return true
	case fstype == "zfs":
		return true // a dataset: a ZFS home, or a swap file's filesystem
	}
	return strings.HasPrefix(source, "/dev/") && !strings.HasPrefix(source, "/dev/loop")
}

// systemDirs are top-level folders whose mount points are the system's
// own and are kept as they are.
var systemDirs = map[string]bool{
	"boot": true, "efi": true, "usr": true, "var": true, "opt": true, "srv": true,
	"snap": true, "nix": true, "gnu": true, "tmp": true, "root": true, "etc": true,
	"proc": true, "sys": true, "dev": true, "swap": true, "swapfile": true, "swap.img": true,
}

// peopleDirs are top-level folders whose next component names a person
// (/home/sam, /media/sam, /run/media/sam, /Users/sam).
var peopleDirs = map[string]bool{"home": true, "media": true, "Users": true}

// mountPoint pseudonymises a mount point (or a swap file's path) outside
// the system's own folders, one component at a time, so one path under
// another stays under it.
func mountPoint(p string) string {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return p
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if systemDirs[parts[0]] {
		return p
	}
	keep := 0 // components kept as they are
	person := -1
	switch {
	case peopleDirs[parts[0]]:
		keep, person = 1, 1
	case parts[0] == "run" && len(parts) > 1 && parts[1] == "media":
		keep, person = 2, 2
	case parts[0] == "run" || parts[0] == "mnt":
		keep = 1
	}
	for i := keep; i < len(parts); i++ {
		if parts[i] == "" {
			continue
		}
		kind := "mount"
		if i == person {
			kind = "user"
		}
		parts[i] = evidence.Pseudonym(kind, parts[i])
	}
	return "/" + strings.Join(parts, "/")
}

// source is a mount's source as kept: block devices as they are, ZFS
// datasets pseudonymised, anything else (a server's share) a pseudonym.
func source(src, fstype string) string {
	src = stripSubvol(src)
	switch {
	case strings.HasPrefix(src, "/dev/"):
		return src
	case fstype == "zfs":
		return dataset(src)
	case src == "" || !strings.ContainsAny(src, "/:@"):
		return src // none, tmpfs, overlay, rootfs: no name
	}
	return evidence.Pseudonym("source", src)
}

// dataset pseudonymises a ZFS dataset name below its pool
// (rpool/USERDATA/sam_k3x9qa → rpool/USERDATA/dataset-…).
func dataset(name string) string {
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		switch parts[i] {
		case "ROOT", "USERDATA", "BOOT", "home":
		default:
			parts[i] = evidence.Pseudonym("dataset", parts[i])
		}
	}
	return strings.Join(parts, "/")
}

func scrubFindmnt(out []byte) []byte {
	var doc struct {
		Filesystems []findmntNode `json:"filesystems"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || doc.Filesystems == nil {
		return out // not the table (an error message on stderr)
	}
	doc.Filesystems = keptNodes(doc.Filesystems)
	if doc.Filesystems == nil {
		doc.Filesystems = []findmntNode{}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return []byte{}
	}
	return append(b, '\n')
}

// keptNodes drops the mounts not kept, putting their kept children in
// their place (so the table's order, which decides what hides what, is
// the same).
func keptNodes(nodes []findmntNode) []findmntNode {
	var out []findmntNode
	for _, n := range nodes {
		children := keptNodes(n.Children)
		if !keepMount(stripSubvol(n.Source), n.Target, n.FSType) {
			out = append(out, children...)
			continue
		}
		out = append(out, findmntNode{Source: source(n.Source, n.FSType), Target: mountPoint(n.Target), FSType: n.FSType, Children: children})
	}
	return out
}

func scrubProcMounts(out []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		src, target := procmounts.Unescape(f[0]), procmounts.Unescape(f[1])
		if !keepMount(src, target, f[2]) {
			continue
		}
		b.WriteString(escapeOctal(source(src, f[2])) + " " + escapeOctal(mountPoint(target)) + " " + f[2] + " - 0 0\n")
	}
	return b.Bytes()
}

// escapeOctal writes the kernel's escapes for what would split a field.
func escapeOctal(s string) string {
	return strings.NewReplacer(`\`, `\134`, " ", `\040`, "\t", `\011`, "\n", `\012`).Replace(s)
}

func scrubLsblk(out []byte) []byte {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return out // not the table (an error message on stderr)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				switch k {
				case "mountpoint":
					if s, ok := child.(string); ok {
						v[k] = mountPoint(s)
					}
				case "mountpoints":
					if list, ok := child.([]any); ok {
						for i, e := range list {
							if s, ok := e.(string); ok {
								list[i] = mountPoint(s)
							}
						}
					}
				case "label", "partlabel", "uuid", "serial", "model":
					delete(v, k)
				default:
					walk(child)
				}
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return []byte{}
	}
	return append(b, '\n')
}

func scrubProcSwaps(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for i, line := range lines {
		f := strings.Fields(line)
		if i == 0 || len(f) < 2 || f[1] != "file" {
			continue
		}
		p := procmounts.Unescape(f[0])
		if mapped := mountPoint(p); mapped != p {
			lines[i] = strings.Replace(line, f[0], escapeOctal(mapped), 1)
		}
	}
	return []byte(strings.Join(lines, ""))
}

func scrubZFS(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for i, line := range lines {
		name, rest, ok := strings.Cut(line, "\t")
		if ok {
			lines[i] = dataset(name) + "\t" + rest
		}
	}
	return []byte(strings.Join(lines, ""))
}

// scrubFscrypt keeps the sentence of `fscrypt status` that says whether
// the folder is encrypted, the folder's path taken out.
func scrubFscrypt(out []byte) []byte {
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, " is encrypted with fscrypt.") || strings.Contains(line, " is not encrypted") {
			return []byte(quoted.ReplaceAllString(strings.TrimSpace(line), `"the folder"`) + "\n")
		}
	}
	return []byte{}
}

// quoted is a double-quoted string.
var quoted = regexp.MustCompile(`"[^"]*"`)

// scrubLuksDump keeps of `cryptsetup luksDump` what parseLuksDump reads:
// the first line, the version, the requirements, the section headings and
// each keyslot's, segment's, token's and digest's number and type,
// keyslots' Mode, and the data's cipher (LUKS1's Cipher name and mode,
// LUKS2's data segments' cipher lines: no secret, and cipher_null means
// plain text). The UUID, label, salts, digests and token data go.
func scrubLuksDump(out []byte) []byte {
	section := ""
	return keepLines(strings.Split(string(out), "\n"), func(line string) bool {
		k, v, ok := strings.Cut(line, ":")
		key := strings.TrimSpace(k)
		switch {
		case !ok:
			return strings.HasPrefix(line, "LUKS header information")
		case key == "Version" || key == "Requirements" || key == "Mode":
			return true
		case line[0] != ' ' && line[0] != '\t' && (key == "Cipher name" || key == "Cipher mode"):
			return true
		case line[0] != ' ' && line[0] != '\t':
			if strings.TrimSpace(v) == "" { // a heading
				section = key
				return true
			}
			return false
		case section == "Data segments" && key == "cipher":
			return true
		}
		return line[0] == ' ' && isDigits(key)
	}, "\n")
}
