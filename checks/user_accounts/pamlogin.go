package useraccounts

import (
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// A display manager signs a person in without a password when its PAM
// service lets them through before asking for one (unixlogin.Passwordless
// reads the rules).

// dmPAMServices are the PAM services the display managers sign people in
// with.
var dmPAMServices = map[string]string{"gdm": "gdm-password", "lightdm": "lightdm", "sddm": "sddm"}

// passwordlessLogin judges the display manager dm's PAM service for the
// person at the screen u (nobody signed in: any account of a person): a
// rule via "pam_permit" when everyone signs in without a password, via
// "pam_nopasswd_group" when the person is in a group it lets in so; the
// zero rule when neither; err when the service, /etc/passwd (passwd, the
// accounts already read; nil when they could not be) or /etc/group could
// not be read.
func passwordlessLogin(p probe.Probe, root, dm string, u *probe.User, passwd []unixlogin.Passwd, uidMin, uidMax int) (unixlogin.Rule, error) {
	service, ok := dmPAMServices[dm]
	if !ok {
		return unixlogin.Rule{}, nil
	}
	return unixlogin.Passwordless(p, root, service, passwd, func(e unixlogin.Passwd) bool {
		if u != nil {
			return e.IsAccountOf(*u)
		}
		return e.UID >= uidMin && e.UID <= uidMax
	})
}
