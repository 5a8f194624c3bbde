package probe

import (
	"fmt"
	"strings"
)

// allowList maps, per GOOS, the logical command names checks may run to the
// absolute paths the live probe will try, in order. Nothing else is ever
// executed, and never through a shell. On Windows, {system} is the system
// directory (C:\Windows\System32) and {programfiles} the Program Files
// directory, both asked of the OS rather than taken from the environment.
var allowList = map[string]map[string][]string{
	"linux": {
		"loginctl":        {"/usr/bin/loginctl", "/bin/loginctl"},
		"findmnt":         {"/usr/bin/findmnt", "/bin/findmnt"},
		"lsblk":           {"/usr/bin/lsblk", "/bin/lsblk"},
		"blkid":           {"/usr/sbin/blkid", "/sbin/blkid"},
		"cryptsetup":      {"/usr/sbin/cryptsetup", "/sbin/cryptsetup"},
		"dmsetup":         {"/usr/sbin/dmsetup", "/sbin/dmsetup"},
		"swapon":          {"/usr/sbin/swapon", "/sbin/swapon"},
		"zfs":             {"/usr/sbin/zfs", "/sbin/zfs"},
		"fscrypt":         {"/usr/bin/fscrypt", "/usr/local/bin/fscrypt"},
		"nft":             {"/usr/sbin/nft", "/sbin/nft"},
		"iptables":        {"/usr/sbin/iptables", "/sbin/iptables"},
		"ip6tables":       {"/usr/sbin/ip6tables", "/sbin/ip6tables"},
		"iptables-legacy": {"/usr/sbin/iptables-legacy", "/sbin/iptables-legacy"},
		"iptables-save":   {"/usr/sbin/iptables-save", "/sbin/iptables-save"},
		"ufw":             {"/usr/sbin/ufw", "/sbin/ufw"},
		"firewall-cmd":    {"/usr/bin/firewall-cmd", "/bin/firewall-cmd"},
		"systemctl":       {"/usr/bin/systemctl", "/bin/systemctl"},
		"mdatp":           {"/usr/bin/mdatp", "/opt/microsoft/mdatp/sbin/wdavdaemonclient"},
		"clamconf":        {"/usr/bin/clamconf", "/usr/local/bin/clamconf"},
		"sigtool":         {"/usr/bin/sigtool", "/usr/local/bin/sigtool"},
		"clamdscan":       {"/usr/bin/clamdscan", "/usr/local/bin/clamdscan"},
		"nmcli":           {"/usr/bin/nmcli"},
		"wpa_cli":         {"/usr/sbin/wpa_cli", "/sbin/wpa_cli"},
		"iwctl":           {"/usr/bin/iwctl"},
		"clamscan":        {"/usr/bin/clamscan", "/usr/local/bin/clamscan"},
		"falconctl":       {"/opt/CrowdStrike/falconctl"},
		"sentinelctl":     {"/opt/sentinelone/bin/sentinelctl"},
		"bduitool":        {"/opt/bitdefender-security-tools/bin/bduitool"},
		"gsettings":       {"/usr/bin/gsettings"},
		"xset":            {"/usr/bin/xset"},
		"pw-dump":         {"/usr/bin/pw-dump"},
		"pactl":           {"/usr/bin/pactl"},
	},
	"darwin": {
		"fdesetup":        {"/usr/bin/fdesetup"},
		"diskutil":        {"/usr/sbin/diskutil"},
		"socketfilterfw":  {"/usr/libexec/ApplicationFirewall/socketfilterfw"},
		"system_profiler": {"/usr/sbin/system_profiler"},
		"defaults":        {"/usr/bin/defaults"},
		"profiles":        {"/usr/bin/profiles"},
		"pfctl":           {"/sbin/pfctl"},
		"spctl":           {"/usr/sbin/spctl"},
		"mdatp":           {"/usr/local/bin/mdatp"},
		"plutil":          {"/usr/bin/plutil"},
		"sw_vers":         {"/usr/bin/sw_vers"},
		"pkgutil":         {"/usr/sbin/pkgutil"},
		"dscl":            {"/usr/bin/dscl"},
		"dsmemberutil":    {"/usr/bin/dsmemberutil"},
		"wdutil":          {"/usr/bin/wdutil"},
		"ipconfig":        {"/usr/sbin/ipconfig"},
		"sysadminctl":     {"/usr/sbin/sysadminctl"},
		"pmset":           {"/usr/bin/pmset"},
	},
	"windows": {
		"manage-bde": {`{system}\manage-bde.exe`},
		"netsh":      {`{system}\netsh.exe`},
		"powershell": {`{system}\WindowsPowerShell\v1.0\powershell.exe`},
		"mpcmdrun":   {`{programfiles}\Windows Defender\MpCmdRun.exe`},
		"powercfg":   {`{system}\powercfg.exe`},
		"reg":        {`{system}\reg.exe`},
	},
}

// AllowedCommands returns the candidate absolute paths for a logical command
// name on goos, with the Windows placeholders expanded by expand.
func AllowedCommands(goos, name string, expand func(string) string) ([]string, error) {
	paths, ok := allowList[goos][name]
	if !ok {
		return nil, fmt.Errorf("%s on %s: %w", name, goos, ErrNotAllowed)
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if expand != nil {
			p = expand(p)
		}
		out = append(out, p)
	}
	return out, nil
}

// expandWindowsPath replaces the {system} and {programfiles} placeholders.
func expandWindowsPath(p, system, programFiles string) string {
	p = strings.ReplaceAll(p, "{system}", strings.TrimRight(system, `\`))
	return strings.ReplaceAll(p, "{programfiles}", strings.TrimRight(programFiles, `\`))
}
