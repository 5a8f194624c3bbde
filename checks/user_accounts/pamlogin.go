package useraccounts

import (
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// A display manager signs a person in without a password when its PAM
// service lets them through before asking for one: a `sufficient`
// pam_permit (everyone), or a `sufficient` pam_succeed_if with
// `user ingroup G` (the members of G). Ubuntu's and Linux Mint's LightDM
// carry the second for the nopasswdlogin group, which their user settings
// join to "log in without a password" while the account keeps one (so
// passwd -S says set); Debian's SDDM has the line commented out. The
// display manager's own service file is read, and the files it includes
// (@include, include, substack) one level down, where a sufficient
// pam_permit at the top of common-auth would let everyone in everywhere.

// dmPAMServices are the PAM services the display managers sign people in
// with.
var dmPAMServices = map[string]string{"gdm": "gdm-password", "lightdm": "lightdm", "sddm": "sddm"}

// pamPasswordless reads a PAM service and returns whether it lets everyone
// in without a password, the groups whose members it lets in so, and the
// services it includes for authentication.
func pamPasswordless(b []byte) (everyone bool, groups, includes []string) {
	for line := range strings.Lines(string(b)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "@include" {
			includes = append(includes, f[1])
			continue
		}
		if len(f) < 3 || strings.TrimPrefix(f[0], "-") != "auth" {
			continue
		}
		if f[1] == "include" || f[1] == "substack" {
			includes = append(includes, f[2])
			continue
		}
		control, module, args := f[1], f[2], f[3:]
		if strings.HasPrefix(control, "[") {
			// [success=done …]: the bracket may span several words.
			for len(args) > 0 && !strings.HasSuffix(control, "]") {
				control += " " + module
				module, args = args[0], args[1:]
			}
			if !strings.HasSuffix(control, "]") {
				continue
			}
		}
		if control != "sufficient" && !strings.Contains(control, "success=done") {
			continue
		}
		switch path.Base(module) {
		case "pam_permit.so":
			everyone = true
		case "pam_succeed_if.so":
			for i := 0; i+2 < len(args); i++ {
				if args[i] == "user" && args[i+1] == "ingroup" {
					groups = append(groups, strings.Split(args[i+2], ":")...)
				}
			}
		}
	}
	return everyone, groups, includes
}

// passwordlessLogin judges the display manager dm's PAM service for the
// person at the screen u (nobody signed in: any account of a person):
// "pam_permit" when everyone signs in without a password,
// "pam_nopasswd_group" when the person is in a group it lets in so; ""
// when neither; err when the service or /etc/group could not be read.
func passwordlessLogin(p probe.Probe, root, dm string, u *probe.User, passwd []passwdEntry, uidMin, uidMax int) (string, error) {
	service, ok := dmPAMServices[dm]
	if !ok {
		return "", nil
	}
	b, err := p.ReadFile(under(root, "/etc/pam.d/"+service))
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	everyone, groups, includes := pamPasswordless(b)
	for _, inc := range includes {
		if strings.Contains(inc, "/") {
			continue // only services in /etc/pam.d
		}
		ib, err := p.ReadFile(under(root, "/etc/pam.d/"+inc))
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			return "", err
		}
		e, g, _ := pamPasswordless(ib)
		everyone, groups = everyone || e, append(groups, g...)
	}
	if everyone {
		return "pam_permit", nil
	}
	if len(groups) == 0 {
		return "", nil
	}
	if len(passwd) == 0 {
		return "", errors.New("the accounts (/etc/passwd) could not be read to tell who is in " + strings.Join(groups, ", "))
	}
	gb, err := p.ReadFile(under(root, "/etc/group"))
	if err != nil {
		return "", err
	}
	all, ok := parseGroup(gb)
	if !ok {
		return "", errors.New("/etc/group: not recognised")
	}
	for _, e := range passwd {
		person := e.UID >= uidMin && e.UID <= uidMax
		if u != nil {
			person = isAccountOf(e, *u)
		}
		if person && inAnyGroup(e, all, func(name string) bool { return slices.Contains(groups, name) }) {
			return "pam_nopasswd_group", nil
		}
	}
	return "", nil
}
