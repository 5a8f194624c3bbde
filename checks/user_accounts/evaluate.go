package useraccounts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/internal/text"
)

const unknownFix = "SessionGuard could not read how this computer signs people in. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// evaluate judges the facts: a guest account, automatic login or an account
// that signs in without a password (the person's own, or on Linux another
// one the login screen accepts with an empty password) fails, a
// session user who is an administrator warns, anything that could not be
// read is unknown (never pass, never fail).
func evaluate(f facts, _ checks.Policy) checks.Result {
	var failed, unknown []string
	var fixes []string
	builtinOn := builtinAdministratorOn(f)
	if builtinOn {
		fixes = append(fixes, builtinAdministratorFix)
	}
	if f.AutoLogin == stateOn {
		failed = append(failed, autoLoginSentence(f))
		fixes = append(fixes, autoLoginFix(f))
	}
	if f.Guest == stateOn {
		failed = append(failed, "the guest account is on")
		fixes = append(fixes, guestFix(f))
	}
	switch f.ConsolePassword {
	case passwordEmpty:
		failed = append(failed, "your account has no password, so anyone at this computer can sign in as you and unlock your screen")
		fixes = append(fixes, noPasswordFix)
	case passwordUnknown:
		unknown = append(unknown, "whether your account has a password")
	}
	if f.Linux != nil {
		switch f.Linux.OtherEmptyPassword {
		case stateOn:
			failed = append(failed, otherNoPasswordSentence(f.Linux.EmptyPasswordAccounts))
			fixes = append(fixes, otherNoPasswordFix)
		case stateUnknown:
			unknown = append(unknown, "whether the other accounts on this computer have a password")
		}
	}
	if f.AutoLogin != stateOn && f.AutoLogin != stateOff {
		unknown = append(unknown, "whether automatic login is on")
	}
	if f.Guest != stateOn && f.Guest != stateOff {
		unknown = append(unknown, "whether the guest account is on")
	}
	admin := f.ConsoleUserAdmin == stateOn
	adminUnknown := f.ConsoleUserAdmin != stateOn && f.ConsoleUserAdmin != stateOff && f.ConsoleUserAdmin != stateNotApplicable
	if adminUnknown {
		unknown = append(unknown, "whether you are using an administrator account")
	}
	if admin {
		fixes = append(fixes, adminFix(f))
	}
	leftover := f.AutoLogin == stateOff && f.Darwin != nil && f.Darwin.KCPassword != nil && *f.Darwin.KCPassword
	if f.AutoLogin == stateOff && f.Darwin != nil && f.Darwin.KCPassword == nil {
		// /etc could not be listed: a saved automatic-login password
		// (a warning) may be left.
		unknown = append(unknown, "whether a saved automatic-login password is still on this Mac")
	}
	if leftover {
		fixes = append(fixes, kcpasswordFix)
	}

	count := accountsSentence(f.HumanAccounts)
	r := checks.Result{}
	switch {
	case len(failed) > 0:
		r.Status = checks.Fail
		s := text.Capitalise(text.JoinAnd(failed)) + "."
		if admin {
			s += " You are also using an administrator account."
		}
		if builtinOn {
			s += " The built-in Administrator account is also turned on."
		}
		r.Summary = s + count
		r.Fix = strings.Join(fixes, " ")
	case len(unknown) > 0:
		r.Status = checks.Unknown
		r.Summary = "Could not tell " + text.JoinAnd(unknown) + "."
		if admin {
			r.Summary += " You are using an administrator account for everyday work."
		}
		if builtinOn {
			r.Summary += " The built-in Administrator account is turned on."
		}
		r.Summary += count
		r.Reason = joinErrors(f.Errors)
		if f.Linux != nil && f.Linux.AdminNeedsRoot {
			fixes = append(fixes, rootOnlyFix)
		}
		if f.Darwin != nil && f.Darwin.AdminNeedsRoot {
			fixes = append(fixes, darwinRootOnlyFix)
		}
		if f.Linux != nil && f.Linux.ShadowNeedsRoot {
			fixes = append(fixes, shadowRootOnlyFix)
		}
		if f.Windows != nil && f.Windows.AdminUnresolved {
			fixes = append(fixes, directoryGroupFix)
		}
		r.Fix = strings.Join(append(fixes, unknownFix), " ")
	case admin || leftover || builtinOn:
		r.Status = checks.Warn
		var buts []string
		if admin {
			buts = append(buts, "you are using an administrator account for everyday work")
		}
		if leftover {
			buts = append(buts, "a saved automatic-login password is still on this Mac")
		}
		if builtinOn {
			buts = append(buts, "the built-in Administrator account is turned on (one administrator account shared by whoever knows its password)")
		}
		s := "Guest account and automatic login are off, but " + text.JoinAnd(buts)
		r.Summary = s + "." + count
		r.Fix = strings.Join(fixes, " ")
	default:
		r.Status = checks.Pass
		s := "Guest account and automatic login are off"
		if f.ConsoleUserAdmin == stateNotApplicable {
			s += "; nobody is signed in at the screen, so the administrator check does not apply"
		} else {
			s += ", and you use a standard account"
		}
		r.Summary = s + "." + count
	}
	return r
}

// builtinAdministratorOn says whether Windows' built-in Administrator is
// enabled: one administrator account shared by whoever knows its
// password, a warning. Win32_UserAccount's PasswordRequired false
// (UF_PASSWD_NOTREQD) is recorded but not judged: it says the password
// rules do not apply to the account, not that its password is blank, and
// Windows sets it on ordinary accounts (net user shows "Password required
// No" for accounts linked to a Microsoft account), so failing on it would
// fail people whose account has a password.
// An enabled built-in Administrator whose password LAPS manages (unique to
// the PC, rotated, kept by the organisation) is not such a shared account.
func builtinAdministratorOn(f facts) bool {
	return f.Windows != nil && f.Windows.BuiltinAdministrator == "enabled" && !f.Windows.BuiltinAdministratorLAPS
}

const builtinAdministratorFix = "Turn off the built-in Administrator account: open Command Prompt as an administrator (Start, type cmd, right-click Command Prompt > Run as administrator) and run: net user Administrator /active:no (the account may have another name in your Windows language), or ask your IT support."

func accountsSentence(n *int) string {
	switch {
	case n == nil:
		return ""
	case *n == 1:
		return " 1 user account on this computer."
	default:
		return fmt.Sprintf(" %d user accounts on this computer.", *n)
	}
}

// autoLoginSentence says how the computer signs someone in without a
// password: automatically, or at the login screen by its PAM settings.
func autoLoginSentence(f facts) string {
	if f.Linux != nil && len(f.Linux.AutoLoginVia) > 0 && !slices.ContainsFunc(f.Linux.AutoLoginVia, func(v string) bool { return !strings.HasPrefix(v, "pam_") }) {
		return "the login screen signs you in without a password"
	}
	return "automatic login is on"
}

func autoLoginFix(f facts) string {
	switch f.OS {
	case "darwin":
		return "Turn off automatic login: open the Apple menu > System Settings > Users & Groups and set \"Automatically log in as\" to Off."
	case "windows":
		return "Turn off automatic login: press Windows+R, type netplwiz and press Enter, tick \"Users must enter a user name and password to use this computer\" and click OK (if that box is missing, ask your IT support to turn automatic sign-in off)."
	}
	var via []string
	var rules []unixlogin.Rule
	if f.Linux != nil {
		via, rules = f.Linux.AutoLoginVia, f.Linux.PAMRules
	}
	var parts []string
	if slices.Contains(via, unixlogin.ViaNoPasswdGroup) {
		in := "the nopasswdlogin group"
		if r := pamRule(rules, unixlogin.ViaNoPasswdGroup); r.Group != "" {
			in = "the group " + r.Group + ", let in by " + r.File
		}
		parts = append(parts, "Your account signs in without a password at the login screen (it is in "+in+"): "+unixlogin.NoPasswdGroupFix)
	}
	if slices.Contains(via, unixlogin.ViaSucceedIf) {
		r := pamRule(rules, unixlogin.ViaSucceedIf)
		parts = append(parts, "The login screen lets your account in without a password (a pam_succeed_if rule in "+pamWhere(r)+" whose conditions your account meets): "+unixlogin.SucceedIfFix(r.File))
	}
	if slices.Contains(via, unixlogin.ViaPermit) {
		r := pamRule(rules, unixlogin.ViaPermit)
		parts = append(parts, "The login screen lets anyone sign in without a password (pam_permit in "+pamWhere(r)+"): "+unixlogin.PermitFix(r.File))
	}
	if slices.ContainsFunc(via, func(v string) bool { return strings.HasPrefix(v, "gdm_") }) {
		parts = append(parts, "Turn off automatic login: open Settings > Users (or System > Users), click Unlock, and switch off Automatic Login.")
	}
	if slices.Contains(via, "sddm_autologin") {
		parts = append(parts, "Turn off automatic login: open System Settings > Login Screen (SDDM) > Behavior and untick \"Automatically log in\".")
	}
	if slices.ContainsFunc(via, func(v string) bool { return strings.HasPrefix(v, "lightdm_") }) {
		parts = append(parts, "Turn off automatic login on the login screen: ask your IT support to remove the automatic login from the LightDM settings.")
	}
	if slices.Contains(via, "greetd_initial_session") {
		parts = append(parts, "Turn off automatic login: ask your IT support to remove the [initial_session] section from /etc/greetd/config.toml.")
	}
	if slices.Contains(via, "ly_auto_login") {
		parts = append(parts, "Turn off automatic login: ask your IT support to set auto_login_user = null in /etc/ly/config.ini.")
	}
	if slices.Contains(via, "lxdm_autologin") {
		parts = append(parts, "Turn off automatic login: ask your IT support to remove the autologin= line from /etc/lxdm/lxdm.conf.")
	}
	if slices.Contains(via, "nodm") {
		parts = append(parts, "This computer uses nodm, which always signs one account in without a password: ask your IT support to replace it with a login screen that asks for a password (for example LightDM).")
	}
	if slices.Contains(via, "getty_autologin") {
		parts = append(parts, "The text console also signs in by itself: ask your IT support to remove the automatic console login.")
	}
	if len(parts) == 0 {
		parts = append(parts, "Turn off automatic login in the login screen settings, or ask your IT support to do it.")
	}
	return strings.Join(parts, " ")
}

func guestFix(f facts) string {
	switch f.OS {
	case "darwin":
		if f.Darwin != nil && f.Darwin.ManagedGuestOn {
			return "A configuration profile from your organisation turns the Guest account on: ask your IT support to change the profile so guests cannot log in."
		}
		return "Turn off the Guest account: open the Apple menu > System Settings > Users & Groups, click the (i) next to Guest User and turn off \"Allow guests to log in to this computer\"."
	case "windows":
		return "Turn off the Guest account: ask your IT support to disable it (Computer Management > Local Users and Groups > Users > Guest > tick \"Account is disabled\")."
	}
	return "Turn off the guest login on the login screen: ask your IT support to switch guest sessions off (LightDM: allow-guest=false)."
}

func adminFix(f facts) string {
	const lead = "You are using an administrator account for everyday work."
	switch f.OS {
	case "windows":
		if f.Windows != nil && f.Windows.AdminEquivalent != "" {
			return lead + " Your account is in the " + f.Windows.AdminEquivalent + " group, which can do what an administrator does (" + equivalentPower(f.Windows.AdminEquivalent) + "): ask your IT support to take it out of that group (Computer Management > Local Users and Groups > Groups) and keep such rights for a separate account."
		}
		return lead + " Ask your IT support to give you a standard account for sessions (Settings > Accounts > Other users > Change account type > Standard User) and keep the administrator account for installing software."
	case "darwin":
		if f.Darwin != nil && len(f.Darwin.AdminVia) > 0 {
			return lead + " Your account is a standard account, but a sudo rule (in /etc/sudoers or a file in /private/etc/sudoers.d) lets it run any command as the administrator: ask your IT support to remove that rule, and keep administrator rights for a separate account."
		}
		return lead + " Ask your IT support to give you a standard account for sessions (System Settings > Users & Groups > Add User, type Standard) and keep the administrator account for installing software."
	}
	return lead + " Ask your IT support to give you a standard account for sessions (one that is not in the sudo, wheel, docker, lxd, libvirt or disk group and that no sudoers, doas or polkit rule makes an administrator) and keep the administrator account for installing software."
}

// equivalentPower says in a few words what makes a Windows group act as
// an administrator.
func equivalentPower(group string) string {
	if group == "Backup Operators" {
		return "read and replace any file on this computer, system files included"
	}
	return "control every virtual machine and the disks they use"
}

const noPasswordFix = passwdstatus.EmptyFix

// otherNoPasswordSentence says that n other accounts (never named) have
// no password.
func otherNoPasswordSentence(n int) string {
	if n > 1 {
		return fmt.Sprintf("%d other accounts on this computer have no password, so anyone at the login screen can sign in to them", n)
	}
	return "another account on this computer has no password, so anyone at the login screen can sign in to it"
}

const otherNoPasswordFix = "Give every account on this computer a password, or remove the accounts nobody uses: open Settings > Users (or System Settings > Users), click Unlock, choose each account and set a password or remove it; in a terminal, sudo passwd -S -a lists the accounts (NP: no password) and sudo passwd NAME sets one. Or ask your IT support."

// darwinRootOnlyFix is the fix when the Mac's sudoers could not be read.
const darwinRootOnlyFix = "SessionGuard could not read who may act as administrator through sudo (/etc/sudoers and /private/etc/sudoers.d can only be read by root): let the SessionGuard service run the check (it runs as root), or run `sudo sessionguard check`."

// shadowRootOnlyFix is the fix when /etc/shadow could not be read.
const shadowRootOnlyFix = "SessionGuard could not read which accounts have a password (/etc/shadow can only be read by root): let the SessionGuard service run the check (it runs as root), or run `sudo sessionguard check`."

const directoryGroupFix = "You sign in with a domain or Microsoft Entra ID account, and this computer could not tell which of its groups you are in: ask your IT support whether your account is an administrator here (for example through \"Device Local Administrators\" or \"Domain Admins\"); signing out and in again lets Windows record your groups for the next check."

const kcpasswordFix = "A saved automatic-login password is still on this Mac: open System Settings > Users & Groups, set \"Automatically log in as\" to your account and then back to Off, which deletes it, or ask your IT support."

// pamWhere names the file a rule is in, or "its PAM settings" when the
// facts do not say.
func pamWhere(r unixlogin.Rule) string {
	if r.File == "" {
		return "its PAM settings"
	}
	return r.File
}

// pamRule is the first of rules letting a person in via via; the zero
// rule when there is none (facts recorded before rules were).
func pamRule(rules []unixlogin.Rule, via string) unixlogin.Rule {
	if i := slices.IndexFunc(rules, func(r unixlogin.Rule) bool { return r.Via == via }); i >= 0 {
		return rules[i]
	}
	return unixlogin.Rule{}
}
