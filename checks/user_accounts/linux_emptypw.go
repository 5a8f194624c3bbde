package useraccounts

import (
	"errors"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Another account with no password is a way in for anyone at the
// computer: pam_unix accepts an account whose password field is empty
// without asking for a password when its auth rule carries nullok, as
// Debian's and Ubuntu's common-auth, Fedora's system-auth and Arch's do;
// the login screen (GDM's "Not listed?", LightDM's and SDDM's user lists)
// and the text console (login) take any account's name. The person at
// the screen's own account is judged by passwd -S (ConsolePassword).

// emptyPasswordServices are the PAM services whose rules decide whether an
// empty password is accepted at this computer: the text console's login,
// and the sign-in service of each display manager judged.
func emptyPasswordServices(judged []string) []string {
	services := []string{"login"}
	for _, dm := range judged {
		if s, ok := dmPAMServices[dm]; ok && !slices.Contains(services, s) {
			services = append(services, s)
		}
	}
	return services
}

// judgeOtherEmptyPasswords sets lf.OtherEmptyPassword: on when an account
// with a login shell other than the person at the screen's (person; nil
// when nobody is, or it is not known, is signed in there: every such
// account) has an empty password field and a sign-in service's PAM rules
// accept one; unknown when /etc/passwd, /etc/shadow or those rules could
// not be read. passwd is /etc/passwd as read (passwdOK false when it could
// not be). A login shell here is any shell that does not end the sign-in
// at once (refusesLogin): /etc/shells is not read, since login, su and the
// display managers start whatever shell the account names, listed there
// or not (an empty password with /usr/bin/python3 as the shell gives an
// interpreter at the console). Accounts are counted, never named.
func judgeOtherEmptyPasswords(p probe.Probe, root string, person *probe.User, passwd []unixlogin.Passwd, passwdOK bool, lf *linuxFacts, f *facts) {
	if !passwdOK {
		lf.OtherEmptyPassword = stateUnknown
		return
	}
	var others []unixlogin.Passwd
	for _, e := range passwd {
		if !refusesLogin(e.Shell) && (person == nil || !e.IsAccountOf(*person)) {
			others = append(others, e)
		}
	}
	var shadow map[string]string
	if slices.ContainsFunc(others, func(e unixlogin.Passwd) bool { return e.Password == shadowedPassword }) {
		b, err := p.ReadFile(unixlogin.Under(root, "/etc/shadow"))
		switch {
		case errors.Is(err, probe.ErrNotFound):
			// No shadow file: pam_unix finds no password for an "x"
			// account, empty or not.
		case err != nil:
			f.addError("/etc/shadow", err)
			lf.ShadowNeedsRoot = errors.Is(err, probe.ErrAccessDenied)
			lf.OtherEmptyPassword = stateUnknown
			return
		default:
			var ok bool
			if shadow, ok = parseShadow(b); !ok {
				f.Errors = append(f.Errors, "/etc/shadow: not recognised")
				lf.OtherEmptyPassword = stateUnknown
				return
			}
		}
	}
	n := 0
	for _, e := range others {
		if hash, ok := passwordField(e, shadow); ok && hash == "" {
			n++
		}
	}
	lf.EmptyPasswordAccounts = n
	if n == 0 {
		lf.OtherEmptyPassword = stateOff
		return
	}
	unknown := false
	for _, service := range emptyPasswordServices(lf.Judged) {
		file, err := unixlogin.EmptyPasswordAccepted(p, root, service)
		switch {
		case err != nil:
			f.addError(service+" PAM service ("+unixlogin.Where(err, service)+")", err)
			unknown = true
		case file != "":
			lf.EmptyPasswordAcceptedBy = file
			lf.OtherEmptyPassword = stateOn
			return
		}
	}
	lf.OtherEmptyPassword = stateOff
	if unknown {
		lf.OtherEmptyPassword = stateUnknown
	}
}

// shadowedPassword is /etc/passwd's password field when /etc/shadow holds
// the password.
const shadowedPassword = "x"

// passwordField is the password pam_unix checks for the account: its
// /etc/shadow field when /etc/passwd says "x", else /etc/passwd's own
// field. ok is false when there is none (an "x" account without a shadow
// line: pam_unix refuses it).
func passwordField(e unixlogin.Passwd, shadow map[string]string) (hash string, ok bool) {
	if e.Password != shadowedPassword {
		return e.Password, true
	}
	hash, ok = shadow[e.Name]
	return hash, ok
}

// parseShadow reads /etc/shadow into each account's password field ("":
// none, "!…" or "*": locked). ok is false when no line was understood.
func parseShadow(b []byte) (fields map[string]string, ok bool) {
	fields = map[string]string{}
	for _, line := range unixlogin.Lines(b) {
		parts := strings.Split(line, ":")
		if len(parts) < 2 || parts[0] == "" || strings.HasPrefix(parts[0], "#") {
			continue
		}
		if _, seen := fields[parts[0]]; !seen {
			fields[parts[0]] = parts[1]
		}
	}
	return fields, len(fields) > 0
}
