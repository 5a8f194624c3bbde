package screenlock

// The package exports only ID and Check; these are the internals its
// external tests (package screenlock_test) use.

type DarwinFacts = darwinFacts

type Facts = facts

type AwakeHold = awakeHold

type IdleLocker = idleLocker

type IdleTimers = idleTimers

type LinuxFacts = linuxFacts

type ManagedScreensaver = managedScreensaver

type PmsetAssertion = pmsetAssertion

type PowerRequest = powerRequest

type WindowsFacts = windowsFacts

const (
	ConsoleNone         = consoleNone
	ConsoleSignedIn     = consoleSignedIn
	ConsoleUnknown      = consoleUnknown
	DesktopBudgie       = desktopBudgie
	DesktopCOSMIC       = desktopCOSMIC
	DesktopCinnamon     = desktopCinnamon
	DesktopGNOME        = desktopGNOME
	DesktopHyprland     = desktopHyprland
	DesktopI3           = desktopI3
	DesktopKDE          = desktopKDE
	DesktopLXQt         = desktopLXQt
	DesktopMATE         = desktopMATE
	DesktopOther        = desktopOther
	DesktopRiver        = desktopRiver
	DesktopSway         = desktopSway
	DesktopUnknown      = desktopUnknown
	DesktopXFCE         = desktopXFCE
	SleepClassic        = sleepClassic
	SleepModernStandby  = sleepModernStandby
	SleepNone           = sleepNone
	LockerGSettings     = lockerGSettings
	LockerIdleDaemon    = lockerIdleDaemon
	LockerKScreenLocker = lockerKScreenLocker
	LockerLightLocker   = lockerLightLocker
	LockerNone          = lockerNone
	LockerXfce          = lockerXfce
	SessionElsewhere    = sessionElsewhere
	SessionGraphical    = sessionGraphical
	SessionNone         = sessionNone
	ShellLockNoGDM      = shellLockNoGDM
	ShellLockNoLogind   = shellLockNoLogind
	ShellLockGDMRunning = shellLockGDMRunning
	SessionUnknown      = sessionUnknown
)

var (
	AutostartHidden            = autostartHidden
	ClassifyHold               = classifyHold
	GVariantStrings            = gvariantStrings
	ParseGVariantBool          = parseGVariantBool
	ParseGVariantObjectPaths   = parseGVariantObjectPaths
	ParseGVariantString        = parseGVariantString
	ParseGVariantStrings       = parseGVariantStrings
	ParseSaverInhibitor        = parseSaverInhibitor
	ParseGVariantUint32        = parseGVariantUint32
	Collect                    = collect
	DesktopFamily              = desktopFamily
	Evaluate                   = evaluate
	KDEMinutes                 = kdeMinutes
	ParseDconfKeyfile          = parseDconfKeyfile
	ParseDconfLocks            = parseDconfLocks
	ParseDconfProfile          = parseDconfProfile
	ParseDefaultsInt           = parseDefaultsInt
	ParseHypridle              = parseHypridle
	ParseKDEConfig             = parseKDEConfig
	Scrub                      = scrub
	ParseLoginctlProps         = parseLoginctlProps
	ParseManagedScreensaver    = parseManagedScreensaver
	MergeManagedScreensaver    = mergeManagedScreensaver
	ParsePmsetAssertions       = parsePmsetAssertions
	ParsePmsetCustom           = parsePmsetCustom
	ParsePowercfgRequests      = parsePowercfgRequests
	ParsePowercfgQuery         = parsePowercfgQuery
	ParseSleepStates           = parseSleepStates
	ParseSwayidle              = parseSwayidle
	ParseSysadminctlScreenLock = parseSysadminctlScreenLock
	ParseXScreenSaver          = parseXScreenSaver
	ParseXautolock             = parseXautolock
	ParseXfconfChannel         = parseXfconfChannel
	ParseXidlehook             = parseXidlehook
	SleepHookAction            = sleepHookAction
	HookName                   = hookName
	ParseXsetScreenSaver       = parseXsetScreenSaver
	ShellWords                 = shellWords
)

// What a sleep hook does.
const (
	HookNone  = hookNone
	HookLocks = hookLocks
	HookAsks  = hookAsks
)
