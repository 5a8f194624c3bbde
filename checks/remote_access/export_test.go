package remoteaccess

// The package exports only ID and Check; these are the internals its
// external tests (package remoteaccess_test) use.

type Facts = facts

type Sessions = sessions

type Socket = socket

type Tool = tool

type OtherListener = otherListener

const (
	AnyDesk             = anyDesk
	ChromeRemoteDesktop = chromeRemoteDesktop
	RustDesk            = rustDesk
	Closed              = closed
	GnomeRemoteDesktop  = gnomeRemoteDesktop
	Loopback            = loopback
	Network             = network
	No                  = no
	None                = none
	Open                = open
	QuickAssist         = quickAssist
	RemoteManagement    = remoteManagement
	RDPShadow           = rdpShadow
	ScreenSharing       = screenSharing
	TeamViewer          = teamViewer
	TigerVNC            = tigerVNC
	Unknown             = unknown
	Vino                = vino
	WindowsRDP          = windowsRDP
	X11VNC              = x11vnc
	Yes                 = yes
)

var (
	Allowed                    = allowedSetting
	ErrUnrecognised            = errUnrecognised
	ClassifyProcess            = classifyProcess
	SessionProcess             = sessionProcess
	ArgsRead                   = argsRead
	Collect                    = collect
	Evaluate                   = evaluate
	ParseDeny                  = parseDeny
	RDPFirewall                = rdpFirewall
	ParseLaunchctlDisabled     = parseLaunchctlDisabled
	ParseNetstat               = parseNetstat
	ParseQwinsta               = parseQwinsta
	ParseRemoteManagementPlist = parseRemoteManagementPlist
	ParseSS                    = parseSS
	Scrub                      = scrub
)
