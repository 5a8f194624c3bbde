package probe

import "fmt"

// Command is the logical name of a command a check may run, one of the Cmd
// values below (Probe.Run(ctx, probe.CmdNft, "-j", "list", "ruleset")). It
// has no exported fields, so a check cannot make one up: a misspelt name
// does not compile, and every command a check can ask for is in this table.
type Command struct{ name string }

// String is the logical name ("nft"), as evidence bundles record it.
func (c Command) String() string { return c.name }

// The allow-list: every command a check may run and, per GOOS, the absolute
// paths the live probe tries, in order. Nothing else is ever executed, and
// never through a shell. On Windows, {system} is the system directory
// (C:\Windows\System32) and {programfiles} the Program Files directory,
// both asked of the OS rather than taken from the environment.
//
// To add a command: one line here, `CmdName = allow("name", on(GOOS,
// paths...)...)`, with the paths on each OS that has it.
var (
	// Linux
	CmdLoginctl        = allow("loginctl", on("linux", "/usr/bin/loginctl", "/bin/loginctl"))
	CmdPasswd          = allow("passwd", on("linux", "/usr/bin/passwd", "/bin/passwd"))
	CmdFindmnt         = allow("findmnt", on("linux", "/usr/bin/findmnt", "/bin/findmnt"))
	CmdLsblk           = allow("lsblk", on("linux", "/usr/bin/lsblk", "/bin/lsblk"))
	CmdBlkid           = allow("blkid", on("linux", "/usr/sbin/blkid", "/sbin/blkid"))
	CmdCryptsetup      = allow("cryptsetup", on("linux", "/usr/sbin/cryptsetup", "/sbin/cryptsetup"))
	CmdDmsetup         = allow("dmsetup", on("linux", "/usr/sbin/dmsetup", "/sbin/dmsetup"))
	CmdSwapon          = allow("swapon", on("linux", "/usr/sbin/swapon", "/sbin/swapon"))
	CmdZfs             = allow("zfs", on("linux", "/usr/sbin/zfs", "/sbin/zfs"))
	CmdFscrypt         = allow("fscrypt", on("linux", "/usr/bin/fscrypt", "/usr/local/bin/fscrypt"))
	CmdNft             = allow("nft", on("linux", "/usr/sbin/nft", "/sbin/nft"))
	CmdIptables        = allow("iptables", on("linux", "/usr/sbin/iptables", "/sbin/iptables"))
	CmdIp6tables       = allow("ip6tables", on("linux", "/usr/sbin/ip6tables", "/sbin/ip6tables"))
	CmdIptablesLegacy  = allow("iptables-legacy", on("linux", "/usr/sbin/iptables-legacy", "/sbin/iptables-legacy"))
	CmdIp6tablesLegacy = allow("ip6tables-legacy", on("linux", "/usr/sbin/ip6tables-legacy", "/sbin/ip6tables-legacy"))
	CmdIptablesSave    = allow("iptables-save", on("linux", "/usr/sbin/iptables-save", "/sbin/iptables-save"))
	CmdUfw             = allow("ufw", on("linux", "/usr/sbin/ufw", "/sbin/ufw"))
	CmdFirewallCmd     = allow("firewall-cmd", on("linux", "/usr/bin/firewall-cmd", "/bin/firewall-cmd"))
	CmdSystemctl       = allow("systemctl", on("linux", "/usr/bin/systemctl", "/bin/systemctl"))
	CmdClamconf        = allow("clamconf", on("linux", "/usr/bin/clamconf", "/usr/local/bin/clamconf"))
	CmdSigtool         = allow("sigtool", on("linux", "/usr/bin/sigtool", "/usr/local/bin/sigtool"))
	CmdClamdscan       = allow("clamdscan", on("linux", "/usr/bin/clamdscan", "/usr/local/bin/clamdscan"))
	CmdClamscan        = allow("clamscan", on("linux", "/usr/bin/clamscan", "/usr/local/bin/clamscan"))
	CmdNmcli           = allow("nmcli", on("linux", "/usr/bin/nmcli"))
	CmdWpaCli          = allow("wpa_cli", on("linux", "/usr/sbin/wpa_cli", "/sbin/wpa_cli"))
	CmdIwctl           = allow("iwctl", on("linux", "/usr/bin/iwctl"))
	CmdIw              = allow("iw", on("linux", "/usr/sbin/iw", "/sbin/iw"))
	CmdFalconctl       = allow("falconctl", on("linux", "/opt/CrowdStrike/falconctl"))
	CmdSentinelctl     = allow("sentinelctl", on("linux", "/opt/sentinelone/bin/sentinelctl"))
	CmdBduitool        = allow("bduitool", on("linux", "/opt/bitdefender-security-tools/bin/bduitool"))
	CmdGsettings       = allow("gsettings", on("linux", "/usr/bin/gsettings"))
	CmdGdbus           = allow("gdbus", on("linux", "/usr/bin/gdbus"))
	CmdXset            = allow("xset", on("linux", "/usr/bin/xset"))
	CmdSs              = allow("ss", on("linux", "/usr/bin/ss", "/bin/ss", "/usr/sbin/ss", "/sbin/ss"))
	CmdAptConfig       = allow("apt-config", on("linux", "/usr/bin/apt-config"))
	CmdStat            = allow("stat", on("linux", "/usr/bin/stat", "/bin/stat"))
	CmdDnf             = allow("dnf", on("linux", "/usr/bin/dnf"))
	CmdZypper          = allow("zypper", on("linux", "/usr/bin/zypper"))
	CmdPacman          = allow("pacman", on("linux", "/usr/bin/pacman"))
	CmdSnap            = allow("snap", on("linux", "/usr/bin/snap"))
	CmdPwDump          = allow("pw-dump", on("linux", "/usr/bin/pw-dump"))
	CmdPactl           = allow("pactl", on("linux", "/usr/bin/pactl"))

	// Linux and macOS
	CmdMdatp = allow("mdatp",
		on("linux", "/usr/bin/mdatp", "/opt/microsoft/mdatp/sbin/wdavdaemonclient"),
		on("darwin", "/usr/local/bin/mdatp"))

	// macOS
	CmdFdesetup       = allow("fdesetup", on("darwin", "/usr/bin/fdesetup"))
	CmdDiskutil       = allow("diskutil", on("darwin", "/usr/sbin/diskutil"))
	CmdSocketfilterfw = allow("socketfilterfw", on("darwin", "/usr/libexec/ApplicationFirewall/socketfilterfw"))
	CmdSystemProfiler = allow("system_profiler", on("darwin", "/usr/sbin/system_profiler"))
	CmdDefaults       = allow("defaults", on("darwin", "/usr/bin/defaults"))
	CmdProfiles       = allow("profiles", on("darwin", "/usr/bin/profiles"))
	CmdPfctl          = allow("pfctl", on("darwin", "/sbin/pfctl"))
	CmdSpctl          = allow("spctl", on("darwin", "/usr/sbin/spctl"))
	CmdPlutil         = allow("plutil", on("darwin", "/usr/bin/plutil"))
	CmdSwVers         = allow("sw_vers", on("darwin", "/usr/bin/sw_vers"))
	CmdPkgutil        = allow("pkgutil", on("darwin", "/usr/sbin/pkgutil"))
	CmdDscl           = allow("dscl", on("darwin", "/usr/bin/dscl"))
	CmdDsmemberutil   = allow("dsmemberutil", on("darwin", "/usr/bin/dsmemberutil"))
	CmdWdutil         = allow("wdutil", on("darwin", "/usr/bin/wdutil"))
	CmdIpconfig       = allow("ipconfig", on("darwin", "/usr/sbin/ipconfig"))
	CmdSysadminctl    = allow("sysadminctl", on("darwin", "/usr/sbin/sysadminctl"))
	CmdPmset          = allow("pmset", on("darwin", "/usr/bin/pmset"))
	CmdLaunchctl      = allow("launchctl", on("darwin", "/bin/launchctl"))
	CmdNetstat        = allow("netstat", on("darwin", "/usr/sbin/netstat"))

	// Windows
	CmdManageBDE  = allow("manage-bde", on("windows", `{system}\manage-bde.exe`))
	CmdNetsh      = allow("netsh", on("windows", `{system}\netsh.exe`))
	CmdPowershell = allow("powershell", on("windows", `{system}\WindowsPowerShell\v1.0\powershell.exe`))
	CmdMpCmdRun   = allow("mpcmdrun", on("windows", `{programfiles}\Windows Defender\MpCmdRun.exe`))
	CmdPowercfg   = allow("powercfg", on("windows", `{system}\powercfg.exe`))
	CmdQwinsta    = allow("qwinsta", on("windows", `{system}\qwinsta.exe`))
	CmdReg        = allow("reg", on("windows", `{system}\reg.exe`))
)

// allowList maps GOOS and command name to the candidate paths; allow
// fills it.
var allowList = map[string]map[string][]string{}

// osPaths are a command's candidate paths on one GOOS.
type osPaths struct {
	goos  string
	paths []string
}

func on(goos string, paths ...string) osPaths { return osPaths{goos, paths} }

// allow adds a command to the allow-list. A name listed twice is a
// programming error and stops the program at start-up.
func allow(name string, where ...osPaths) Command {
	c := Command{name}
	for _, w := range where {
		if allowList[w.goos] == nil {
			allowList[w.goos] = map[string][]string{}
		}
		if _, dup := allowList[w.goos][name]; dup || len(w.paths) == 0 {
			panic("probe: allow-list entry " + name + " on " + w.goos + " is listed twice or has no path")
		}
		allowList[w.goos][name] = w.paths
	}
	return c
}

// AllowedCommands returns the candidate absolute paths for the command
// named name (Command.String) on goos, with the Windows placeholders
// expanded by expand. Only the live probe asks: a check runs a Command.
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
