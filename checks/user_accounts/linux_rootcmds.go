package useraccounts

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

// Commands that, run as root, let the person run any command as root: a
// sudoers or doas.conf rule allowing one of them makes the person an
// administrator as surely as ALL does. The lists follow the well-known
// categories of programs that escape to a shell or write any file when
// run with raised privileges (GTFOBins' "Sudo" function): shells, programs
// that run other programs, editors and pagers (their ! and :! escapes),
// interpreters, and tools that copy, write or change the mode of any file.
// Unsure means admin: at worst a false fail, never a false pass.

// rootShellAnyArgs give a shell or any command whatever their arguments:
// shells and programs that start others, editors and pagers, whose shell
// escapes work on any file they were opened on.
var rootShellAnyArgs = setOf(
	// shells
	"sh", "bash", "dash", "zsh", "fish", "ksh", "ksh93", "mksh", "pdksh", "oksh", "yash", "csh", "tcsh", "ash", "rbash", "busybox", "elvish", "nu", "xonsh",
	// becoming another user, or running a command given
	"su", "sudo", "doas", "pkexec", "runuser", "setpriv", "capsh", "chroot", "nsenter", "unshare", "env", "nice", "nohup", "timeout", "stdbuf", "time", "setsid", "taskset", "ionice", "chrt", "flock", "xargs", "watch", "script", "expect", "strace", "ltrace", "gdb", "screen", "tmux", "tmate",
	// runners GTFOBins lists for sudo (start-stop-daemon -S -x /bin/sh,
	// setarch $(arch) /bin/sh, sg root, rlwrap /bin/sh …), and
	// dbus-run-session (-- PROGRAM, or --dbus-daemon any program). Bare,
	// openvt runs $SHELL on a new console and setarch (and its links
	// linux32, linux64, i386, x86_64) runs /bin/sh.
	"start-stop-daemon", "dbus-run-session", "openvt", "setarch", "linux32", "linux64", "i386", "x86_64",
	"sg", "rlwrap", "logsave", "choom", "cpulimit", "softlimit", "setlock", "multitime", "pexec", "aa-exec", "sshpass", "ssh-agent", "torify", "torsocks", "valgrind", "distcc",
	// terminal emulators: a window running root's shell on the display
	// they are given, or -e any program
	"xterm", "uxterm", "lxterm", "koi8rxterm", "x-terminal-emulator", "gnome-terminal", "gnome-terminal.wrapper", "kgx", "ptyxis", "konsole", "xfce4-terminal", "xfce4-terminal.wrapper", "lxterminal", "mate-terminal", "qterminal", "terminator", "tilix", "alacritty", "kitty", "wezterm", "foot", "footclient", "st", "urxvt", "urxvtc", "rxvt", "rxvt-unicode", "sakura", "terminology", "guake", "tilda", "yakuake", "cool-retro-term", "eterm", "Eterm", "aterm", "deepin-terminal", "ghostty", "contour",
	// editors
	"vi", "vim", "vim.basic", "vim.tiny", "vim.nox", "vim.gtk3", "view", "rvim", "rview", "vimdiff", "nvim", "ex", "ed", "red", "nano", "rnano", "pico", "emacs", "emacs-nox", "jed", "joe", "jmacs", "jpico", "jstar", "mcedit", "mc", "micro", "kak", "hx", "helix", "ne", "editor", "sensible-editor", "visudo", "vipw", "vigr",
	// pagers and what pages its output through one
	"less", "more", "most", "pg", "man", "pager", "sensible-pager", "journalctl",
)

// rootShellFreeArgs give a shell or write any file when the rule leaves
// their arguments free (no arguments written, or a wildcard among them):
// interpreters, file tools, package managers and others with an option to
// run a command; run-parts (--regex '^sh$' /bin) and agetty (-a root -l
// /bin/sh) among them. login has its own rule (rootShellCommand).
var rootShellFreeArgs = setOf(
	"find", "run-parts", "agetty", "getty", "awk", "gawk", "mawk", "nawk", "sed", "perl", "tee", "cp", "mv", "dd", "install", "ln", "chmod", "chown", "chgrp", "chattr", "setfacl", "rsync", "tar", "zip", "unzip", "cpio", "7z", "git", "make", "systemctl", "service", "systemd-run", "mount", "umount", "crontab", "at", "docker", "podman", "lxc", "kubectl", "ctr", "apt", "apt-get", "aptitude", "dpkg", "rpm", "dnf", "yum", "zypper", "pacman", "snap", "flatpak", "pip", "pip3", "npm", "gem", "cargo", "ssh", "scp", "sftp", "socat", "nc", "ncat", "netcat", "openssl", "curl", "wget", "tcpdump", "nmap", "mysql", "psql", "sqlite3", "gcc", "cc", "ld", "bpftrace", "passwd", "useradd", "usermod", "groupadd", "gpasswd", "chpasswd", "efibootmgr", "modprobe", "insmod", "dmsetup", "cryptsetup", "fdisk", "parted", "mkfs", "debugfs", "sysctl", "ip", "iptables", "nft", "update-alternatives",
)

// sudoeditHarmless are files whose editing as root gives nothing more:
// sudoedit runs the editor as the person on a copy (no shell escape as
// root), so a rule for these files alone stays narrow; any other file
// (sudoers, passwd, a unit, a cron table, a program) may give root.
var sudoeditHarmless = setOf("/etc/hosts", "/etc/hostname", "/etc/motd", "/etc/issue", "/etc/issue.net", "/etc/timezone", "/etc/resolv.conf")

// rootInterpreterRE matches interpreters and their interactive shells
// by name, versioned or not, and debug builds (python3.11, perl5.36,
// lua5.4, ipython3, python3-dbg, php-cgi8.2).
var rootInterpreterRE = regexp.MustCompile(`^(python|ipython|bpython|ptpython|ptipython|pypy|perl|ruby|jruby|irb|pry|lua|luajit|php|php-cgi|tclsh|wish|node|nodejs|deno|bun|julia|guile|R|Rscript|ghc|ghci|runghc|runhaskell|erl|escript|elixir|iex|racket|sbcl|clisp|ocaml|scala|jshell|jrunscript|jjs|octave|octave-cli|gjs|cjs|slsh|dotnet|pwsh|powershell)[0-9.]*(-dbg|m|d)?$`)

// systemctlQuiet are systemctl verbs that print nothing through a pager:
// with fixed arguments they stay narrow. Any other verb (status, show,
// cat, list-units, edit, none at all) pages its output through less,
// whose ! escape is a root shell.
var systemctlQuiet = setOf("start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart", "is-active", "is-enabled", "is-failed", "reset-failed", "kill", "poweroff", "reboot", "suspend", "hibernate")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// sudoDigestRE is a sudoers command's digest prefix (sha256:…).
var sudoDigestRE = regexp.MustCompile(`^sha(224|256|384|512):\S+\s+`)

// sudoCommandGivesRoot reports whether a sudoers Cmnd ("/usr/bin/apt
// update", "/usr/bin/less *", "/bin/", "sudoedit /etc/hosts") run as
// root gives a root shell or any root command: ALL, a directory or a
// wildcard (every program in it), a regular expression (sudo 1.9.10), or
// rootShellCommand's programs. Without arguments written any may be
// given; "" alone means none.
func sudoCommandGivesRoot(cmnd string) bool {
	fields := strings.Fields(sudoDigestRE.ReplaceAllString(strings.TrimSpace(cmnd), ""))
	if len(fields) == 0 {
		return false
	}
	prog, args := fields[0], fields[1:]
	if prog == "ALL" || strings.HasPrefix(prog, "^") || strings.HasSuffix(prog, "/") || strings.ContainsAny(prog, "*?[") {
		return true
	}
	free := len(args) == 0 || slices.ContainsFunc(args, func(a string) bool { return strings.ContainsAny(a, "*?[") })
	if len(args) == 1 && args[0] == `""` {
		args = nil
	}
	return rootShellCommand(prog, args, free)
}

// rootShellCommand reports whether the program prog, run as root with
// args (any arguments when freeArgs), gives a root shell or any root
// command.
func rootShellCommand(prog string, args []string, freeArgs bool) bool {
	name := path.Base(prog)
	switch {
	case rootShellAnyArgs[name]:
		return true
	case name == "sudoedit":
		return freeArgs || slices.ContainsFunc(args, func(f string) bool { return !sudoeditHarmless[f] })
	case name == "login":
		// login -f NAME signs in without a password when root runs it:
		// -f root is a root shell. Without -f it asks for a password.
		return freeArgs || slices.ContainsFunc(args, loginPreauthFlag)
	case freeArgs:
		return rootShellFreeArgs[name] || rootInterpreterRE.MatchString(name)
	case name == "systemctl":
		return !systemctlNoPager(args)
	}
	return false
}

// loginPreauthFlag reports whether a login argument carries -f (alone or
// among other short options: -f, -pf, -fh), login's "already
// authenticated".
func loginPreauthFlag(arg string) bool {
	return strings.HasPrefix(arg, "-") && !strings.HasPrefix(arg, "--") && strings.Contains(arg, "f")
}

// systemctlNoPager reports whether systemctl with these fixed arguments
// shows nothing through a pager: --no-pager, or a verb that prints
// nothing to page.
func systemctlNoPager(args []string) bool {
	if slices.Contains(args, "--no-pager") {
		return true
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return systemctlQuiet[a]
		}
	}
	return false
}
