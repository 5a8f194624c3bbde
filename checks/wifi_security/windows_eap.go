package wifisecurity

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows: how an 802.1X (Enterprise) connection's profile checks the
// network's authentication server, from the profile's XML (WlanGetProfile,
// no key asked for: probe.WLANAssociation.ProfileXML). Microsoft's
// EapHostConfig puts the outer EAP method in EapMethod/Type (13 EAP-TLS,
// 21 EAP-TTLS, 25 PEAP) and its server check in the method's
// ServerValidation element: ServerNames (the names the server's
// certificate must carry; empty: any name) and TrustedRootCA (TTLS:
// TrustedRootCAHash; the CAs it must chain to). PEAP's
// PeapExtensions/PerformServerValidation and EAP-TLS's
// PerformServerValidation (the V2 schemas) false turn the check off. The
// profile's and network's names, the server names and CA hashes are never
// kept: only whether each is set, in an eapProfile graded as on Linux.

// windowsEAPMethods names the outer EAP types whose server check the
// profile describes (IANA EAP numbers).
var windowsEAPMethods = map[int]string{13: "tls", 21: "ttls", 25: "peap"}

// parseWindowsEAP reads an 802.1X profile's server check. ok is false
// when the XML does not parse, names no EAP method, or a TLS-based
// method without a ServerValidation element.
func parseWindowsEAP(doc string) (p eapProfile, ok bool) {
	dec := xml.NewDecoder(strings.NewReader(doc))
	// The probe hands over UTF-8, whatever the declaration says.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []string
	method, eapDepth := -1, 0
	var validation, perform, names, ca, inValidation bool
	performSet := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return eapProfile{}, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			stack = append(stack, name)
			switch {
			case name == "Eap":
				eapDepth++
			case name == "ServerValidation" && !validation:
				validation, inValidation = true, true
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return eapProfile{}, false
			}
			switch stack[len(stack)-1] {
			case "Eap":
				eapDepth--
			case "ServerValidation":
				inValidation = false
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			v := strings.TrimSpace(string(t))
			if v == "" || len(stack) < 2 {
				continue
			}
			el, parent := stack[len(stack)-1], stack[len(stack)-2]
			switch {
			case el == "Type" && parent == "EapMethod" && method < 0:
				n, err := strconv.Atoi(v)
				if err != nil {
					return eapProfile{}, false
				}
				method = n
			case inValidation && el == "ServerNames":
				names = true
			case inValidation && (el == "TrustedRootCA" || el == "TrustedRootCAHash"):
				ca = true
			case el == "PerformServerValidation" && eapDepth == 1 && !performSet:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return eapProfile{}, false
				}
				perform, performSet = b, true
			}
		}
	}
	if method < 0 {
		return eapProfile{}, false
	}
	name, known := windowsEAPMethods[method]
	if !known {
		return eapProfile{Methods: []string{fmt.Sprintf("eap-%d", method)}}, true
	}
	if !validation {
		return eapProfile{}, false
	}
	p.Methods = []string{name}
	if performSet && !perform {
		// The check is off: no CA and no name is checked.
		return p, true
	}
	// With no CA of its own, Windows checks the server's certificate
	// against every root CA the computer trusts (the public web's).
	p.CACert, p.SystemCA, p.ServerName = ca, !ca, names
	return p, true
}

// wlanFailure words why the WLAN API did not answer ("" when it did).
func wlanFailure(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, probe.ErrUnavailable):
		return wlanNotAsked
	case errors.Is(err, probe.ErrAccessDenied):
		return wlanDenied
	case errors.Is(err, probe.ErrNotFound):
		return wlanNoService
	}
	return "wlanapi: " + errWord(err)
}

// profileNotRead is why an 802.1X connection's profile is not in the
// WLAN API's answer: an agent or evidence bundle from before it was read.
const profileNotRead = "wlanapi: not read (an agent or evidence bundle older than SessionGuard's reading of the Wi-Fi profile)"

// readWindowsEAP reads, for every connection that signs in with 802.1X,
// how its profile checks the authentication server (bssids: each
// connection's access point address, to find its association). When one
// cannot be read the server check is unverified: a pass cannot stand.
func readWindowsEAP(as []probe.WLANAssociation, asErr error, f *facts, bssids []string) {
	if why := wlanFailure(asErr); why != "" {
		if errors.Is(asErr, probe.ErrUnavailable) {
			why = profileNotRead
		}
		serverUnverified(f, "the 802.1X profile: "+why, errors.Is(asErr, probe.ErrAccessDenied))
		return
	}
	var profiles []eapProfile
	for i, c := range f.Connections {
		if !c.Enterprise {
			continue
		}
		a, ok := associationOf(as, bssids[i], len(f.Connections))
		why := ""
		switch {
		case !ok:
			why = wlanNoMatch
		case a.ProfileError != "":
			why = "wlanapi: the Wi-Fi profile could not be read: " + a.ProfileError
		case a.ProfileXML == "":
			why = "the 802.1X profile: " + profileNotRead
		}
		if why != "" {
			serverUnverified(f, why, false)
			return
		}
		p, ok := parseWindowsEAP(a.ProfileXML)
		if !ok {
			serverUnverified(f, "wlanapi: the Wi-Fi profile's 802.1X settings were not recognised", false)
			return
		}
		profiles = append(profiles, p)
	}
	f.EAPRead, f.EAPProfiles = true, profiles
}
