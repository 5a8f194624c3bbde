package diskencryption

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "disk_encryption"

// Check is the disk encryption check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Disk encryption",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig}, Settings: []checks.Setting{homeOnlySetting}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
}

// homeOnlySetting grades a computer whose home folders are encrypted
// (fscrypt, eCryptfs, a ZFS dataset) but not its system disk.
var homeOnlySetting = checks.Grade{Name: "home_only_encryption", Label: "When only home folders are encrypted, not the whole disk", Default: checks.Warn}

// facts are the raw observations. Device and volume names, labels and UUIDs
// are deliberately left out: they can carry user names.
type facts struct {
	OS      string        `json:"os"`
	Linux   *linuxFacts   `json:"linux,omitempty"`
	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Windows *windowsFacts `json:"windows,omitempty"`
}

// linuxFacts is what was seen on Linux.
type linuxFacts struct {
	// Root is the filesystem mounted at /.
	Root *volume `json:"root,omitempty"`
	// Home is /home when it is a mount of its own.
	Home *volume `json:"home,omitempty"`
	// Swap lists the active swap areas (zram, which lives in memory, is
	// left out, but not a zram device's writeback partition).
	Swap []volume `json:"swap,omitempty"`
	// UserHome is the filesystem holding the home folder of the person at
	// the screen when it is neither / nor /home (another disk, reached
	// through a symlink or a home set elsewhere, or a home of its own:
	// systemd-homed); UserHomeUnread says why where it is could not be
	// read. Its Mount is "home folder": the path is never kept.
	UserHome       *volume `json:"user_home,omitempty"`
	UserHomeUnread string  `json:"user_home_unread,omitempty"`
	// Others are the other disks mounted where files may be kept (a /data
	// partition, a second drive in fstab), one mount a device; their Mount
	// is the mount point, or "a folder under /home" for one inside a home.
	Others []volume `json:"other_disks,omitempty"`
	// RootKey is what was seen of a key to an encrypted / built into the
	// start-up image (rootkey.go); nil when / is not encrypted by a
	// crypt layer.
	RootKey *rootKey `json:"root_key,omitempty"`
	// HomeEncryption names the per-folder encryption of the home folder
	// of the person at the screen: "ecryptfs", "fscrypt" (agents before
	// it was tied to that home also named "zfs", and what they found
	// anywhere on the computer).
	HomeEncryption []string `json:"home_encryption,omitempty"`
	// HomeEncryptionUnread says why per-folder encryption found on the
	// computer could not be tied to that home folder (nobody at the
	// screen, fscrypt status unreadable).
	HomeEncryptionUnread string `json:"home_encryption_unread,omitempty"`
	// SwapUnread says why the list of active swap areas (/proc/swaps)
	// could not be read; swap files are listed nowhere else.
	SwapUnread string `json:"swap_unread,omitempty"`
	// Errors lists the sources that could not be read.
	Errors []string `json:"errors,omitempty"`
}

// volume is one filesystem or swap area and the block devices under it.
type volume struct {
	// Mount is "/", "/home", "swap" or "home folder".
	Mount string `json:"mount"`
	// FSType is the filesystem type ("ext4", "overlay", ...).
	FSType string `json:"fstype,omitempty"`
	// Kind is "partition", "file" or "zram writeback device" for swap.
	Kind string `json:"kind,omitempty"`
	// Stack lists the block device layers from the device the filesystem
	// sits on down to the disk, e.g. lvm, crypt, part, disk. Empty when
	// the device could not be found.
	Stack []layer `json:"stack,omitempty"`
	// OtherStacks are the further paths down to a disk when the
	// filesystem sits on several devices (a logical volume over two
	// physical volumes): each must be encrypted for the volume to be.
	// Older agents did not record them.
	OtherStacks [][]layer `json:"other_stacks,omitempty"`
	// MembersUnread says why the other devices of a btrfs filesystem
	// (/sys/fs/btrfs/<fsid>/devices) could not all be followed.
	MembersUnread string `json:"members_unread,omitempty"`
	// StackSource says where Stack came from: "lsblk" or "sysfs".
	StackSource string `json:"stack_source,omitempty"`
	// ZFSEncryption is the ZFS "encryption" property of the dataset.
	ZFSEncryption string `json:"zfs_encryption,omitempty"`
	// LUKSVersion is the LUKS header version of the crypt layer's parent
	// when cryptsetup or blkid (or /sys's dm/uuid) told it.
	LUKSVersion string `json:"luks_version,omitempty"`
}

// layer is one block device in a stack.
type layer struct {
	// Name is the kernel or mapper name; kept out of the facts because
	// mapper names can carry UUIDs or user names.
	Name   string `json:"-"`
	Type   string `json:"type"`
	FSType string `json:"fstype,omitempty"`
	// Reencrypt is, for a LUKS2 header under a crypt layer, what a
	// re-encryption under way or stopped part way does (cryptsetup
	// luksDump): "encrypt", "decrypt", "reencrypt" or "unrecognised".
	Reencrypt string `json:"reencrypt,omitempty"`
	// NullCipher is true when the LUKS header under a crypt layer keeps
	// the data with cipher_null: stored in plain text, not encrypted.
	NullCipher bool `json:"null_cipher,omitempty"`
	// HeaderUnread says why the LUKS header of this device could not be
	// read (cryptsetup needs root).
	HeaderUnread string `json:"header_unread,omitempty"`
}

// darwinFacts is what was seen on macOS.
type darwinFacts struct {
	// FDESetup is the parsed state of fdesetup status: on, off, encrypting,
	// decrypting, deferred, restart_pending, unrecognised, or "" when the
	// command could not be run.
	FDESetup string `json:"fdesetup,omitempty"`
	// Percent is the progress of encryption or decryption.
	Percent *float64 `json:"percent,omitempty"`
	// FDESetupError says why fdesetup could not be read.
	FDESetupError string `json:"fdesetup_error,omitempty"`
	// DataVolumes are the APFS volumes with the Data role.
	DataVolumes []apfsVolume `json:"data_volumes,omitempty"`
	// APFSRead is true when diskutil apfs list was parsed.
	APFSRead bool `json:"apfs_read"`
	// APFSError says why diskutil could not be read.
	APFSError string `json:"apfs_error,omitempty"`
}

// apfsVolume is the encryption state of one APFS volume.
type apfsVolume struct {
	FileVault         bool `json:"filevault"`
	Encryption        bool `json:"encryption"`
	Locked            bool `json:"locked"`
	CryptoMigrationOn bool `json:"crypto_migration_on"`
}

// windowsFacts is what was seen on Windows. Values read from manage-bde are
// mapped onto the WMI enumerations.
type windowsFacts struct {
	SystemDrive string `json:"system_drive"`
	// Source is "wmi" or "manage-bde" when a status was read.
	Source string `json:"source,omitempty"`
	// ProtectionStatus: 0 off, 1 on, 2 unknown.
	ProtectionStatus *int64 `json:"protection_status,omitempty"`
	// ConversionStatus: 0 fully decrypted, 1 fully encrypted, 2 encryption
	// in progress, 3 decryption in progress, 4 encryption paused, 5
	// decryption paused.
	ConversionStatus *int64 `json:"conversion_status,omitempty"`
	// EncryptionMethod is the WMI enumeration (0 none, 6 XTS-AES 128, ...).
	EncryptionMethod *int64 `json:"encryption_method,omitempty"`
	// UsedSpaceOnly is true when manage-bde said only used space is
	// encrypted.
	UsedSpaceOnly bool `json:"used_space_only,omitempty"`
	// Percent is manage-bde's "Percentage Encrypted".
	Percent *float64 `json:"percent,omitempty"`
	// KeyProtectors is the number of key protectors manage-bde listed
	// (0 for "None Found"); nil when not read.
	KeyProtectors *int `json:"key_protectors,omitempty"`
	// OSVolume says what showed the volume read to be the one Windows
	// runs from: "wmi" (Win32_EncryptableVolume VolumeType 0) or
	// "manage-bde" (its "[OS Volume]" line); empty when nothing did, and
	// then the drive letter may be a guess.
	OSVolume string `json:"os_volume,omitempty"`
	// WMIError and ManageBDEError say why a source could not be used.
	WMIError       string `json:"wmi_error,omitempty"`
	ManageBDEError string `json:"manage_bde_error,omitempty"`
	// AccessDenied is true when the state needs administrator rights.
	AccessDenied bool `json:"access_denied,omitempty"`
	// DataDrives are the computer's fixed data drives
	// (Win32_EncryptableVolume VolumeType 1, D: and the like; removable
	// ones are left out), from the same rows.
	DataDrives []dataDrive `json:"data_drives,omitempty"`
	// DataDrivesUnread says why the computer's drives could not be listed
	// (Win32_EncryptableVolume could not be read: manage-bde is asked
	// about the system drive only), so DataDrives may be missing some.
	DataDrivesUnread string `json:"data_drives_unread,omitempty"`
}

// dataDrive is a fixed data drive's BitLocker state; nil when the row
// did not say.
type dataDrive struct {
	Drive            string `json:"drive"`
	ProtectionStatus *int64 `json:"protection_status,omitempty"`
	ConversionStatus *int64 `json:"conversion_status,omitempty"`
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS()}
	switch p.GOOS() {
	case "linux":
		lf, err := collectLinux(ctx, p)
		f.Linux = lf
		return f, err
	case "darwin":
		df, err := collectDarwin(ctx, p)
		f.Darwin = df
		return f, err
	case "windows":
		wf, err := collectWindows(ctx, p)
		f.Windows = wf
		return f, err
	default:
		return f, fmt.Errorf("disk encryption is not checked on %s", p.GOOS())
	}
}
