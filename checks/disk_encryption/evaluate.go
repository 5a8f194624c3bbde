package diskencryption

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// Fix texts, written for a counsellor.
const (
	unknownFix = "SessionGuard could not tell whether this computer's disk is encrypted. Try \"Check again\"; if it stays unknown, ask your IT support to confirm the disk is encrypted and send them an evidence bundle (sessionguard evidence record)."

	fixLinuxUnencrypted   = "Your disk is not encrypted. Encrypting an existing Linux installation needs a reinstall with 'Encrypt the new installation' ticked — ask your IT support to arrange it."
	fixLinuxPartly        = "Part of the filesystem this computer runs from lies on a disk or partition that is not encrypted (for example a second disk added to it), so files stored there are readable without the passphrase. Ask your IT support to encrypt that disk as well, or to move the data off it."
	fixLinuxHomeOnly      = "Only your home folder is encrypted, not the whole disk, so copies of client files (temporary files, swap, print spools) can still end up unencrypted. Ask your IT support to reinstall with 'Encrypt the new installation' ticked when convenient."
	fixLinuxSwap          = "The disk is encrypted but its swap space is not, so pieces of open files can be written to the disk unencrypted. Ask your IT support to encrypt the swap space (or switch it to zram)."
	fixLinuxHome          = "The system part of the disk is encrypted but the separate /home partition, where your files live, is not. Ask your IT support to encrypt the /home partition."
	fixLinuxUserHome      = "The system part of the disk is encrypted but your home folder, where your files live, is on another disk or partition that is not. Ask your IT support to encrypt that disk or move your home folder onto the encrypted one."
	fixLinuxRootKey       = "Ask your IT support to take the key file out of the start-up files (KEYFILE_PATTERN in /etc/cryptsetup-initramfs/conf-hook, the key in /etc/crypttab.initramfs, or cryptkey=, rd.luks.key= or luks.key= on the kernel's command line) and rebuild them, so the disk asks for its passphrase at start (or unlocks with the computer's TPM chip), or to encrypt /boot as well."
	fixLinuxRootKeyESP    = "Ask your IT support to take the key file out of the start-up files (KEYFILE_PATTERN in /etc/cryptsetup-initramfs/conf-hook, the key in /etc/crypttab.initramfs, or cryptkey=, rd.luks.key= or luks.key= on the kernel's command line) and rebuild them, so the disk asks for its passphrase at start (or unlocks with the computer's TPM chip): the EFI system partition cannot be encrypted."
	fixLinuxRootKeyDevice = "The system disk unlocks at start with a key file read from another device. If that is a USB key, keep it apart from the computer (never in its bag) and remove it once the computer has started. Otherwise ask your IT support to remove the key file setting (rd.luks.key= or cryptkey= on the kernel's command line, or the key in /etc/crypttab.initramfs) so the disk asks for its passphrase at start (or unlocks with the computer's TPM chip)."
	fixLinuxOtherDisk     = "Another disk or partition in this computer is not encrypted, and files kept there are not protected if the computer is lost. Keep client files off it, or ask your IT support to encrypt it (or to stop mounting it)."
	fixLinuxEncrypting    = "Encrypting this disk was started (cryptsetup reencrypt) and has not finished, so part of it is still unencrypted. It does not carry on by itself after a restart: ask your IT support to resume it (cryptsetup reencrypt --resume-only on the encrypted partition) and to leave the computer on until it finishes, then check again."
	fixLinuxDecrypting    = "This disk is being decrypted (cryptsetup reencrypt --decrypt): part of it is already unencrypted, and all of it will be. Ask your IT support why, and to have it encrypted again before your next session."
	fixLinuxNullCipher    = "This disk's encryption was set up with no cipher (cipher_null), so everything on it is stored as plain text and anyone holding the computer can read it without the passphrase. Ask your IT support to re-encrypt it with a real cipher (cryptsetup reencrypt --cipher aes-xts-plain64 on the encrypted partition, with a backup first) before your next session, then check again."
	fixLinuxHeaderUnread  = "The disk is encrypted, but SessionGuard could not read its encryption header to see whether it is fully encrypted (reading it needs administrator rights). Check from the SessionGuard service (the tray's \"Check again\"), or run `sudo sessionguard check --local`; if it stays unknown, ask your IT support to confirm the disk is fully encrypted and send them an evidence bundle (sessionguard evidence record)."
	fixLinuxSwapUnknown   = "The disk is encrypted, but SessionGuard could not see whether its swap space is, and pieces of open files can be written to swap. Try \"Check again\"; if it stays unknown, ask your IT support to confirm the swap space is encrypted (or zram, or switched off) and send them an evidence bundle (sessionguard evidence record)."
	fixLinuxUnknown       = "SessionGuard could not see the disk this system runs from (for example inside a container, a virtual machine's shared folder or a live USB). Run SessionGuard on the computer itself, or ask your IT support to confirm the disk is encrypted."

	fixMacOff        = "Open System Settings > Privacy & Security > FileVault and click Turn On…. Choose to keep the recovery key somewhere safe that is not on this Mac (your IT support may tell you where), keep the Mac plugged in, and check again once it says FileVault is on."
	fixMacDecrypting = "FileVault is being switched off and the disk is being decrypted. Open System Settings > Privacy & Security > FileVault and click Turn On… to keep the disk encrypted, then check again."
	fixMacEncrypting = "FileVault is still encrypting the disk. Keep the Mac plugged in and awake until it finishes (System Settings > Privacy & Security > FileVault shows the progress), then check again."
	fixMacDeferred   = "FileVault will be switched on the next time you log out. Save your work, log out (Apple menu > Log Out), log back in and enter your password when asked, then check again."
	fixMacRestart    = "FileVault needs a restart to finish being switched on. Save your work, restart the Mac (Apple menu > Restart), then check again."

	fixWinOff                   = "Open Settings > Privacy & security > Device encryption (or Control Panel > BitLocker Drive Encryption) and turn it on for the system drive. Save the recovery key to your work or Microsoft account or print it — not only on this PC — then check again."
	fixWinSuspended             = "BitLocker is switched on but its protection is suspended. Open Control Panel > BitLocker Drive Encryption and click Resume protection, then check again."
	fixWinSuspendedOrActivation = "BitLocker protection is off on the system drive. Open Control Panel > BitLocker Drive Encryption: click Resume protection if it is offered; if it offers Turn on BitLocker instead, the drive has no key protector yet, so turn it on (or ask your IT support to add a key protector). Then check again."
	fixWinActivation            = "BitLocker has no key protector on the system drive, so its key sits unprotected on the disk and the drive will never be protected as it is. Open Control Panel > BitLocker Drive Encryption and choose Turn on BitLocker, which adds a key protector such as the TPM (on Windows Home: sign in with your work or Microsoft account under Settings > Privacy & security > Device encryption), or ask your IT support to add one. Then check again."
	fixWinEncrypting            = "BitLocker is still encrypting the system drive. Leave the PC switched on and plugged in until it finishes, then check again."
	fixWinPaused                = "BitLocker started encrypting the system drive but the encryption is paused. Open Control Panel > BitLocker Drive Encryption and click Resume, then check again."
	fixWinDecrypting            = "BitLocker is being switched off and the system drive is being decrypted. Open Control Panel > BitLocker Drive Encryption and turn BitLocker back on, then check again."
	fixWinDataDrivesUnknown     = "SessionGuard could read BitLocker's state for the system drive only, not for the other drives in this PC. Try \"Check again\"; if it stays unknown, ask your IT support to confirm every fixed drive (D: and the like) has BitLocker on, and send them an evidence bundle (sessionguard evidence record)."
	fixWinAdmin                 = "Reading BitLocker's state needs administrator rights. Run SessionGuard once as an administrator (right-click > Run as administrator), or ask your IT support to confirm BitLocker is on."
)

// evaluate judges the facts against the policy.
func evaluate(f facts, pol checks.Policy) checks.Result {
	switch {
	case f.Linux != nil:
		return evaluateLinux(*f.Linux, pol)
	case f.Darwin != nil:
		return evaluateDarwin(*f.Darwin)
	case f.Windows != nil:
		return evaluateWindows(*f.Windows)
	}
	return unknown("Could not check disk encryption.", unknownFix, fmt.Sprintf("no disk encryption facts for %q", f.OS))
}

func unknown(summary, fix, reason string) checks.Result {
	return checks.Result{Status: checks.Unknown, Summary: summary, Fix: fix, Reason: reason}
}

// volumeState is what is known about one volume's encryption.
type volumeState int

const (
	stateUnknown volumeState = iota
	stateEncrypted
	stateUnencrypted
	// stateEncrypting: LUKS2 encryption in place started and not
	// finished (part of the volume is still plain).
	stateEncrypting
	// stateDecrypting: LUKS2 decryption under way or stopped part way.
	stateDecrypting
	// stateNullCipher: a LUKS header whose data cipher is cipher_null:
	// set up as encrypted, stored in plain text.
	stateNullCipher
)

// Filesystems whose backing disk cannot be seen from here.
var notBlockFS = map[string]string{
	"overlay":  "an overlay filesystem (a container or a live system)",
	"aufs":     "an overlay filesystem (a container or a live system)",
	"tmpfs":    "a filesystem in memory (a live system or a container)",
	"ramfs":    "a filesystem in memory (a live system or a container)",
	"rootfs":   "a filesystem in memory (a live system or a container)",
	"squashfs": "a read-only image (a live system)",
	"nfs":      "a network filesystem",
	"nfs4":     "a network filesystem",
	"cifs":     "a network filesystem",
	"smb3":     "a network filesystem",
	"9p":       "a folder shared by a host machine",
	"virtiofs": "a folder shared by a host machine",
	"shiftfs":  "a container filesystem",
}

// judge says whether v is encrypted and, when unknown, why.
func judge(v *volume) (volumeState, string) {
	if v == nil {
		return stateUnknown, "it is not in the mount table"
	}
	if v.FSType == "zfs" {
		switch {
		case zfsEncrypted(v.ZFSEncryption):
			return stateEncrypted, ""
		case v.ZFSEncryption == "off" || v.ZFSEncryption == "-":
			return stateUnencrypted, ""
		default:
			return stateUnknown, "the ZFS encryption property could not be read"
		}
	}
	if len(v.Stack) > 0 {
		// Every device the filesystem sits on must be under a crypt layer.
		for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
			if !hasCrypt(st) {
				return stateUnencrypted, ""
			}
		}
		if nullCipher(v) {
			return stateNullCipher, "the LUKS header under " + v.Mount + " keeps the data with cipher_null, in plain text"
		}
		if st, why := judgeReencryption(v); st != stateEncrypted {
			return st, why
		}
		if v.MembersUnread != "" {
			return stateUnknown, "the other devices the btrfs filesystem at " + v.Mount + " may span could not all be seen (" + v.MembersUnread + ")"
		}
		return stateEncrypted, ""
	}
	if what, ok := notBlockFS[v.FSType]; ok {
		return stateUnknown, fmt.Sprintf("%s is %s (%s); the disk underneath cannot be seen from here", v.Mount, what, v.FSType)
	}
	if strings.HasPrefix(v.FSType, "fuse") {
		return stateUnknown, fmt.Sprintf("%s is a FUSE filesystem (%s); the disk underneath cannot be seen from here", v.Mount, v.FSType)
	}
	return stateUnknown, fmt.Sprintf("the block device under %s (%s) was not found by lsblk or in /sys", v.Mount, orNone(v.FSType))
}

// nullCipher reports whether a LUKS header under v keeps its data with
// cipher_null: a value that alone decides, whatever else went unread.
func nullCipher(v *volume) bool {
	for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
		if slices.ContainsFunc(st, func(l layer) bool { return l.NullCipher }) {
			return true
		}
	}
	return false
}

// judgeReencryption reads what the LUKS headers under v say of a
// re-encryption: decrypting anywhere decides, then a header that could not
// be read or a mode not recognised (unknown), then encrypting; a new key
// or cipher (reencrypt) leaves the volume encrypted throughout.
func judgeReencryption(v *volume) (volumeState, string) {
	var unread, encrypting string
	for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
		for _, l := range st {
			switch {
			case l.Reencrypt == "decrypt":
				return stateDecrypting, "the LUKS2 header under " + v.Mount + " is being decrypted"
			case l.HeaderUnread != "" && unread == "":
				unread = "the LUKS header under " + v.Mount + " could not be read (" + l.HeaderUnread + "), so an encryption still under way or a cipher that does not encrypt (cipher_null) cannot be ruled out"
			case l.Reencrypt == "unrecognised" && unread == "":
				unread = "the LUKS2 header under " + v.Mount + " has a re-encryption under way whose mode was not recognised"
			case l.Reencrypt == "encrypt":
				encrypting = "the LUKS2 header under " + v.Mount + " is still being encrypted in place"
			}
		}
	}
	switch {
	case unread != "":
		return stateUnknown, unread
	case encrypting != "":
		return stateEncrypting, encrypting
	}
	return stateEncrypted, ""
}

// headerUnread reports whether v's verdict is unknown only because a LUKS
// header could not be read (the fix then says to check with root rights).
func headerUnread(v *volume) bool {
	if v == nil {
		return false
	}
	for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
		if slices.ContainsFunc(st, func(l layer) bool { return l.HeaderUnread != "" }) {
			return true
		}
	}
	return false
}

func hasCrypt(stack []layer) bool {
	return slices.ContainsFunc(stack, func(l layer) bool { return l.Type == "crypt" })
}

// partlyEncrypted reports whether some but not all of the devices v sits
// on are encrypted.
func partlyEncrypted(v *volume) bool {
	if v == nil || len(v.Stack) == 0 {
		return false
	}
	some, all := false, true
	for _, st := range append([][]layer{v.Stack}, v.OtherStacks...) {
		c := hasCrypt(st)
		some, all = some || c, all && c
	}
	return some && !all
}

func orNone(s string) string {
	if s == "" {
		return "type unknown"
	}
	return s
}

func encryptedBy(v *volume) string {
	if v.FSType == "zfs" {
		return "ZFS native encryption, " + v.ZFSEncryption
	}
	if v.LUKSVersion != "" {
		return "LUKS" + v.LUKSVersion
	}
	for i, l := range v.Stack {
		if l.Type == "crypt" && i+1 < len(v.Stack) && v.Stack[i+1].FSType == "crypto_LUKS" {
			return "LUKS"
		}
	}
	return "dm-crypt"
}

func evaluateLinux(f linuxFacts, pol checks.Policy) checks.Result {
	rootState, why := judge(f.Root)
	homeOnly := len(f.HomeEncryption) > 0
	for _, h := range []*volume{f.Home, f.UserHome} {
		if hs, _ := judge(h); h != nil && hs == stateEncrypted {
			homeOnly = true
		}
	}
	switch rootState {
	case stateUnknown:
		reason := "could not tell whether / is encrypted: " + why
		fix := fixLinuxUnknown
		if headerUnread(f.Root) {
			fix = fixLinuxHeaderUnread
		}
		if len(f.Errors) > 0 {
			reason += " (" + strings.Join(f.Errors, "; ") + ")"
		}
		if homeOnly {
			reason += "; home folders are encrypted (" + homeKinds(f) + ") but that alone is not full-disk encryption"
		}
		return unknown("Could not tell whether the system disk is encrypted.", fix, reason)
	case stateUnencrypted, stateNullCipher:
		if homeOnly {
			st := homeOnlySetting.Of(pol)
			return checks.Result{Status: st, Summary: "Only home folders are encrypted (" + homeKinds(f) + "); the system disk is not.", Fix: fixLinuxHomeOnly}
		}
		if partlyEncrypted(f.Root) {
			return checks.Result{Status: checks.Fail, Summary: "The system disk is only partly encrypted: the filesystem the computer runs from also lies on a disk or partition that is not encrypted.", Fix: fixLinuxPartly}
		}
		fix, plain := fixLinuxUnencrypted, "/ is not encrypted"
		if rootState == stateNullCipher {
			fix, plain = fixLinuxNullCipher, "/ is set up as encrypted ("+encryptedBy(f.Root)+") with cipher_null, which stores the data in plain text"
		}
		if f.HomeEncryptionUnread != "" {
			return unknown("The system disk is not encrypted, and SessionGuard could not tell whether your home folder is.", fix,
				plain+"; "+f.HomeEncryptionUnread)
		}
		if rootState == stateNullCipher {
			return checks.Result{Status: checks.Fail, Summary: "The system disk is not encrypted: its encryption (" + encryptedBy(f.Root) + ") was set up with no cipher (cipher_null), which stores everything in plain text.", Fix: fix}
		}
		return checks.Result{Status: checks.Fail, Summary: "The system disk is not encrypted.", Fix: fix}
	}
	// Root is encrypted: /home and swap must not leak. Each is a part the
	// machine needs; one that could not be judged keeps it from passing.
	root := checks.Result{Status: checks.Pass, Summary: "The system disk is encrypted (" + encryptedBy(f.Root) + ")."}
	switch rootState {
	case stateEncrypting:
		root = checks.Result{Status: checks.Warn, Summary: "The system disk is still being encrypted (" + encryptedBy(f.Root) + "): part of it is not yet protected.", Fix: fixLinuxEncrypting}
	case stateDecrypting:
		root = checks.Result{Status: checks.Fail, Summary: "The system disk is being decrypted: part of it is already unencrypted.", Fix: fixLinuxDecrypting}
	}
	parts := []checks.Result{root, homePart(f.Home), userHomePart(f), rootKeyPart(f.RootKey)}
	for i := range f.Others {
		v := &f.Others[i]
		// Files may or may not be kept there: a warning.
		parts = append(parts, separatePart(v, "", "the disk mounted at "+v.Mount, checks.Warn,
			"The system disk is encrypted, but another disk mounted at "+v.Mount+" is not: files kept there are not protected.", fixLinuxOtherDisk))
	}
	if f.SwapUnread != "" {
		parts = append(parts, unknown("Could not tell whether the swap space is encrypted.", fixLinuxSwapUnknown,
			"the list of active swap areas could not be read ("+f.SwapUnread+"); a swap file or partition on an unencrypted disk would hold pieces of open files"))
	}
	for i := range f.Swap {
		parts = append(parts, swapPart(f, &f.Swap[i]))
	}
	return checks.AllOf(parts...)
}

// rootKeyPart judges a key to the encrypted / built into the start-up
// image: on an unencrypted /boot, the disk opens for anyone holding the
// computer.
func rootKeyPart(rk *rootKey) checks.Result {
	switch {
	case rk == nil:
		return checks.Result{Status: checks.NotApplicable}
	case rk.Unread != "":
		return unknown("Could not tell whether the key to the system disk is kept unencrypted.", fixLinuxUnknown,
			"how the system disk is unlocked at start could not be read ("+rk.Unread+")")
	case rk.KeyDevice == keyDeviceOther:
		return unknown("Could not tell whether the key to the system disk is kept apart from the computer.", fixLinuxRootKeyDevice,
			"the system disk unlocks at start with a key file read from a device named on the kernel's command line or in /etc/crypttab.initramfs that is neither /boot nor the EFI system partition; whether it is a USB key kept apart from the computer, or another unencrypted partition in it, cannot be seen")
	case rk.InImage == "" && rk.KeyDevice == "":
		return checks.Result{Status: checks.Pass}
	}
	where := "stored in the start-up files on"
	if rk.KeyDevice != "" {
		where = "kept on"
	}
	boot := checks.Result{Status: checks.Pass}
	if rk.Boot != nil {
		boot = separatePart(rk.Boot, "", "the /boot partition, which holds the key to the system disk", checks.Fail,
			"The system disk is encrypted, but the key that unlocks it is "+where+" /boot, which is not encrypted: anyone holding the computer can copy the key and read the disk.", fixLinuxRootKey)
	}
	if boot.Status != checks.Pass || rk.ESP == nil {
		return boot
	}
	return separatePart(rk.ESP, "", "the EFI system partition, which holds the key to the system disk", checks.Fail,
		"The system disk is encrypted, but the key that unlocks it is "+where+" the EFI system partition ("+rk.ESP.Mount+"), which the computer's firmware reads unencrypted: anyone holding the computer can copy the key and read the disk.", fixLinuxRootKeyESP)
}

// homePart judges a separate /home next to an encrypted root.
func homePart(home *volume) checks.Result {
	return separatePart(home, "", "the /home partition", checks.Fail, "The system disk is encrypted but the /home partition is not.", fixLinuxHome)
}

// userHomePart judges the filesystem holding the person's home folder
// when it is neither / nor /home, next to an encrypted root.
func userHomePart(f linuxFacts) checks.Result {
	return separatePart(f.UserHome, f.UserHomeUnread, "the disk your home folder is on", checks.Fail,
		"The system disk is encrypted but your home folder is on another disk or partition that is not.", fixLinuxUserHome)
}

// separatePart judges a filesystem other than / that holds people's files
// (what, for the wording), next to an encrypted root: unencrypted is
// plain (fail or warn) with summary and fix; where it is that could not
// be read (unread) or what it is (judge) is unknown.
func separatePart(v *volume, unread, what string, plain checks.Status, summary, fix string) checks.Result {
	unsure := "Could not tell whether " + what + " is encrypted."
	if unread != "" {
		return unknown(unsure, fixLinuxUnknown, "where your home folder is could not be read ("+unread+"); it may be on another disk")
	}
	if v == nil {
		return checks.Result{Status: checks.NotApplicable}
	}
	switch st, why := judge(v); st {
	case stateEncrypted:
		return checks.Result{Status: checks.Pass}
	case stateUnencrypted:
		return checks.Result{Status: plain, Summary: summary, Fix: fix}
	case stateEncrypting:
		return checks.Result{Status: checks.Warn, Summary: "The system disk is encrypted, but " + what + " is still being encrypted: part of it is not yet protected.", Fix: fixLinuxEncrypting}
	case stateDecrypting:
		return checks.Result{Status: plain, Summary: "The system disk is encrypted, but " + what + " is being decrypted: part of it is already unencrypted.", Fix: fixLinuxDecrypting}
	case stateNullCipher:
		return checks.Result{Status: plain, Summary: "The system disk is encrypted, but " + what + " is not: its encryption was set up with no cipher (cipher_null), which stores everything in plain text.", Fix: fixLinuxNullCipher}
	default:
		fix := fixLinuxUnknown
		if headerUnread(v) {
			fix = fixLinuxHeaderUnread
		}
		return unknown(unsure, fix, "could not tell whether "+what+" is encrypted: "+why)
	}
}

// swapPart judges one active swap area next to an encrypted root.
func swapPart(f linuxFacts, v *volume) checks.Result {
	switch s, why := judge(v); s {
	case stateEncrypted:
		return checks.Result{Status: checks.Pass}
	case stateUnencrypted:
		return checks.Result{Status: checks.Warn, Summary: "The system disk is encrypted (" + encryptedBy(f.Root) + ") but the swap space is not.", Fix: fixLinuxSwap}
	case stateEncrypting:
		return checks.Result{Status: checks.Warn, Summary: "The system disk is encrypted (" + encryptedBy(f.Root) + ") but the swap space is still being encrypted.", Fix: fixLinuxEncrypting}
	case stateDecrypting:
		return checks.Result{Status: checks.Warn, Summary: "The system disk is encrypted (" + encryptedBy(f.Root) + ") but the swap space is being decrypted.", Fix: fixLinuxDecrypting}
	case stateNullCipher:
		return checks.Result{Status: checks.Warn, Summary: "The system disk is encrypted (" + encryptedBy(f.Root) + ") but the swap space is not: its encryption was set up with no cipher (cipher_null), which stores everything in plain text.", Fix: fixLinuxNullCipher}
	default:
		what := "swap " + v.Kind
		if v.Kind == "" {
			what = "a swap area"
		}
		return unknown("Could not tell whether the swap space is encrypted.", fixLinuxSwapUnknown, "could not tell whether the "+what+" is encrypted: "+why)
	}
}

func homeKinds(f linuxFacts) string {
	kinds := append([]string(nil), f.HomeEncryption...)
	if f.Home != nil {
		if hs, _ := judge(f.Home); hs == stateEncrypted {
			kinds = append(kinds, "/home partition "+encryptedBy(f.Home))
		}
	}
	if f.UserHome != nil {
		if hs, _ := judge(f.UserHome); hs == stateEncrypted {
			kinds = append(kinds, "your home folder's own filesystem "+encryptedBy(f.UserHome))
		}
	}
	return strings.Join(kinds, ", ")
}

func evaluateDarwin(f darwinFacts) checks.Result {
	// diskutil's Data-role volume, when exactly one state is shown.
	dataFV, dataKnown := dataVolumeState(f)
	hwOnly := dataKnown && !dataFV && anyHardwareEncrypted(f)
	switch f.FDESetup {
	case fvOn:
		if dataKnown && !dataFV {
			return unknown("Could not tell whether FileVault is on.", unknownFix, "fdesetup says FileVault is on but diskutil shows the Data volume without FileVault")
		}
		return checks.Result{Status: checks.Pass, Summary: "FileVault is on."}
	case fvOff:
		s := "FileVault is off."
		if hwOnly {
			s = "FileVault is off (the built-in hardware encryption alone does not protect a stolen Mac)."
		}
		return checks.Result{Status: checks.Fail, Summary: s, Fix: fixMacOff}
	case fvEncrypting:
		return checks.Result{Status: checks.Warn, Summary: "FileVault is encrypting the disk" + percentText(f.Percent) + ".", Fix: fixMacEncrypting}
	case fvDecrypting:
		return checks.Result{Status: checks.Fail, Summary: "FileVault is being switched off (decrypting" + percentText(f.Percent) + ").", Fix: fixMacDecrypting}
	case fvDeferred:
		return checks.Result{Status: checks.Warn, Summary: "FileVault will be switched on at the next logout.", Fix: fixMacDeferred}
	case fvRestartPending:
		return checks.Result{Status: checks.Warn, Summary: "FileVault will finish being switched on after a restart.", Fix: fixMacRestart}
	}
	// fdesetup could not be read or was not understood: diskutil alone.
	if dataKnown {
		switch {
		case dataFV && anyMigrating(f):
			return checks.Result{Status: checks.Warn, Summary: "FileVault is encrypting the disk.", Fix: fixMacEncrypting}
		case dataFV:
			return checks.Result{Status: checks.Pass, Summary: "FileVault is on (the Data volume is FileVault-encrypted)."}
		case hwOnly:
			return checks.Result{Status: checks.Fail, Summary: "FileVault is off (the built-in hardware encryption alone does not protect a stolen Mac).", Fix: fixMacOff}
		default:
			return checks.Result{Status: checks.Fail, Summary: "FileVault is off.", Fix: fixMacOff}
		}
	}
	reasons := []string{}
	switch {
	case f.FDESetup == fvUnrecognised:
		reasons = append(reasons, "fdesetup status output not recognised")
	case f.FDESetupError != "":
		reasons = append(reasons, f.FDESetupError)
	}
	switch {
	case f.APFSError != "":
		reasons = append(reasons, f.APFSError)
	case f.APFSRead && len(f.DataVolumes) == 0:
		reasons = append(reasons, "diskutil lists no APFS volume with the Data role")
	case f.APFSRead:
		reasons = append(reasons, "diskutil lists several Data volumes that disagree")
	}
	return unknown("Could not tell whether FileVault is on.", unknownFix, strings.Join(reasons, "; "))
}

// dataVolumeState is the FileVault state all Data-role volumes agree on.
func dataVolumeState(f darwinFacts) (fileVault, known bool) {
	if len(f.DataVolumes) == 0 {
		return false, false
	}
	first := f.DataVolumes[0].FileVault
	for _, v := range f.DataVolumes[1:] {
		if v.FileVault != first {
			return false, false
		}
	}
	return first, true
}

func anyHardwareEncrypted(f darwinFacts) bool {
	for _, v := range f.DataVolumes {
		if v.Encryption {
			return true
		}
	}
	return false
}

func anyMigrating(f darwinFacts) bool {
	for _, v := range f.DataVolumes {
		if v.CryptoMigrationOn {
			return true
		}
	}
	return false
}

func percentText(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf(", %s %% done", strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", *p), "0"), "."))
}

// percentParen is percentText in brackets, for the middle of a sentence.
func percentParen(p *float64) string {
	if p == nil {
		return ""
	}
	return " (" + strings.TrimPrefix(percentText(p), ", ") + ")"
}

func evaluateWindows(f windowsFacts) checks.Result {
	state := bitLockerState(f)
	parts := []checks.Result{state, osVolumePart(f, state), dataDrivesListPart(f, state)}
	for _, d := range f.DataDrives {
		parts = append(parts, dataDrivePart(d))
	}
	return checks.AllOf(parts...)
}

// dataDrivesListPart is what is known of the computer's other fixed
// drives being listed at all: when Win32_EncryptableVolume could not be
// read, manage-bde was asked about the system drive only, and a data
// drive without BitLocker (a warning when seen) would go unseen. It
// matters only to a verdict that lets a session start.
func dataDrivesListPart(f windowsFacts, state checks.Result) checks.Result {
	unread := f.DataDrivesUnread
	if unread == "" && f.Source != "wmi" && f.WMIError != "" && !strings.HasPrefix(f.WMIError, bitLockerClass+" ") {
		// Facts from agents before DataDrivesUnread: WMIError without
		// the class's own complaint is the query failing.
		unread = f.WMIError
	}
	if unread == "" || !state.Status.Acceptable() {
		return checks.Result{Status: checks.NotApplicable}
	}
	fix := fixWinDataDrivesUnknown
	if f.AccessDenied {
		fix = fixWinAdmin
	}
	return unknown("Could not tell whether the other drives in this PC are encrypted.", fix,
		"the computer's drives could not be listed ("+unread+"); only drive "+f.SystemDrive+" was read, and another fixed drive without BitLocker would hold files unprotected")
}

// dataDrivePart judges a fixed data drive beside the system drive, as the
// Linux check judges another disk: BitLocker protection on (or locked)
// passes; off
// while fully decrypted, or off with the drive encrypted (its key kept in
// the clear), is a warning — files may be kept there; a state not read
// is unknown.
func dataDrivePart(d dataDrive) checks.Result {
	switch {
	case d.ProtectionStatus != nil && (*d.ProtectionStatus == protOn || *d.ProtectionStatus == protUnknown):
		// 2 is what a locked drive reports: encrypted, and nothing on it
		// can be read until it is unlocked with its key.
		return checks.Result{Status: checks.Pass}
	case d.ProtectionStatus != nil && *d.ProtectionStatus == protOff && d.ConversionStatus != nil:
		what := "is not encrypted"
		if *d.ConversionStatus != convFullyDecrypted {
			what = "is not protected by BitLocker"
		}
		return checks.Result{Status: checks.Warn, Summary: "Drive " + d.Drive + ", another drive in this PC, " + what + ": files kept there are not protected.",
			Fix: "Drive " + d.Drive + " is not protected by BitLocker. Keep client files off it, or open Control Panel > BitLocker Drive Encryption and turn BitLocker on for " + d.Drive + " (or ask your IT support)."}
	}
	return unknown("Could not tell whether drive "+d.Drive+" is encrypted.", unknownFix, "Win32_EncryptableVolume did not say drive "+d.Drive+"'s BitLocker protection and conversion state")
}

// osVolumePart is what is known about the volume read being the one
// Windows runs from. It matters only to a verdict that lets a session
// start: a pass or warn on a volume nothing showed to be the system drive
// (a guessed letter) is unknown.
func osVolumePart(f windowsFacts, state checks.Result) checks.Result {
	if !state.Status.Acceptable() {
		return checks.Result{Status: checks.NotApplicable}
	}
	if f.OSVolume != "" {
		return checks.Result{Status: checks.Pass}
	}
	return unknown("Could not tell whether BitLocker protects drive "+f.SystemDrive+".", unknownFix,
		"nothing showed that drive "+f.SystemDrive+" is the drive Windows runs from (Win32_EncryptableVolume did not mark it as the operating-system volume and manage-bde did not say [OS Volume])")
}

// protectorPart is what the key protectors say about a volume being
// encrypted: one at least (or protection on) lets it become protected.
func protectorPart(f windowsFacts) checks.Result {
	switch {
	case f.ProtectionStatus != nil && *f.ProtectionStatus == protOn,
		f.KeyProtectors != nil && *f.KeyProtectors > 0:
		return checks.Result{Status: checks.Pass}
	}
	reason := "BitLocker is encrypting drive " + f.SystemDrive + " but its key protectors could not be read, so it is not known whether the drive will be protected when encryption finishes"
	if f.ManageBDEError != "" {
		reason += " (" + f.ManageBDEError + ")"
	}
	fix := unknownFix
	if f.AccessDenied {
		fix = fixWinAdmin
	}
	return unknown("Could not tell whether BitLocker will protect drive "+f.SystemDrive+".", fix, reason)
}

func bitLockerState(f windowsFacts) checks.Result {
	drive := f.SystemDrive
	conv, prot := f.ConversionStatus, f.ProtectionStatus
	if conv != nil {
		switch *conv {
		case convFullyDecrypted:
			return checks.Result{Status: checks.Fail, Summary: "Drive " + drive + " is not encrypted (BitLocker is off).", Fix: fixWinOff}
		case convDecryptionInProgress, convDecryptionPaused:
			return checks.Result{Status: checks.Fail, Summary: "BitLocker is being switched off on drive " + drive + " (decrypting).", Fix: fixWinDecrypting}
		}
	}
	// No key protector: the volume key sits in the clear and the volume
	// never becomes protected, whatever its protection or conversion
	// status says (or whether they were read at all).
	if f.KeyProtectors != nil && *f.KeyProtectors == 0 {
		s := "BitLocker has no key protector on drive " + drive + ", so the drive is not protected."
		if conv != nil {
			switch *conv {
			case convFullyEncrypted:
				s = "Drive " + drive + " is encrypted but BitLocker is waiting for activation (no key protector), so it is not protected."
			case convEncryptionInProgress:
				s = "BitLocker is encrypting drive " + drive + percentParen(f.Percent) + " but has no key protector, so the drive will not be protected when it finishes."
			case convEncryptionPaused:
				s = "BitLocker encryption of drive " + drive + " is paused" + percentParen(f.Percent) + " and has no key protector, so the drive is not protected."
			}
		}
		return checks.Result{Status: checks.Fail, Summary: s, Fix: fixWinActivation}
	}
	if conv == nil || prot == nil {
		var reasons []string
		for _, e := range []string{f.WMIError, f.ManageBDEError} {
			if e != "" {
				reasons = append(reasons, e)
			}
		}
		reason := strings.Join(reasons, "; ")
		if reason == "" {
			reason = "no BitLocker status was read"
		}
		if f.AccessDenied {
			return unknown("Could not read BitLocker's state without administrator rights.", fixWinAdmin, reason)
		}
		return unknown("Could not tell whether BitLocker protects drive "+drive+".", unknownFix, reason)
	}
	switch *conv {
	case convFullyEncrypted:
		switch *prot {
		case protOn:
			s := "BitLocker protects drive " + drive + "."
			if f.UsedSpaceOnly {
				s = "BitLocker protects drive " + drive + " (used space encrypted)."
			}
			return checks.Result{Status: checks.Pass, Summary: s}
		case protOff:
			if f.KeyProtectors != nil {
				return checks.Result{Status: checks.Fail, Summary: "Drive " + drive + " is encrypted but BitLocker protection is suspended, so it is not protected.", Fix: fixWinSuspended}
			}
			return checks.Result{Status: checks.Fail, Summary: "Drive " + drive + " is encrypted but BitLocker protection is suspended or waiting for activation, so it is not protected.", Fix: fixWinSuspendedOrActivation}
		default:
			return unknown("Could not tell whether BitLocker protects drive "+drive+".", unknownFix, fmt.Sprintf("drive %s is encrypted but its protection status is %d (unknown, for example while locked)", drive, *prot))
		}
	case convEncryptionInProgress:
		// Encrypting with a key protector finishes protected by itself;
		// without one it never does (above), and unread protectors leave
		// that open.
		encrypting := checks.Result{Status: checks.Warn, Summary: "BitLocker is encrypting drive " + drive + percentText(f.Percent) + ".", Fix: fixWinEncrypting}
		return checks.AllOf(encrypting, protectorPart(f))
	case convEncryptionPaused:
		// Paused encryption protects nothing until resumed, key protector
		// or not; with one (or unread), Resume is the fix.
		return checks.Result{Status: checks.Fail, Summary: "BitLocker encryption of drive " + drive + " is paused" + percentText(f.Percent) + ".", Fix: fixWinPaused}
	}
	return unknown("Could not tell whether BitLocker protects drive "+drive+".", unknownFix, fmt.Sprintf("unrecognised BitLocker conversion status %d", *conv))
}
