package antivirus

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "antivirus"

// Check is the anti-virus check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Anti-virus",
	Meta: checks.Meta{Required: true, Controls: []string{checks.ControlMalwareProtection},
		Settings: []checks.Setting{missingSetting, maxSignatureAgeSetting, xProtectMaxAgeSetting}},
	Collect:     collect,
	Evaluate:    evaluate,
	UnknownFix:  unknownFix,
	ProcessArgs: clamonaccArgsRead,
	Scrub:       scrub,
}

// The policy settings the anti-virus check owns.
var (
	missingSetting         = checks.Grade{Name: "antivirus_missing", Label: "When no anti-virus is found", Default: checks.Fail}
	maxSignatureAgeSetting = checks.Number{Name: "antivirus_max_signature_age_days", Label: "Anti-virus signatures are at most", After: "old",
		Units: []checks.Unit{checks.Days}, Default: 7, Min: 1, Max: 365}
	// Apple publishes XProtect every one to four weeks, so a Mac that
	// updates itself can hold a two-week-old one.
	xProtectMaxAgeSetting = checks.Number{Name: "xprotect_max_age_days", Label: "macOS XProtect is at most", After: "old",
		Hint: "Apple publishes XProtect every one to four weeks.", Units: []checks.Unit{checks.Days}, Default: 30, Min: 1, Max: 365}
)

// facts are the raw observations. Product names are kept (they name
// software, not people); organisation and machine ids that mdatp prints are
// not.
type facts struct {
	OS      string        `json:"os"`
	Windows *windowsFacts `json:"windows,omitempty"`
	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Linux   *linuxFacts   `json:"linux,omitempty"`
}

// windowsFacts is what Security Center and Defender said.
type windowsFacts struct {
	// SecurityCenter lists the AntiVirusProduct rows; nil when the class
	// could not be read (see SecurityCenterError).
	SecurityCenter []wscProduct `json:"security_center"`
	// SecurityCenterError is "not_found" (Windows Server has no Security
	// Center; on other editions its namespace is broken), "access_denied",
	// or another error text.
	SecurityCenterError string `json:"security_center_error,omitempty"`
	// Defender is Microsoft Defender's MSFT_MpComputerStatus; nil when it
	// could not be read (see DefenderError).
	Defender      *defenderStatus `json:"defender,omitempty"`
	DefenderError string          `json:"defender_error,omitempty"`
	// DefenderExclusions is what Defender's exclusion lists leave
	// unscanned for the person at the screen; read when Defender is
	// installed (its status or a Security Center row of Microsoft's).
	DefenderExclusions *defenderExclusions `json:"defender_exclusions,omitempty"`
	// DefenderCloud is Defender's cloud protection settings, read beside
	// its exclusions; nil from an older agent.
	DefenderCloud *defenderCloud `json:"defender_cloud,omitempty"`
	// Edition is workstation, server or domain_controller, from the
	// product type (registry ProductOptions, else Win32_OperatingSystem);
	// read only when Security Center is missing, "" when unread.
	Edition      string `json:"edition,omitempty"`
	EditionError string `json:"edition_error,omitempty"`
}

// wscProduct is one AntiVirusProduct row with its productState decoded.
type wscProduct struct {
	Name         string `json:"name"`
	ProductState int64  `json:"product_state"`
	// State is on, off, snoozed, expired or unrecognised (wsc.State).
	State string `json:"state"`
	// SignaturesUpToDate is the signature bit of productState.
	SignaturesUpToDate bool `json:"signatures_up_to_date"`
	// Microsoft is true for Microsoft's own product (Defender).
	Microsoft bool `json:"microsoft"`
	// InstanceGUID is the row's instanceGuid: a product that updated or
	// reinstalled itself can leave an older row of its own behind.
	InstanceGUID string `json:"instance_guid,omitempty"`
	// ProductExe is pathToSignedProductExe and ReportingExe
	// pathToSignedReportingExe, the program that reports the product's
	// state to Security Center (a folder in Users shown as …).
	ProductExe   string `json:"product_exe,omitempty"`
	ReportingExe string `json:"reporting_exe,omitempty"`
	// Timestamp is when the row was last written (RFC 3339); "" when
	// the row had none or it was not readable.
	Timestamp string `json:"timestamp,omitempty"`
	// ReportingRunning is whether ReportingExe runs (another vendor's
	// product only); nil when that could not be told (see
	// ReportingUnread) or by an older agent.
	ReportingRunning *bool  `json:"reporting_running,omitempty"`
	ReportingUnread  string `json:"reporting_unread,omitempty"`

	// reportingPath is pathToSignedReportingExe as written, to match
	// against the process list.
	reportingPath string
}

// defenderStatus is the part of MSFT_MpComputerStatus the check uses.
type defenderStatus struct {
	AMServiceEnabled          *bool  `json:"am_service_enabled,omitempty"`
	AntivirusEnabled          *bool  `json:"antivirus_enabled,omitempty"`
	RealTimeProtectionEnabled *bool  `json:"real_time_protection_enabled,omitempty"`
	AMRunningMode             string `json:"am_running_mode,omitempty"`
	// TamperProtected is IsTamperProtected: tamper protection stops
	// other programs turning Defender's protection off.
	TamperProtected *bool `json:"tamper_protected,omitempty"`
	// The parts of real-time protection a policy can turn off on their
	// own: checking files as they are opened or saved ("Monitor file and
	// program activity"), downloads and attachments (IOAV), and behaviour
	// monitoring. nil when the row lacks them.
	OnAccessProtectionEnabled *bool `json:"on_access_protection_enabled,omitempty"`
	IoavProtectionEnabled     *bool `json:"ioav_protection_enabled,omitempty"`
	BehaviorMonitorEnabled    *bool `json:"behavior_monitor_enabled,omitempty"`
	// SignatureAgeRaw is AntivirusSignatureAge as reported (days; 65535 or
	// 4294967295 mean never updated).
	SignatureAgeRaw *int64 `json:"signature_age_raw,omitempty"`
	// SignatureLastUpdated is AntivirusSignatureLastUpdated (RFC 3339).
	SignatureLastUpdated string `json:"signature_last_updated,omitempty"`
	// SignatureAgeDays is the age at collection time, from
	// SignatureLastUpdated when readable, else SignatureAgeRaw; nil when
	// the signatures were never updated or the age is not known.
	SignatureAgeDays *float64 `json:"signature_age_days,omitempty"`
	// NeverUpdated is true for the "never updated" sentinels.
	NeverUpdated bool `json:"never_updated,omitempty"`
}

// defenderCloud is Defender's cloud protection (MSFT_MpPreference).
// Microsoft recommends it on; block at first sight, which stops new malware
// within seconds, needs it on, samples sent automatically and itself not
// disabled. A value is nil when the row lacks it.
type defenderCloud struct {
	// Unread says why the settings could not be read.
	Unread string `json:"unread,omitempty"`
	// MAPSReporting is 0 (cloud protection off), 1 or 2 (on).
	MAPSReporting *int64 `json:"maps_reporting,omitempty"`
	// SubmitSamplesConsent is 0 (always prompt), 1 (send safe samples
	// automatically), 2 (never send) or 3 (send all samples
	// automatically).
	SubmitSamplesConsent *int64 `json:"submit_samples_consent,omitempty"`
	// BlockAtFirstSeenDisabled is DisableBlockAtFirstSeen.
	BlockAtFirstSeenDisabled *bool `json:"block_at_first_seen_disabled,omitempty"`
}

// darwinFacts is what was seen on macOS.
type darwinFacts struct {
	// Gatekeeper is enabled, disabled, unrecognised, or "" when spctl
	// could not be run (see GatekeeperError).
	Gatekeeper      string `json:"gatekeeper,omitempty"`
	GatekeeperError string `json:"gatekeeper_error,omitempty"`
	// XProtectVersion is the bundle's CFBundleShortVersionString (the
	// higher of the two bundle locations of macOS 15 and later).
	XProtectVersion string `json:"xprotect_version,omitempty"`
	// XProtectInstalled is when the newest XProtectPlistConfigData update
	// was installed (RFC 3339), from the install history.
	XProtectInstalled string `json:"xprotect_installed,omitempty"`
	// XProtectAgeDays is the age of that install at collection time.
	XProtectAgeDays *float64 `json:"xprotect_age_days,omitempty"`
	XProtectError   string   `json:"xprotect_error,omitempty"`
	// MDATP is Microsoft Defender for Endpoint's health; nil when it is not
	// installed or could not be read (see MDATPError).
	MDATP      *mdatpHealth `json:"mdatp,omitempty"`
	MDATPError string       `json:"mdatp_error,omitempty"`
}

// linuxFacts is what was seen on Linux.
type linuxFacts struct {
	ClamAV     *clamAVFacts `json:"clamav,omitempty"`
	MDATP      *mdatpHealth `json:"mdatp,omitempty"`
	MDATPError string       `json:"mdatp_error,omitempty"`
	// Endpoint lists the endpoint products (CrowdStrike Falcon,
	// SentinelOne, …) that are installed or whose agent runs.
	Endpoint []endpointFacts `json:"endpoint_products,omitempty"`
	// ProcessesError says why the process list could not be read.
	ProcessesError string `json:"processes_error,omitempty"`
	// OptError says why /opt, where the products install, could not be
	// listed ("not_found" when there is no /opt).
	OptError string `json:"opt_error,omitempty"`
}

// endpointFacts is one endpoint product on Linux.
type endpointFacts struct {
	// Product is the product's id (falcon, sentinelone, …) and Name its
	// name.
	Product string `json:"product"`
	Name    string `json:"name"`
	// Installed is true when its install directory exists.
	Installed bool `json:"installed"`
	// Running is true when its agent process runs from the install
	// directory; nil when the process list could not be read.
	Running *bool `json:"running,omitempty"`
	// Agent is the agent program seen running.
	Agent string `json:"agent,omitempty"`
	// NameOnly lists processes with the agent's name whose program could
	// not be read (a process with its name whose program lies elsewhere is
	// not the product and is left out).
	NameOnly []string `json:"name_only,omitempty"`
	// Status is what the product's own status tool said: protecting,
	// not_protecting, or "" when it has no tool or it was not run.
	Status string `json:"status,omitempty"`
	// StatusDetail is the tool's words (rfm-state=true, Agent state
	// Disabled, Antimalware status: Off).
	StatusDetail string `json:"status_detail,omitempty"`
	// StatusError says why the status tool's answer is missing.
	StatusError string `json:"status_error,omitempty"`
	// ContentUpdated is when the tool says the product's security
	// content was last updated (RFC 3339), for a product whose tool tells
	// it (Bitdefender's bduitool); ContentAgeDays its age at collection
	// time, ContentError why it could not be read.
	ContentUpdated string   `json:"content_updated,omitempty"`
	ContentAgeDays *float64 `json:"content_age_days,omitempty"`
	ContentError   string   `json:"content_error,omitempty"`
}

// clamAVFacts is the state of ClamAV; nil in linuxFacts when no trace of
// ClamAV was found.
type clamAVFacts struct {
	// DatabaseDir is where the signature databases live.
	DatabaseDir string `json:"database_dir"`
	// DatabaseFiles are the signature database files found there.
	DatabaseFiles []string `json:"database_files,omitempty"`
	// Daily is the newest daily database header; nil when none was read.
	Daily         *cvdInfo `json:"daily,omitempty"`
	DatabaseError string   `json:"database_error,omitempty"`
	// DatabaseAgeDays is the age of the daily database build at collection
	// time.
	DatabaseAgeDays *float64 `json:"database_age_days,omitempty"`
	// ClamdInstalled is true when a clamd configuration was found.
	ClamdInstalled bool `json:"clamd_installed"`
	// ClamdRunning is nil when it could not be told (see ClamdError).
	ClamdRunning *bool  `json:"clamd_running,omitempty"`
	ClamdSource  string `json:"clamd_source,omitempty"`
	ClamdError   string `json:"clamd_error,omitempty"`
	// FreshclamConfigured is true when freshclam.conf exists and is not
	// the unedited example (an uncommented "Example" line).
	FreshclamConfigured bool `json:"freshclam_configured"`
	// ClamdConf is the clamd configuration found; ClamdConfError says why
	// it could not be read.
	ClamdConf      string `json:"clamd_conf,omitempty"`
	ClamdConfError string `json:"clamd_conf_error,omitempty"`
	// OnAccessIncludePaths and OnAccessMountPaths are clamd.conf's
	// on-access settings: what clamonacc watches.
	OnAccessIncludePaths []string `json:"on_access_include_paths,omitempty"`
	OnAccessMountPaths   []string `json:"on_access_mount_paths,omitempty"`
	// OnAccessPrevention is the configuration's OnAccessPrevention: with
	// it off (or missing), or with any OnAccessMountPath, clamonacc only
	// reports infected files and never blocks them.
	OnAccessPrevention bool `json:"on_access_prevention,omitempty"`
	// ClamonaccRunning is whether the on-access scanner runs; nil when
	// the process list could not be read (see ClamonaccError).
	ClamonaccRunning *bool  `json:"clamonacc_running,omitempty"`
	ClamonaccError   string `json:"clamonacc_error,omitempty"`
	// OnAccess is what the running clamonacc watches, judged for the
	// person's folder; nil when clamonacc does not run (or clamd.conf,
	// which it reads, could not be).
	OnAccess *onAccessFacts `json:"on_access,omitempty"`
}

// onAccessFacts is what clamonacc watches and how much of the person's
// folder that takes in. Paths inside the person's home are written ~/…;
// excluded accounts are only counted.
type onAccessFacts struct {
	// Config is the configuration clamonacc reads: clamd's, or the one
	// its -c names (ConfigError: why that could not be read).
	Config      string `json:"config,omitempty"`
	ConfigError string `json:"config_error,omitempty"`
	// WatchListPaths are the folders its -W lists add; ExcludePaths every
	// folder it leaves out (OnAccessExcludePath and -e lists).
	WatchListPaths []string `json:"watch_list_paths,omitempty"`
	ExcludePaths   []string `json:"exclude_paths,omitempty"`
	// DisableDDD is OnAccessDisableDDD: included folders are watched
	// without the folders below them.
	DisableDDD bool `json:"ddd_disabled,omitempty"`
	// ExcludedAccounts counts OnAccessExcludeUID and OnAccessExcludeUname
	// lines.
	ExcludedAccounts int `json:"excluded_accounts,omitempty"`
	// Folder is whose files were judged: "~" (the person at the screen's
	// home) or "/home" (nobody signed in).
	Folder string `json:"folder,omitempty"`
	// Gap says why Folder is not watched whole ("" when it is; see the
	// gap constants), GapPath the setting it is about.
	Gap     string `json:"gap,omitempty"`
	GapPath string `json:"gap_path,omitempty"`
	// Unread says what could not be read to judge it.
	Unread string `json:"unread,omitempty"`
}

// cvdInfo is the header of a ClamAV signature database.
type cvdInfo struct {
	// File is the database file name (daily.cld, daily.cvd).
	File    string `json:"file,omitempty"`
	Version int64  `json:"version"`
	// BuildTime is when the database was built (RFC 3339).
	BuildTime string `json:"build_time"`
	// Source is header, clamscan or sigtool.
	Source string `json:"source"`
	// LocalTime is true when BuildTime came without a time zone (clamscan
	// prints local time) and was read as UTC: off by the zone offset.
	LocalTime bool `json:"local_time,omitempty"`
}

// mdatpHealth is the part of `mdatp health` the check uses.
type mdatpHealth struct {
	Healthy                   *bool    `json:"healthy,omitempty"`
	HealthIssues              []string `json:"health_issues,omitempty"`
	Licensed                  *bool    `json:"licensed,omitempty"`
	PassiveMode               *bool    `json:"passive_mode,omitempty"`
	RealTimeProtectionEnabled *bool    `json:"real_time_protection_enabled,omitempty"`
	// RealTimeProtectionUnavailable is real_time_protection_enabled:
	// unavailable.
	RealTimeProtectionUnavailable bool `json:"real_time_protection_unavailable,omitempty"`
	// RealTimeProtectionAvailable is real_time_protection_available.
	RealTimeProtectionAvailable *bool `json:"real_time_protection_available,omitempty"`
	// DefinitionsStatus is e.g. up_to_date.
	DefinitionsStatus string `json:"definitions_status,omitempty"`
	// DefinitionsMinutesAgo is definitions_updated_minutes_ago.
	DefinitionsMinutesAgo *int64 `json:"definitions_minutes_ago,omitempty"`
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS()}
	switch p.GOOS() {
	case "windows":
		wf, err := collectWindows(ctx, p)
		f.Windows = wf
		return f, err
	case "darwin":
		df, err := collectDarwin(ctx, p)
		f.Darwin = df
		return f, err
	case "linux":
		lf, err := collectLinux(ctx, p)
		f.Linux = lf
		return f, err
	default:
		return f, fmt.Errorf("anti-virus is not checked on %s", p.GOOS())
	}
}

// errKind names a probe error briefly for the facts.
func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, probe.ErrNotFound):
		return "not_found"
	case errors.Is(err, probe.ErrAccessDenied):
		return "access_denied"
	case errors.Is(err, probe.ErrUnavailable):
		return "unavailable"
	default:
		return err.Error()
	}
}

func ptr[T any](v T) *T { return &v }
