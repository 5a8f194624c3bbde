package wifisecurity

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// nmcliActiveFields is the -f list the check asks nmcli connection show
// --active for: each active profile's UUID and type ("802-11-wireless"
// for Wi-Fi).
const nmcliActiveFields = "UUID,TYPE"

// nmcliWifiType is the terse TYPE of a Wi-Fi profile.
const nmcliWifiType = "802-11-wireless"

// Properties of a profile the check reads for its 802.1X sign-in (never a
// secret: no --show-secrets, no identity, no password).
const (
	propKeyMgmt           = "802-11-wireless-security.key-mgmt"
	propEAP               = "802-1x.eap"
	propCACert            = "802-1x.ca-cert"
	propCAPath            = "802-1x.ca-path"
	propSystemCACerts     = "802-1x.system-ca-certs"
	propDomainSuffixMatch = "802-1x.domain-suffix-match"
	propDomainMatch       = "802-1x.domain-match"
	propAltsubjectMatch   = "802-1x.altsubject-matches"
)

// nmcliEAPFields is the -f list of nmcli connection show uuid <uuid>.
var nmcliEAPFields = strings.Join([]string{propKeyMgmt, propEAP, propCACert, propCAPath,
	propSystemCACerts, propDomainSuffixMatch, propDomainMatch, propAltsubjectMatch}, ",")

// eapProfile is how one active NetworkManager Wi-Fi profile that signs in
// with 802.1X checks the network's authentication server. No path, domain
// or account name is kept: only whether each is set.
type eapProfile struct {
	// Methods are the EAP methods the profile allows ("peap", "ttls",
	// "tls", "fast", "pwd", "leap", "md5").
	Methods []string `json:"methods"`
	// CACert is true when a CA certificate (802-1x.ca-cert, a file, a
	// blob or a PKCS#11 object) or CA directory (ca-path) is set.
	CACert bool `json:"ca_cert,omitempty"`
	// SystemCA is true when 802-1x.system-ca-certs trusts every CA of
	// the system's store (the public web's).
	SystemCA bool `json:"system_ca,omitempty"`
	// ServerName is true when the server certificate's name is checked
	// (domain-suffix-match, domain-match or altsubject-matches).
	ServerName bool `json:"server_name,omitempty"`
}

// enterpriseKeyMgmt are the 802-11-wireless-security.key-mgmt values of
// a profile that signs in with 802.1X.
var enterpriseKeyMgmt = map[string]bool{"wpa-eap": true, "wpa-eap-suite-b-192": true, "ieee8021x": true}

// parseNmcliActive parses nmcli -t -f UUID,TYPE connection show --active
// into the UUIDs of the active Wi-Fi profiles. ok is false when a line
// does not have two fields.
func parseNmcliActive(b []byte) (wifi []string, ok bool) {
	for _, f := range terseLines(b) {
		if len(f) != 2 || strings.TrimSpace(f[0]) == "" {
			return nil, false
		}
		if strings.TrimSpace(f[1]) == nmcliWifiType {
			wifi = append(wifi, strings.TrimSpace(f[0]))
		}
	}
	return wifi, true
}

// terseLines splits nmcli's terse output into each non-blank line's
// fields.
func terseLines(b []byte) [][]string {
	var lines [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			lines = append(lines, splitTerse(line))
		}
	}
	return lines
}

// parseNmcliEAP parses nmcli -t -f <nmcliEAPFields> connection show uuid
// <uuid>: one "property:value" line per property of a setting the profile
// has (none for a setting it lacks; an unset value is empty, "--" in the
// non-terse form; a certificate stored in the profile itself prints
// "<hidden>"). enterprise is false for a profile that does not sign in
// with 802.1X; ok is false when the answer was not recognised.
func parseNmcliEAP(b []byte) (p eapProfile, enterprise, ok bool) {
	props := map[string]string{}
	for _, f := range terseLines(b) {
		if len(f) < 2 {
			return eapProfile{}, false, false
		}
		v := strings.TrimSpace(strings.Join(f[1:], ":"))
		if v == "--" {
			v = ""
		}
		props[strings.TrimSpace(f[0])] = v
	}
	km, hasKM := props[propKeyMgmt]
	if !hasKM {
		// An open profile has neither setting, so nmcli prints
		// nothing; an 802.1X one has both.
		return eapProfile{}, false, len(props) == 0
	}
	if !enterpriseKeyMgmt[strings.ToLower(km)] {
		return eapProfile{}, false, km != ""
	}
	eap, hasEAP := props[propEAP]
	sys := strings.ToLower(props[propSystemCACerts])
	if !hasEAP || eap == "" || (!nmcliYes[sys] && !nmcliNo[sys]) {
		return eapProfile{}, true, false
	}
	for _, m := range strings.Split(eap, ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			p.Methods = append(p.Methods, m)
		}
	}
	p.CACert = props[propCACert] != "" || props[propCAPath] != ""
	p.SystemCA = nmcliYes[sys]
	p.ServerName = props[propDomainSuffixMatch] != "" || props[propDomainMatch] != "" || props[propAltsubjectMatch] != ""
	return p, true, true
}

// readEAPProfiles reads how each active NetworkManager Wi-Fi profile that
// signs in with 802.1X checks the network's authentication server, for a
// connection to an 802.1X (Enterprise) access point: the access point's
// flags say what it offers, the profile what this computer does. When a
// profile cannot be read, the server check is unverified (a pass cannot
// stand).
func readEAPProfiles(ctx context.Context, p probe.Probe, f *facts) {
	out, err := p.Run(ctx, probe.CmdNmcli, "-t", "-f", nmcliActiveFields, "connection", "show", "--active")
	if why, denied := nmcliFailed("nmcli connection show --active", out, err); why != "" {
		serverUnverified(f, why, denied)
		return
	}
	uuids, ok := parseNmcliActive(out.Stdout)
	switch {
	case !ok:
		serverUnverified(f, "nmcli connection show --active: output not recognised", false)
		return
	case len(uuids) == 0:
		serverUnverified(f, "nmcli connection show --active: no active Wi-Fi profile listed", false)
		return
	}
	var profiles []eapProfile
	for _, uuid := range uuids {
		out, err := p.Run(ctx, probe.CmdNmcli, "-t", "-f", nmcliEAPFields, "connection", "show", "uuid", uuid)
		if why, denied := nmcliFailed("nmcli connection show (802.1X settings)", out, err); why != "" {
			serverUnverified(f, why, denied)
			return
		}
		prof, enterprise, ok := parseNmcliEAP(out.Stdout)
		if !ok {
			serverUnverified(f, "nmcli connection show (802.1X settings): output not recognised", false)
			return
		}
		if enterprise {
			profiles = append(profiles, prof)
		}
	}
	f.EAPRead, f.EAPProfiles = true, profiles
}

// nmcliFailed says why an nmcli run did not answer ("" when it did), and
// whether it was refused.
func nmcliFailed(what string, out probe.Output, err error) (why string, denied bool) {
	switch {
	case err != nil:
		return what + ": " + errWord(err), errors.Is(err, probe.ErrAccessDenied)
	case out.ExitCode != 0:
		return fmt.Sprintf("%s: exit status %d", what, out.ExitCode), false
	}
	return "", false
}

// serverUnverified notes that how this computer checks an 802.1X
// network's authentication server could not be read: a pass cannot stand.
func serverUnverified(f *facts, why string, denied bool) {
	unread(f, why, denied, problemServerUnverified)
}

// hasEnterprise reports whether a connection signs in with 802.1X.
func hasEnterprise(conns []connection) bool {
	return slices.ContainsFunc(conns, func(c connection) bool { return c.Enterprise })
}
