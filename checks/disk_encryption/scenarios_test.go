package diskencryption_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, diskencryption.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

// TestNoPassWithoutEvidence: no scenario passes once a source its pass
// rested on is unreadable. The exemptions below were checked against the
// code, each for the reason it gives.
func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, diskencryption.Check, "testdata", checktest.Basis{
		Informational: map[string]string{
			"run blkid ":                           "cryptsetup's fallback for a LUKS header's version (the summary's wording): when cryptsetup luksDump cannot be read the header is HeaderUnread whatever blkid says, so it cannot make a verdict pass",
			`wmi root\CIMV2 Win32_OperatingSystem`: "gives the drive letter manage-bde is asked about and the summary names; it never shows a volume to be the one Windows runs from (Win32_EncryptableVolume VolumeType 0 or manage-bde's [OS Volume] line must), so losing it can only turn a verdict unknown, never make one pass",
			`reg HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SystemRoot`: "Win32_OperatingSystem's fallback for the same drive letter, with the same limits",
		},
		Alternatives: []checktest.Alternative{
			{
				Sources: []string{"run fdesetup status", "run diskutil apfs list -plist"},
				Reason:  "both report FileVault on the Data volume and either alone decides (fdesetup's On, or every Data-role volume's FileVault key); when both are read and disagree the verdict is unknown",
			},
			{
				Sources: []string{`wmi root\CIMV2\Security\MicrosoftVolumeEncryption Win32_EncryptableVolume`, "run manage-bde -status"},
				Reason:  "both read BitLocker's protection and conversion status of the system volume; manage-bde is the status source whenever WMI is denied or lacks the status properties, and its own [OS Volume] line identifies the volume",
			},
			{
				Sources: []string{"file /sys/block/"},
				Reason:  "the dm-*/dm/name entries are searched for the /dev/mapper name of a mounted device; device-mapper names are unique, so the entry that matches identifies it and an unreadable other entry cannot be a second match (without a match there is no stack and no pass)",
			},
		},
	})
}
