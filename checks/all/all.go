// Package all is the registry of every check, in the order they are shown.
package all

import (
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/antivirus"
	captureinuse "github.com/sessionguard/sessionguard/checks/capture_in_use"
	diskencryption "github.com/sessionguard/sessionguard/checks/disk_encryption"
	"github.com/sessionguard/sessionguard/checks/firewall"
	osupdates "github.com/sessionguard/sessionguard/checks/os_updates"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
	useraccounts "github.com/sessionguard/sessionguard/checks/user_accounts"
	voiceassistants "github.com/sessionguard/sessionguard/checks/voice_assistants"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

// Checks returns every registered check.
func Checks() []checks.Check {
	return []checks.Check{
		diskencryption.Check,
		firewall.Check,
		antivirus.Check,
		osupdates.Check,
		wifisecurity.Check,
		screenlock.Check,
		useraccounts.Check,
		voiceassistants.Check,
		remoteaccess.Check,
		smartspeakers.Check,
		captureinuse.Check,
	}
}
