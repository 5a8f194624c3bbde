package diskencryption

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/procmounts"
)

// mount is one entry of the mount table.
type mount = procmounts.Entry

// parseFindmnt reads `findmnt -J -o SOURCE,TARGET,FSTYPE` output, in tree
// form (nested "children") or list form (-l), into a flat list in table
// order. A btrfs subvolume suffix ("/dev/sda2[/@home]") is removed from the
// source.
func parseFindmnt(b []byte) ([]mount, error) {
	var doc struct {
		Filesystems []findmntNode `json:"filesystems"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("findmnt output is not JSON: %w", err)
	}
	if doc.Filesystems == nil {
		return nil, errors.New("findmnt output has no filesystems")
	}
	var out []mount
	var walk func([]findmntNode)
	walk = func(nodes []findmntNode) {
		for _, n := range nodes {
			out = append(out, mount{Source: stripSubvol(n.Source), Target: n.Target, FSType: n.FSType})
			walk(n.Children)
		}
	}
	walk(doc.Filesystems)
	return out, nil
}

type findmntNode struct {
	Source   string        `json:"source"`
	Target   string        `json:"target"`
	FSType   string        `json:"fstype"`
	Children []findmntNode `json:"children,omitempty"`
}

func stripSubvol(src string) string {
	if i := strings.IndexByte(src, '['); i > 0 && strings.HasSuffix(src, "]") {
		return src[:i]
	}
	return src
}

// parseProcMounts reads /proc/self/mounts (fstab format, octal escapes).
func parseProcMounts(b []byte) ([]mount, error) {
	out := procmounts.Parse(b)
	if len(out) == 0 {
		return nil, errors.New("mount table is empty")
	}
	return out, nil
}

// lastMountAt returns the mount covering target (the last one in table
// order, since later mounts hide earlier ones).
func lastMountAt(mounts []mount, target string) (mount, bool) {
	for i := len(mounts) - 1; i >= 0; i-- {
		if mounts[i].Target == target {
			return mounts[i], true
		}
	}
	return mount{}, false
}

// blockMount is a mount point lsblk reports and the device stack under it,
// starting with the device itself.
type blockMount struct {
	Mountpoint string
	Stack      []layer
}

type lsblkNode struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	FSType      *string     `json:"fstype"`
	Mountpoint  *string     `json:"mountpoint"`
	Mountpoints []*string   `json:"mountpoints"`
	Children    []lsblkNode `json:"children"`
}

// parseLsblk reads `lsblk -J -b -o NAME,TYPE,FSTYPE,MOUNTPOINTS` output (or
// the older MOUNTPOINT column) and returns every mount point with the stack
// of devices under it: a node's parents in the tree are the devices it is
// built on. Swap devices appear with the mount point "[SWAP]".
func parseLsblk(b []byte) ([]blockMount, error) {
	var doc struct {
		Blockdevices []lsblkNode `json:"blockdevices"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("lsblk output is not JSON: %w", err)
	}
	if doc.Blockdevices == nil {
		return nil, errors.New("lsblk output has no blockdevices")
	}
	var out []blockMount
	var walk func(nodes []lsblkNode, parents []layer)
	walk = func(nodes []lsblkNode, parents []layer) {
		for _, n := range nodes {
			if n.Type == "" {
				continue
			}
			l := layer{Name: n.Name, Type: n.Type}
			if n.FSType != nil {
				l.FSType = *n.FSType
			}
			// stack: this node, then its parents nearest first.
			stack := make([]layer, 0, len(parents)+1)
			stack = append(stack, l)
			for i := len(parents) - 1; i >= 0; i-- {
				stack = append(stack, parents[i])
			}
			var mps []string
			if n.Mountpoint != nil {
				mps = append(mps, *n.Mountpoint)
			}
			for _, mp := range n.Mountpoints {
				if mp != nil {
					mps = append(mps, *mp)
				}
			}
			for _, mp := range mps {
				if mp != "" {
					out = append(out, blockMount{Mountpoint: mp, Stack: stack})
				}
			}
			walk(n.Children, append(parents[:len(parents):len(parents)], l))
		}
	}
	walk(doc.Blockdevices, nil)
	return out, nil
}

// swapEntry is one line of /proc/swaps.
type swapEntry struct {
	Path string
	Type string // "partition" or "file"
}

// parseProcSwaps reads /proc/swaps. A table with only its header means no
// swap is active.
func parseProcSwaps(b []byte) ([]swapEntry, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "Filename") {
		return nil, errors.New("/proc/swaps has no header")
	}
	var out []swapEntry
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		out = append(out, swapEntry{Path: procmounts.Unescape(f[0]), Type: f[1]})
	}
	return out, nil
}

// parseZFSEncryption reads `zfs get -H -o name,property,value encryption`
// into dataset → value ("off", "aes-256-gcm", ...).
func parseZFSEncryption(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) != 3 || f[1] != "encryption" {
			continue
		}
		out[f[0]] = f[2]
	}
	if len(out) == 0 {
		return nil, errors.New("zfs get printed no encryption property")
	}
	return out, nil
}

// luksInfo is what a LUKS probe found.
type luksInfo struct {
	// Recognised is true when the output was understood.
	Recognised bool
	// IsLUKS is true when the device holds a LUKS header.
	IsLUKS bool
	// Version is the LUKS header version ("1", "2") when known.
	Version string
	// Type is the content type blkid reported (crypto_LUKS, ext4, ...).
	Type string
	// Reencrypt is what a LUKS2 re-encryption under way does to the data,
	// from cryptsetup luksDump: "encrypt" (a plain device being encrypted
	// in place: part of it is still plain), "decrypt" (being made plain),
	// "reencrypt" (a new key or cipher: encrypted throughout), "unrecognised"
	// (the header requires it but its mode was not read); "" when none is.
	Reencrypt string
	// NullCipher is true when the header's data is kept with cipher_null
	// (LUKS1's Cipher name, any LUKS2 data segment's cipher): the crypt
	// layer passes the data through as it is, in plain text.
	NullCipher bool
}

// parseBlkidExport reads `blkid -p -o export DEVICE`. Exit status 2 with
// nothing printed means nothing was recognised on the device (not LUKS);
// exit 2 with an error on stderr ("Permission denied") and other failures
// are not recognised.
func parseBlkidExport(b, stderr []byte, exitCode int) luksInfo {
	if exitCode == 2 && len(bytes.TrimSpace(b)) == 0 && len(bytes.TrimSpace(stderr)) == 0 {
		return luksInfo{Recognised: true}
	}
	if exitCode != 0 {
		return luksInfo{}
	}
	kv := blkidTags(b)
	if len(kv) == 0 {
		return luksInfo{}
	}
	info := luksInfo{Recognised: true, Type: kv["TYPE"]}
	if info.Type == "crypto_LUKS" {
		info.IsLUKS = true
		info.Version = kv["VERSION"]
	}
	return info
}

// blkidTags reads the NAME=value lines of `blkid -o export`.
func blkidTags(b []byte) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			kv[k] = v
		}
	}
	return kv
}

// parseLuksDump reads `cryptsetup luksDump DEVICE`. Exit status 1 with a
// "not a valid LUKS device" message means not LUKS. A LUKS2 header whose
// Requirements name online-reencrypt (cryptsetup 2.2's, -v2, -v3) has a
// re-encryption under way, or stopped part way: running, or interrupted
// and never resumed (it does not resume by itself). What it does is the
// Mode of the header's reencrypt keyslot. A data cipher named cipher_null
// (LUKS1's "Cipher name:", the "cipher:" of any of LUKS2's data segments,
// as "cipher_null-ecb"; keyslots' own "Cipher:" lines protect the key, not
// the data) stores the data in plain text: NullCipher.
func parseLuksDump(stdout, stderr []byte, exitCode int) luksInfo {
	if exitCode != 0 {
		if bytes.Contains(stderr, []byte("not a valid LUKS device")) {
			return luksInfo{Recognised: true}
		}
		return luksInfo{}
	}
	s := string(stdout)
	if !strings.HasPrefix(strings.TrimSpace(s), "LUKS header information") {
		return luksInfo{}
	}
	info := luksInfo{Recognised: true, IsLUKS: true, Type: "crypto_LUKS"}
	inProgress, mode, inReencryptSlot, section := false, "", false, ""
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value := strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case key == "Version" && info.Version == "":
			info.Version = value
		case key == "Requirements":
			for _, req := range strings.Fields(value) {
				inProgress = inProgress || strings.HasPrefix(req, "online-reencrypt")
			}
		case key == "Cipher name" && line[0] != '\t' && line[0] != ' ':
			// LUKS1: the one cipher of the data.
			info.NullCipher = info.NullCipher || isNullCipher(value)
		case line != "" && line[0] != '\t' && line[0] != ' ':
			// A section heading (Data segments:, Keyslots:, Tokens:,
			// Digests:).
			inReencryptSlot = false
			section = key
		case section == "Data segments" && key == "cipher":
			info.NullCipher = info.NullCipher || isNullCipher(value)
		case line[0] == ' ' && isDigits(key):
			// A keyslot, segment, token or digest: "  1: reencrypt (unbound)".
			inReencryptSlot = strings.HasPrefix(value, "reencrypt")
		case inReencryptSlot && key == "Mode" && mode == "":
			mode = value
		}
	}
	if inProgress {
		switch mode {
		case "encrypt", "decrypt", "reencrypt":
			info.Reencrypt = mode
		default:
			info.Reencrypt = "unrecognised"
		}
	}
	return info
}

// isNullCipher reports whether a LUKS cipher ("cipher_null-ecb", LUKS1's
// "cipher_null") is the kernel's null cipher, which leaves data as it is.
func isNullCipher(cipher string) bool {
	return strings.HasPrefix(strings.ToLower(cipher), "cipher_null")
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseIsLuks reads the result of `cryptsetup isLuks DEVICE`: exit 0 is
// LUKS, exit 1 is not; anything else (4: the device cannot be opened, e.g.
// without permission) is not recognised.
func parseIsLuks(exitCode int) luksInfo {
	switch exitCode {
	case 0:
		return luksInfo{Recognised: true, IsLUKS: true, Type: "crypto_LUKS"}
	case 1:
		return luksInfo{Recognised: true}
	default:
		return luksInfo{}
	}
}

// parseFscryptStatus reads `fscrypt status DIR`: "encrypted" when it
// says DIR "is encrypted with fscrypt." (exit 0), "plain" when it says
// DIR "is not encrypted", "" otherwise (fscrypt not set up, an error).
func parseFscryptStatus(stdout, stderr []byte, exitCode int) string {
	switch {
	case exitCode == 0 && bytes.Contains(stdout, []byte(" is encrypted with fscrypt.")):
		return "encrypted"
	case exitCode != 0 && bytes.Contains(append(append([]byte{}, stdout...), stderr...), []byte(" is not encrypted")):
		return "plain"
	}
	return ""
}
