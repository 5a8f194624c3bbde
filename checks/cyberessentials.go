package checks

// The five Cyber Essentials technical controls (NCSC, "Cyber Essentials:
// Requirements for IT Infrastructure").
const (
	ControlFirewalls         = "Firewalls"
	ControlSecureConfig      = "Secure configuration"
	ControlSecurityUpdates   = "Security update management"
	ControlUserAccess        = "User access control"
	ControlMalwareProtection = "Malware protection"
)

// cyberEssentials maps each check to the controls it evidences, the first
// being the main one.
var cyberEssentials = map[string][]string{
	"disk_encryption":  {ControlSecureConfig},
	"firewall":         {ControlFirewalls},
	"antivirus":        {ControlMalwareProtection, ControlSecurityUpdates},
	"wifi_security":    {ControlSecureConfig, ControlFirewalls},
	"screen_lock":      {ControlSecureConfig, ControlUserAccess},
	"user_accounts":    {ControlUserAccess},
	"voice_assistants": {ControlSecureConfig},
	"smart_speakers":   {ControlSecureConfig},
}

// CyberEssentialsControls returns the Cyber Essentials controls a check
// evidences, main control first; nil for an unknown check ID. The caller
// must not modify the slice.
func CyberEssentialsControls(checkID string) []string {
	return cyberEssentials[checkID]
}
