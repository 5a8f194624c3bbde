package diskencryption

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func types(st []layer) string {
	var s []string
	for _, l := range st {
		s = append(s, l.Type)
	}
	return strings.Join(s, ">")
}

func TestParseFindmnt(t *testing.T) {
	tests := []struct {
		file     string
		wantErr  bool
		root     mount
		home     *mount
		minCount int
	}{
		{file: "findmnt/live_debian12_vm_tree.json", root: mount{Source: "/dev/vda", Target: "/", FSType: "ext4"}, minCount: 10},
		{file: "findmnt/live_debian12_vm_list.json", root: mount{Source: "/dev/vda", Target: "/", FSType: "ext4"}, minCount: 10},
		{file: "findmnt/fedora_btrfs_subvol_tree.json",
			root:     mount{Source: "/dev/mapper/luks-6a1c0f52-3d2b-4f7e-9c1a-2b8e5d4f7a10", Target: "/", FSType: "btrfs"},
			home:     &mount{Source: "/dev/mapper/luks-6a1c0f52-3d2b-4f7e-9c1a-2b8e5d4f7a10", Target: "/home", FSType: "btrfs"},
			minCount: 7},
		{file: "findmnt/ubuntu_zfs_tree.json", root: mount{Source: "rpool/ROOT/ubuntu_k3x9qa", Target: "/", FSType: "zfs"}, minCount: 5},
		{file: "findmnt/unknown_column.txt", wantErr: true},
		{file: "findmnt/empty_list.json", root: mount{}, minCount: 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			mounts, err := parseFindmnt(checktest.ReadParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if len(mounts) < tc.minCount {
				t.Errorf("got %d mounts, want at least %d", len(mounts), tc.minCount)
			}
			root, ok := lastMountAt(mounts, "/")
			if ok != (tc.root != mount{}) || root != tc.root {
				t.Errorf("root = %+v (%v), want %+v", root, ok, tc.root)
			}
			if tc.home != nil {
				if home, _ := lastMountAt(mounts, "/home"); home != *tc.home {
					t.Errorf("home = %+v, want %+v", home, *tc.home)
				}
			}
		})
	}
}

func TestParseProcMounts(t *testing.T) {
	tests := []struct {
		file    string
		wantErr bool
		root    mount
		check   func(t *testing.T, m []mount)
	}{
		{file: "procmounts/live_debian12_vm.txt", root: mount{Source: "/dev/vda", Target: "/", FSType: "ext4"}},
		{file: "procmounts/docker_overlay.txt", root: mount{Source: "overlay", Target: "/", FSType: "overlay"}},
		{file: "procmounts/ubuntu_ecryptfs_home.txt", root: mount{Source: "/dev/sda2", Target: "/", FSType: "ext4"}, check: func(t *testing.T, m []mount) {
			if _, ok := lastMountAt(m, "/media/counsellor/USB STICK"); !ok {
				t.Error("octal escape \\040 not decoded")
			}
			found := false
			for _, x := range m {
				found = found || x.FSType == "ecryptfs"
			}
			if !found {
				t.Error("ecryptfs mount not found")
			}
		}},
		{file: "procmounts/empty.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			m, err := parseProcMounts(checktest.ReadParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if root, _ := lastMountAt(m, "/"); root != tc.root {
				t.Errorf("root = %+v, want %+v", root, tc.root)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestParseLsblk(t *testing.T) {
	tests := []struct {
		file    string
		wantErr bool
		// mount point → stack types, top first ("" = absent)
		want map[string]string
	}{
		{file: "lsblk/live_debian12_vm_mountpoints.json", want: map[string]string{"/": "disk", "[SWAP]": ""}},
		{file: "lsblk/live_debian12_vm_mountpoint.json", want: map[string]string{"/": "disk"}},
		{file: "lsblk/ubuntu_lvm_on_luks.json", want: map[string]string{"/": "lvm>crypt>part>disk", "/boot": "part>disk", "/snap/core22/1380": "loop"}},
		{file: "lsblk/arch_luks_on_lvm_mountpoint.json", want: map[string]string{
			"/":                                      "", // old MOUNTPOINT column shows one btrfs subvolume only
			"[SWAP]":                                 "crypt>lvm>part>disk",
			"/etc/NetworkManager/system-connections": "crypt>lvm>part>disk",
		}},
		{file: "lsblk/fedora_btrfs_luks_zram.json", want: map[string]string{"/": "crypt>part>disk", "/home": "crypt>part>disk", "[SWAP]": "disk"}},
		{file: "lsblk/plain_ext4_swap_partition.json", want: map[string]string{"/": "part>disk", "[SWAP]": "part>disk"}},
		{file: "lsblk/luks_root_plain_swap.json", want: map[string]string{"/": "crypt>part>disk", "[SWAP]": "part>disk"}},
		{file: "lsblk/old_util_linux_unknown_column.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			bm, err := parseLsblk(checktest.ReadParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			for mp, want := range tc.want {
				if got := types(firstStackAt(bm, mp)); got != want {
					t.Errorf("%s: stack %q, want %q", mp, got, want)
				}
			}
		})
	}
	// The LUKS parent's content type is carried in the stack.
	bm, _ := parseLsblk(checktest.ReadParserData(t, "lsblk/ubuntu_lvm_on_luks.json"))
	st := firstStackAt(bm, "/")
	if st[2].FSType != "crypto_LUKS" || st[2].Name != "nvme0n1p3" || st[0].FSType != "ext4" {
		t.Errorf("stack details = %+v", st)
	}
}

func TestParseProcSwaps(t *testing.T) {
	tests := []struct {
		file    string
		wantErr bool
		want    []swapEntry
	}{
		{file: "swaps/live_none.txt", want: nil},
		{file: "swaps/ubuntu_swapfile.txt", want: []swapEntry{{"/swap.img", "file"}}},
		{file: "swaps/fedora_zram.txt", want: []swapEntry{{"/dev/zram0", "partition"}}},
		{file: "swaps/dm_partition_and_escaped_file.txt", want: []swapEntry{{"/dev/dm-1", "partition"}, {"/swap file", "file"}}},
		{file: "swaps/not_proc_swaps.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseProcSwaps(checktest.ReadParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseZFSEncryption(t *testing.T) {
	tests := []struct {
		file    string
		wantErr bool
		dataset string
		want    string
	}{
		{file: "zfs/ubuntu_encrypted_rpool.txt", dataset: "rpool/ROOT/ubuntu_k3x9qa", want: "aes-256-gcm"},
		{file: "zfs/ubuntu_encrypted_rpool.txt", dataset: "bpool/BOOT/ubuntu_k3x9qa", want: "off"},
		{file: "zfs/home_dataset_only.txt", dataset: "rpool/USERDATA/counsellor_k3x9qa", want: "aes-256-gcm"},
		{file: "zfs/old_zfs_no_encryption_feature.txt", dataset: "rpool/ROOT", want: "-"},
		{file: "zfs/no_datasets.stderr", wantErr: true},
		{file: "zfs/zfs07_bad_property.stderr", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.dataset, func(t *testing.T) {
			got, err := parseZFSEncryption(checktest.ReadParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got[tc.dataset] != tc.want {
				t.Errorf("%s = %q, want %q", tc.dataset, got[tc.dataset], tc.want)
			}
		})
	}
}

func TestParseLUKS(t *testing.T) {
	tests := []struct {
		name string
		got  luksInfo
		want luksInfo
	}{
		{"blkid luks2", parseBlkidExport(checktest.ReadParserData(t, "luks/blkid_luks2.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS"}},
		{"blkid luks1", parseBlkidExport(checktest.ReadParserData(t, "luks/blkid_luks1.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "1", Type: "crypto_LUKS"}},
		{"blkid ext4", parseBlkidExport(checktest.ReadParserData(t, "luks/blkid_ext4.txt"), nil, 0), luksInfo{Recognised: true, Type: "ext4"}},
		{"blkid zeros (exit 2, nothing found)", parseBlkidExport(checktest.ReadParserData(t, "luks/blkid_zeros.txt"), nil, 2), luksInfo{Recognised: true}},
		{"blkid permission denied", parseBlkidExport(nil, checktest.ReadParserData(t, "luks/blkid_denied.stderr"), 2), luksInfo{}},
		{"blkid missing tool output", parseBlkidExport([]byte("garbage without equals\n"), nil, 0), luksInfo{}},
		{"luksDump luks2", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks2.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS"}},
		{"luksDump luks2 encrypting in place (cryptsetup 2.6.1)", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks2_encrypting.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS", Reencrypt: "encrypt"}},
		{"luksDump luks2 new key", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks2_reencrypting.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS", Reencrypt: "reencrypt"}},
		{"luksDump luks2 decrypting (detached header, online-reencrypt-v3)", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks2_decrypting.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS", Reencrypt: "decrypt"}},
		{"luksDump requirement without a reencrypt keyslot", parseLuksDump([]byte("LUKS header information\nVersion:       \t2\nRequirements:\tonline-reencrypt\nKeyslots:\n  0: luks2\n\tMode:       encrypt\n"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS", Reencrypt: "unrecognised"}},
		{"luksDump luks1", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks1.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "1", Type: "crypto_LUKS"}},
		// luksFormat --cipher cipher_null-ecb needs device-mapper to test
		// the cipher, so these are real headers with the cipher edited in
		// (testdata/parsers/luks/PROVENANCE.md) and dumped by cryptsetup.
		{"luksDump luks2 cipher_null data segment", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks2_cipher_null.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS", NullCipher: true}},
		{"luksDump luks1 cipher_null", parseLuksDump(checktest.ReadParserData(t, "luks/luksdump_luks1_cipher_null.txt"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "1", Type: "crypto_LUKS", NullCipher: true}},
		// A keyslot's own cipher protects the key, not the data.
		{"luksDump luks2 cipher_null keyslot only", parseLuksDump([]byte("LUKS header information\nVersion:       \t2\n\nData segments:\n  0: crypt\n\tcipher: aes-xts-plain64\n\nKeyslots:\n  0: luks2\n\tCipher:     cipher_null-ecb\n\tcipher: cipher_null-ecb\n"), nil, 0), luksInfo{Recognised: true, IsLUKS: true, Version: "2", Type: "crypto_LUKS"}},
		{"luksDump not LUKS", parseLuksDump(nil, checktest.ReadParserData(t, "luks/luksdump_zeros.stderr"), 1), luksInfo{Recognised: true}},
		{"luksDump access denied", parseLuksDump(nil, checktest.ReadParserData(t, "luks/luksdump_denied.stderr"), 4), luksInfo{}},
		{"isLuks yes", parseIsLuks(0), luksInfo{Recognised: true, IsLUKS: true, Type: "crypto_LUKS"}},
		{"isLuks no", parseIsLuks(1), luksInfo{Recognised: true}},
		{"isLuks denied", parseIsLuks(4), luksInfo{}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseFdesetupStatus(t *testing.T) {
	tests := []struct {
		file    string
		state   string
		percent float64 // -1: none
	}{
		{"on.txt", fvOn, -1},
		{"on_master_keychain.txt", fvOn, -1},
		{"off.txt", fvOff, -1},
		{"deferred.txt", fvDeferred, -1},
		{"encrypting_34.txt", fvEncrypting, 34},
		{"encrypting_pending.txt", fvEncrypting, -1},
		{"decrypting.txt", fvDecrypting, 12.5},
		{"on_needs_restart.txt", fvRestartPending, -1},
		{"off_enabled_after_restart.txt", fvRestartPending, -1},
		{"error_unrecognised.txt", fvUnrecognised, -1},
		{"empty.txt", fvUnrecognised, -1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			st := parseFdesetupStatus(checktest.ReadParserData(t, "fdesetup/"+tc.file))
			if st.State != tc.state {
				t.Errorf("state = %q, want %q", st.State, tc.state)
			}
			switch {
			case tc.percent < 0 && st.Percent != nil:
				t.Errorf("percent = %v, want none", *st.Percent)
			case tc.percent >= 0 && (st.Percent == nil || *st.Percent != tc.percent):
				t.Errorf("percent = %v, want %v", st.Percent, tc.percent)
			}
		})
	}
}

func TestParseAPFSList(t *testing.T) {
	tests := []struct {
		file    string
		wantErr bool
		want    []apfsVolume
	}{
		{file: "sonoma_apple_silicon_filevault_on.plist", want: []apfsVolume{{FileVault: true, Encryption: true}}},
		{file: "sonoma_apple_silicon_filevault_off.plist", want: []apfsVolume{{FileVault: false, Encryption: true}}},
		{file: "ventura_filevault_encrypting.plist", want: []apfsVolume{{FileVault: true, Encryption: true, CryptoMigrationOn: true}}},
		{file: "two_data_volumes_disagree.plist", want: []apfsVolume{{Encryption: true}, {FileVault: true, Encryption: true}}},
		{file: "mojave_no_data_role.plist", want: nil},
		{file: "not_plist.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseAPFSList(checktest.ReadParserData(t, "apfs/"+tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := parseAPFSList(nil); err == nil {
		t.Error("empty diskutil output parsed without error")
	}
}

func TestParseManageBDE(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	n := func(v int) *int { return &v }
	tests := []struct {
		file          string
		recognised    bool
		denied        bool
		conv, prot    *int64
		usedSpaceOnly bool
		percent       float64
		protectors    *int
		osVolume      bool
	}{
		{file: "en_used_space_protection_on.txt", recognised: true, conv: i(1), prot: i(1), usedSpaceOnly: true, percent: 100, protectors: n(2), osVolume: true},
		{file: "en_fully_decrypted.txt", recognised: true, conv: i(0), prot: i(0), percent: 0, protectors: n(0), osVolume: true},
		{file: "en_waiting_for_activation.txt", recognised: true, conv: i(1), prot: i(0), usedSpaceOnly: true, percent: 100, protectors: n(0), osVolume: true},
		{file: "en_suspended.txt", recognised: true, conv: i(1), prot: i(0), percent: 100, protectors: n(2), osVolume: true},
		{file: "en_encryption_in_progress.txt", recognised: true, conv: i(2), prot: i(0), percent: 45.3, protectors: n(2), osVolume: true},
		{file: "en_encryption_in_progress_none_found.txt", recognised: true, conv: i(2), prot: i(0), percent: 37.2, protectors: n(0), osVolume: true},
		// A data volume: recognised, but not the one Windows runs from.
		{file: "en_data_volume_auto_unlock.txt", recognised: true, conv: i(1), prot: i(1), percent: 100, protectors: n(2)},
		// "Key Protectors:" with nothing under it is not "None Found".
		{file: "en_protector_list_lost.txt", recognised: true, conv: i(2), prot: i(0), percent: 45.3, osVolume: true},
		{file: "en_access_denied.txt", denied: true, percent: -1},
		{file: "de_fully_decrypted.cp850", recognised: true, conv: i(0), prot: i(0), percent: 0, protectors: n(0), osVolume: true},
		{file: "de_used_space_protection_on.cp850", recognised: true, conv: i(1), prot: i(1), usedSpaceOnly: true, percent: 100, protectors: n(2), osVolume: true},
		{file: "de_access_denied.cp850", denied: true, percent: -1},
		{file: "fr_used_space_unrecognised.cp850", percent: -1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			text := probe.DecodeConsole(checktest.ReadParserData(t, "managebde/"+tc.file), 850)
			st := parseManageBDE(text)
			if st.Recognised != tc.recognised || st.AccessDenied != tc.denied {
				t.Fatalf("recognised=%v denied=%v, want %v %v", st.Recognised, st.AccessDenied, tc.recognised, tc.denied)
			}
			if !reflect.DeepEqual(st.Conversion, tc.conv) || !reflect.DeepEqual(st.Protection, tc.prot) {
				t.Errorf("conversion=%v protection=%v, want %v %v", deref(st.Conversion), deref(st.Protection), deref(tc.conv), deref(tc.prot))
			}
			if st.UsedSpaceOnly != tc.usedSpaceOnly {
				t.Errorf("usedSpaceOnly = %v", st.UsedSpaceOnly)
			}
			if tc.percent >= 0 && (st.Percent == nil || *st.Percent != tc.percent) {
				t.Errorf("percent = %v, want %v", st.Percent, tc.percent)
			}
			if !reflect.DeepEqual(st.KeyProtectors, tc.protectors) && tc.recognised {
				t.Errorf("key protectors = %v, want %v", deref(st.KeyProtectors), deref(tc.protectors))
			}
			if st.OSVolume != tc.osVolume {
				t.Errorf("os volume = %v, want %v", st.OSVolume, tc.osVolume)
			}
		})
	}
	if st := parseManageBDE(""); st.Recognised || st.AccessDenied {
		t.Errorf("empty output: %+v", st)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestDiskOfPartition(t *testing.T) {
	for in, want := range map[string]string{"sda2": "sda", "nvme0n1p3": "nvme0n1", "mmcblk0p1": "mmcblk0", "vda": "", "sda": ""} {
		if got := diskOfPartition(in); got != want {
			t.Errorf("diskOfPartition(%q) = %q, want %q", in, got, want)
		}
	}
}

func firstStackAt(bm []blockMount, target string) []layer {
	if sts := stacksAt(bm, target); len(sts) > 0 {
		return sts[0]
	}
	return nil
}

// A logical volume over two physical volumes is listed under each: one
// stack for each, and the same stack once.
func TestStacksAtEveryPhysicalVolume(t *testing.T) {
	lv := layer{Name: "vg-root", Type: "lvm", FSType: "ext4"}
	bm := []blockMount{
		{Mountpoint: "/", Stack: []layer{lv, {Name: "dm_crypt-0", Type: "crypt"}, {Name: "nvme0n1p3", Type: "part"}, {Name: "nvme0n1", Type: "disk"}}},
		{Mountpoint: "/", Stack: []layer{lv, {Name: "sda1", Type: "part"}, {Name: "sda", Type: "disk"}}},
		{Mountpoint: "/", Stack: []layer{lv, {Name: "sda1", Type: "part"}, {Name: "sda", Type: "disk"}}},
	}
	sts := stacksAt(bm, "/")
	if len(sts) != 2 || types(sts[0]) != "lvm>crypt>part>disk" || types(sts[1]) != "lvm>part>disk" {
		t.Fatalf("%v", sts)
	}
	v := &volume{Mount: "/", Stack: sts[0], OtherStacks: sts[1:]}
	if st, _ := judge(v); st != stateUnencrypted || !partlyEncrypted(v) {
		t.Errorf("judge = %v, partly %v", st, partlyEncrypted(v))
	}
}

func TestParseFscryptStatus(t *testing.T) {
	for _, c := range []struct {
		stdout, stderr string
		exit           int
		want           string
	}{
		{"\"/home/user\" is encrypted with fscrypt.\n\nPolicy:   16382f282d7b29ee\nUnlocked: Yes\n", "", 0, "encrypted"},
		{"", "[ERROR] fscrypt status: file or directory \"/home/user\" is not encrypted\n", 1, "plain"},
		{"", "[ERROR] fscrypt status: filesystem /: not setup for use with fscrypt\n", 1, ""},
		{"", "", 0, ""},
	} {
		if got := parseFscryptStatus([]byte(c.stdout), []byte(c.stderr), c.exit); got != c.want {
			t.Errorf("parseFscryptStatus(%q, %q, %d) = %q, want %q", c.stdout, c.stderr, c.exit, got, c.want)
		}
	}
}
