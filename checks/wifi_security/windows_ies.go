package wifisecurity

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/wlanie"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows: the access point's own elements. netsh shows what this
// computer negotiated (authentication, pairwise cipher); the WLAN API's
// BSS list keeps the RSN and WPA elements of the access point's last
// beacon or probe response (probe.WLANAssociations: nothing is scanned),
// which say which group cipher every device shares and whether WPA1 is
// still offered. They are graded by the rules iw's text gets on Linux
// (wlanie names the suites in iw's words).

// Why a WPA2 connection's elements were not read (facts.Unread, after
// netshUnverified): the connection is unknown (cipher_unverified).
const (
	wlanDenied     = "wlanapi: access denied (Windows location permission)"
	wlanNotListed  = "wlanapi: the access point is not in Windows' list of networks in range"
	wlanNoElements = "wlanapi: the access point's RSN/WPA elements were not recognised"
	wlanNoMatch    = "wlanapi: no association matched netsh's access point"
	wlanNoService  = "wlanapi: no WLAN service (WLAN AutoConfig not running, or no wlanapi.dll)"
	// wlanNotAsked: the facts or the evidence bundle come from an agent
	// older than the WLAN API route (probe.ErrUnavailable in a replay).
	wlanNotAsked = "wlanapi: not asked (an agent or evidence bundle older than SessionGuard's reading of the access point's elements)"
)

// withWLANElements grades every WPA2 connection of conns (bssids: netsh's
// access point address of each) by its access point's elements (as, err:
// the WLAN API's answer), in place.
// It returns why some could not be (nil when all were); netsh's answer
// alone cannot pass them.
func withWLANElements(as []probe.WLANAssociation, err error, conns []connection, bssids []string) []string {
	if why := wlanFailure(err); why != "" {
		return []string{why}
	}
	var why []string
	for i := range conns {
		if !needsIEs(conns[i]) {
			continue
		}
		a, ok := associationOf(as, bssids[i], len(conns))
		reason := ""
		switch {
		case !ok:
			reason = wlanNoMatch
		case a.Error != "":
			reason = "wlanapi: " + a.Error
		case !a.Listed:
			reason = wlanNotListed
		default:
			b, group, ok := elementsSecurity(a.IEs)
			if !ok {
				reason = wlanNoElements
				break
			}
			conns[i] = withIEs(conns[i], b)
			conns[i].GroupCipher = group
		}
		if reason != "" && !slices.Contains(why, reason) {
			why = append(why, reason)
		}
	}
	return why
}

// associationOf finds the association of the access point netsh named
// (by BSSID: netsh and the WLAN API print it alike, and an evidence
// bundle gives both the same pseudonym); without a BSSID from netsh, the
// one association when netsh listed one connection.
func associationOf(as []probe.WLANAssociation, bssid string, conns int) (probe.WLANAssociation, bool) {
	if bssid != "" {
		for _, a := range as {
			if strings.EqualFold(a.BSSID, bssid) {
				return a, true
			}
		}
		return probe.WLANAssociation{}, false
	}
	if conns == 1 && len(as) == 1 {
		return as[0], true
	}
	return probe.WLANAssociation{}, false
}

// elementsSecurity grades an access point by its raw RSN and WPA elements
// as iwSecurity grades iw's text of them; group is the group cipher
// (RSN's, else WPA's) in lower case. ok is false when neither element is
// there or one could not be read.
func elementsSecurity(ies []byte) (b iwBSS, group string, ok bool) {
	rsnEl, wpaEl, err := wlanie.Security(ies)
	if err != nil || rsnEl == nil && wpaEl == nil {
		return iwBSS{}, "", false
	}
	var rsn, wpa *iwIE
	if rsnEl != nil {
		s, err := wlanie.RSN(rsnEl.Body)
		if err != nil {
			return iwBSS{}, "", false
		}
		rsn, group = iwWords(s), strings.ToLower(s.Group)
	}
	if wpaEl != nil {
		s, err := wlanie.WPA(wpaEl.Body)
		if err != nil {
			return iwBSS{}, "", false
		}
		wpa = iwWords(s)
		if group == "" {
			group = strings.ToLower(s.Group)
		}
	}
	// An RSN or WPA element means Privacy is set; the capability field
	// only matters without them.
	b = iwSecurity(rsn, wpa, true, true)
	b.Conn.Raw = "wlanapi: " + strings.TrimPrefix(b.Conn.Raw, "iw: ")
	return b, group, b.CiphersKnown
}

// iwWords is an element's suites as iw prints them.
func iwWords(s wlanie.Suites) *iwIE {
	return &iwIE{group: s.Group, pairwise: strings.Join(s.Pairwise, " "), akm: strings.Join(s.AKM, " ")}
}
