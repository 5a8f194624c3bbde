// Package antivirus checks that anti-virus protection is turned on and that
// its virus definitions are recent.
//
// Sources, per operating system:
//
//   - Windows: Security Center (WMI root/SecurityCenter2 AntiVirusProduct,
//     whose productState bit field, decoded by checks/internal/wsc, says
//     on/off/snoozed/expired and whether signatures are up to date; of
//     the rows of one product, same name and product program, only the
//     newest timestamp counts, as an update can leave an old row frozen
//     "on"; another vendor's product listed as on passes only while its
//     reporting program, pathToSignedReportingExe, runs: by full path in
//     the process list), and Microsoft Defender's own status (WMI
//     root/Microsoft/Windows/Defender MSFT_MpComputerStatus: service,
//     real-time protection and its parts, running mode — passive mode is
//     not protection — and signature age, where 65535 and 4294967295 mean
//     "never updated"). Defender on is judged with its exclusion lists
//     (MSFT_MpPreference) for the person at the screen (exclusions.go),
//     its tamper protection (IsTamperProtected) and its cloud protection
//     (MSFT_MpPreference MAPSReporting, and for block at first sight
//     DisableBlockAtFirstSeen and SubmitSamplesConsent): off is a warning,
//     unread makes a pass unknown; Windows 11 has them on by default.
//     When Security Center is missing, the product type (registry
//     ProductOptions\ProductType, else Win32_OperatingSystem.ProductType)
//     says whether this is a Windows Server (which has none) — a missing
//     namespace alone never does. The check passes when any product is on
//     with current definitions.
//   - macOS: Gatekeeper (spctl --status), the XProtect version (its bundle's
//     Info.plist, for the summary) and when XProtect was last installed
//     (system_profiler SPInstallHistoryDataType -json), and Microsoft
//     Defender for Endpoint (mdatp health) when it is installed; Defender
//     for Endpoint passes only with Gatekeeper read and on.
//   - Linux: ClamAV — the build time in the header of daily.cld/daily.cvd in
//     clamd's DatabaseDirectory (falling back to clamscan --version or
//     sigtool --info when the file cannot be read whole), whether clamd
//     runs (its pid file and /proc/<pid>/comm, else the process list), and
//     on-access scanning: OnAccessIncludePath/OnAccessMountPath in
//     clamd.conf (read as ClamAV's option parser reads it, clamconf.go)
//     and clamonacc running. Only on-access scanning protects;
//     clamd alone is a warning. What the running clamonacc watches (its
//     -c configuration, -W and -e lists, OnAccessExcludePath,
//     OnAccessDisableDDD, OnAccessExcludeUname/UID, mount watches by
//     /proc/self/mounts) must take in the whole home folder of the person
//     at the screen (nobody signed in: /home); a gap is a warning naming
//     it (onaccess.go says how clamonacc behaves, tried for real). A
//     clamonacc that only reports infected files (OnAccessPrevention off,
//     or any OnAccessMountPath, with which it cannot block) is a warning. Microsoft Defender for Endpoint (mdatp
//     health: healthy: false or real-time protection off/unavailable is not
//     protecting; on Linux and macOS its definitions_updated_minutes_ago is
//     held to the signature age limit like any other product's). Endpoint products (CrowdStrike Falcon, SentinelOne,
//     Sophos, ESET, Trellix, Bitdefender, Kaspersky, Trend Micro, Elastic
//     Defend, Cortex XDR, Carbon Black): their agent process, by name and
//     program under the vendor's directory, and their own status where the
//     check reads it (falconctl -g --rfm-state, sentinelctl control status,
//     bduitool get ps, whose "Last security content update" is held to
//     the signature age limit); an install directory under /opt only names a
//     product whose agent does not run (fail).
//
// Products combine with checks.AnyOf: one product protecting is enough.
// No anti-virus at all is policy.AntivirusMissing (fail by default).
// Definitions older than policy.AntivirusMaxSignatureAgeDays are a warning;
// protection that is turned off is a failure; anything that could not be
// read is unknown.
package antivirus
