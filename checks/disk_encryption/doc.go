// Package diskencryption checks that the disk holding the operating system
// and the user's files is encrypted, so a lost or stolen computer does not
// give away client data.
//
// Sources, per operating system:
//
//   - Linux: the mount table (findmnt -J, else /proc/self/mounts) names what
//     is mounted at /, /home and as swap; lsblk -J (asked only when a block
//     device stack is needed) walks each block device up to its parents (a
//     "crypt" layer means dm-crypt/LUKS), falling back to
//     /sys/class/block/*/dm/uuid ("CRYPT-" prefix) and slaves/ when lsblk is
//     missing; the sysfs walk stops at the first crypt layer. A
//     filesystem on several devices (a logical volume over several
//     physical volumes: every stack lsblk lists for the mount point,
//     every device in slaves/; a btrfs over several devices:
//     /sys/fs/btrfs/<fsid>/devices, unreadable → unknown) is encrypted
//     only when every path down has a crypt layer. cryptsetup luksDump
//     reads the LUKS header under the first crypt layer of each path (blkid
//     -p -o export gives the version alone when it cannot): a LUKS2
//     re-encryption under way or stopped part way that encrypts a plain
//     device in place is a warn (part of it is still plain), one that
//     decrypts a fail, a new key or cipher still encrypted; a data cipher
//     of cipher_null (LUKS1's Cipher name, any LUKS2 data segment's
//     cipher, e.g. cipher_null-ecb) stores the data in plain text and is
//     judged unencrypted (a fail for / and /home, naming cipher_null and
//     cryptsetup reencrypt); a LUKS header, LUKS1 or LUKS2 (or one lsblk
//     or /sys named LUKS), that could not be read (cryptsetup needs root)
//     is unknown: blkid tells the version, never the cipher. /proc/swaps lists every active swap area:
//     unreadable, or a swap area whose device cannot be followed, leaves the
//     verdict unknown, as does a separate /home whose device cannot be
//     seen. The home folder of the person at the screen is followed to
//     the filesystem really holding it (findmnt -T, which resolves
//     symlinks such as /home/sam → /data/sam; without findmnt, the mount
//     table's longest prefix): when that is neither / nor /home it is
//     judged as a separate /home is (unencrypted next to an encrypted
//     root fails; encrypted on its own, as systemd-homed's LUKS homes,
//     is home-only), and where it is that cannot be read is unknown.
//     An encrypted / whose key is built into the start-up image on an
//     unencrypted /boot, or with a copy of the image on the EFI system
//     partition, fails (rootkey.go), as does one whose key file is read
//     at start from the unencrypted /boot or EFI system partition (a
//     key on another device is unknown).
//     Other disks mounted for good (a /data partition, a second drive in
//     fstab; not the boot partitions, removable media under /media or
//     /run/media, the system's own folders, loop images), one mount a
//     device: unencrypted beside an encrypted root is a warning (files
//     may be kept there), named by their first folder only.
//     Home-only encryption of the console user's own home folder
//     (mounted as eCryptfs or named by its .ecryptfs/Private.mnt,
//     encrypted by fscrypt status, an encrypted ZFS dataset via zfs get)
//     without an encrypted root is policy.HomeOnlyEncryption (warn by
//     default), never pass; another account's eCryptfs folder or an
//     fscrypt policy elsewhere counts for nothing, and found with nobody
//     at the screen is unknown; an unencrypted swap next to an encrypted
//     root is a warn, a zram swap device's writeback partition
//     (/sys/block/zramN/backing_dev) judged as a swap partition. A root that is an overlay, tmpfs or network
//     filesystem (containers, live systems) is unknown: the disk
//     underneath cannot be seen.
//   - macOS: fdesetup status (On, Off, deferred enablement, restart pending,
//     encryption or decryption in progress) and diskutil apfs list -plist,
//     judging only the volume whose Roles include "Data" by its FileVault
//     key. Hardware encryption at rest (Encryption=true, FileVault=false) is
//     not FileVault.
//   - Windows: WMI root/CIMV2/Security/MicrosoftVolumeEncryption
//     Win32_EncryptableVolume, the row marked as the operating-system volume
//     (VolumeType 0): ProtectionStatus and ConversionStatus. manage-bde
//     -status <drive> (English and German labels, decoded from the console
//     code page) gives the state when the WMI properties are missing or WMI
//     is denied, and the key protectors whenever the verdict turns on them
//     (protection off while encrypted, encrypting or paused); -protectors
//     -get is not used because it prints recovery passwords. A volume with
//     no key protector ("None Found", "Keine gefunden") never becomes
//     protected: fail with the fix that adds one. Suspended protection and
//     paused encryption are not protected; encryption in progress with a
//     protector is a warn, with its protectors unread unknown; "used space
//     only encrypted" is encrypted. Win32_OperatingSystem SystemDrive (else
//     the registry's SystemRoot, else C:) only names the drive: a pass or
//     warn needs the volume shown to be the system volume by VolumeType 0
//     or manage-bde's "[OS Volume]" line. The computer's fixed data drives
//     (VolumeType 1 with a letter, from the same rows; removable drives
//     are left out) are judged as the Linux check judges other disks:
//     protection on, or a locked drive (ProtectionStatus 2), passes; off
//     is a warning (files may be kept there); not told is unknown. When
//     Win32_EncryptableVolume cannot be read the drives are not listed
//     (manage-bde is asked about the system drive only), and a verdict
//     that would pass or warn is unknown.
package diskencryption
