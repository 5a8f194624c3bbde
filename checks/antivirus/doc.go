// Package antivirus checks that anti-virus protection is turned on and that
// its virus definitions are recent.
//
// Sources, per operating system:
//
//   - Windows: Security Center (WMI root/SecurityCenter2 AntiVirusProduct,
//     whose productState bit field says on/off/snoozed/expired and whether
//     signatures are up to date), and Microsoft Defender's own status (WMI
//     root/Microsoft/Windows/Defender MSFT_MpComputerStatus: service,
//     real-time protection, running mode — passive mode is not protection —
//     and signature age, where 65535 and 4294967295 mean "never updated").
//     Windows Server has no Security Center; there only Defender is read.
//     The check passes when any product is on with current definitions.
//   - macOS: Gatekeeper (spctl --status), the XProtect version (its bundle's
//     Info.plist) and when XProtect was last installed (system_profiler
//     SPInstallHistoryDataType -json), and Microsoft Defender for Endpoint
//     (mdatp health) when it is installed.
//   - Linux: ClamAV — the build time in the header of daily.cld/daily.cvd
//     (falling back to clamscan --version or sigtool --info when the file
//     cannot be read whole), whether clamd runs (its pid file and
//     /proc/<pid>/comm, the process list only when there is no pid file), and
//     whether freshclam is configured — and Microsoft Defender for Endpoint
//     (mdatp health).
//
// No anti-virus at all is policy.AntivirusMissing (fail by default).
// Definitions older than policy.AntivirusMaxSignatureAgeDays are a warning;
// protection that is turned off is a failure; anything that could not be
// read is unknown.
package antivirus
