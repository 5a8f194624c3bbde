package osupdates

// The package exports only ID and Check; these are the internals its
// external tests (package osupdates_test) use.

type Auto = auto

type Facts = facts

type Release = release

type Updates = updates

type Unread = unread

type Snaps = snaps

type Flatpak = flatpak

const AccessDenied = accessDenied

const (
	AutoManaged       = autoManaged
	AutoOff           = autoOff
	AutoOn            = autoOn
	AutoPaused        = autoPaused
	AutoUnknown       = autoUnknown
	RebootNotRequired = rebootNotRequired
	RebootRequired    = rebootIsRequired
	SourceApt         = sourceApt
)

var (
	MaxWholeFile = &maxWholeFile

	Collect         = collect
	Evaluate        = evaluate
	EvaluateFlatpak = evaluateFlatpak
)

var ESULicenceYear = esuLicenceYear

const ESUByUpdate = esuByUpdate

var (
	MacAge                   = macAge
	MacPending               = macPending
	ParseSoftwareUpdatePlist = parseSoftwareUpdatePlist
	ReleaseTable             = releaseSetting.Table
	ReleaseSetting           = releaseSetting
)

type PendingUpdate = pendingUpdate
