// Package diskencryption checks that the disk holding the operating system
// and the user's files is encrypted, so a lost or stolen computer does not
// give away client data.
//
// Sources, per operating system:
//
//   - Linux: the mount table (findmnt -J, else /proc/self/mounts) names what
//     is mounted at /, /home and as swap; lsblk -J walks each block device up
//     to its parents (a "crypt" layer means dm-crypt/LUKS), falling back to
//     /sys/class/block/*/dm/uuid ("CRYPT-" prefix) and slaves/ when lsblk is
//     missing. blkid -p -o export (else cryptsetup isLuks/luksDump) confirms
//     the LUKS version of a crypt parent. Home-only encryption (eCryptfs,
//     fscrypt policies, an encrypted ZFS home dataset via zfs get) without an
//     encrypted root is policy.HomeOnlyEncryption (warn by default), never
//     pass; an unencrypted swap next to an encrypted root is a warn. A root
//     that is an overlay, tmpfs or network filesystem (containers, live
//     systems) is unknown: the disk underneath cannot be seen.
//   - macOS: fdesetup status (On, Off, deferred enablement, restart pending,
//     encryption or decryption in progress) and diskutil apfs list -plist,
//     judging only the volume whose Roles include "Data" by its FileVault
//     key. Hardware encryption at rest (Encryption=true, FileVault=false) is
//     not FileVault.
//   - Windows: WMI root/CIMV2/Security/MicrosoftVolumeEncryption
//     Win32_EncryptableVolume for the system drive (from Win32_OperatingSystem
//     SystemDrive): ProtectionStatus and ConversionStatus. When the WMI
//     properties are missing or WMI is denied, manage-bde -status <drive>
//     (English and German labels, decoded from the console code page).
//     Suspended protection and "waiting for activation" are not protected;
//     "used space only encrypted" is encrypted.
package diskencryption
