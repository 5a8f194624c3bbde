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
