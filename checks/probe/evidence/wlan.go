package evidence

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sessionguard/sessionguard/checks/internal/wlanie"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// WLANFile records probe.WLANAssociations (Windows' WLAN API): the
// connected interfaces' access points, with pseudonyms for their network
// names and addresses and only the RSN and WPA elements of what they
// broadcast. A bundle without it never asked (replay: could not tell).
const WLANFile = "wlan_bss.json"

// WLANRecord is DIR/wlan_bss.json.
type WLANRecord struct {
	Associations []WLANBSS `json:"associations"`
	// Error is set when the WLAN service could not be asked (other than
	// by a denial, which denied.json keeps); NotFound when there was none.
	Error    string `json:"error,omitempty"`
	NotFound bool   `json:"not_found,omitempty"`
}

// WLANBSS is one association as a bundle keeps it.
type WLANBSS struct {
	// SSID and BSSID are pseudonyms (the same ones netsh's output gets in
	// the same bundle: "network-…", "address-…"); a hidden SSID stays "".
	SSID   string `json:"ssid"`
	BSSID  string `json:"bssid"`
	Listed bool   `json:"listed"`
	// IEsHex are the access point's RSN and WPA elements (wlanie.Keep), in
	// hex; every other element (network name, vendor and WPS elements with
	// device names and serial numbers) is dropped.
	IEsHex string `json:"ies_hex,omitempty"`
	// Security is the connection's security attributes (numbers only).
	Security *probe.WLANSecurity `json:"security,omitempty"`
	Error    string              `json:"error,omitempty"`
}

// WLANAssociations asks the inner probe and records its answer: the
// associations in wlan_bss.json, a denial in denied.json, another failure
// as wlan_bss.json's error. A probe that cannot tell leaves no file.
func (r *Recorder) WLANAssociations() ([]probe.WLANAssociation, error) {
	as, err := probe.WLANAssociations(r.inner)
	switch {
	case errors.Is(err, probe.ErrUnavailable):
		return as, err
	case errors.Is(err, probe.ErrAccessDenied):
		r.deny(err, Denied{Kind: "wlan"})
		return as, err
	}
	rec := &WLANRecord{Associations: make([]WLANBSS, 0, len(as))}
	if err != nil {
		rec.Error, rec.NotFound = err.Error(), errors.Is(err, probe.ErrNotFound)
	}
	for _, a := range as {
		b := WLANBSS{SSID: a.SSID, BSSID: a.BSSID, Listed: a.Listed, Security: a.Security, Error: a.Error}
		if b.SSID != "" {
			b.SSID = pseudonym("network", a.SSID)
		}
		if b.BSSID != "" {
			b.BSSID = pseudonym("address", a.BSSID)
		}
		if a.Listed {
			b.IEsHex = hex.EncodeToString(wlanie.Keep(a.IEs))
		}
		rec.Associations = append(rec.Associations, b)
	}
	r.mu.Lock()
	r.wlan = rec
	r.mu.Unlock()
	return as, err
}

// WLANAssociations answers from wlan_bss.json: denied when denied.json
// says so, could not tell (ErrUnavailable) when the bundle never asked.
func (r *Replay) WLANAssociations() ([]probe.WLANAssociation, error) {
	switch {
	case r.denied["wlan"]:
		return nil, fmt.Errorf("WLAN associations: %w", probe.ErrAccessDenied)
	case r.wlan == nil:
		return nil, fmt.Errorf("WLAN associations (not recorded): %w", probe.ErrUnavailable)
	case r.wlan.NotFound:
		return nil, fmt.Errorf("%s: %w", r.wlan.Error, probe.ErrNotFound)
	case r.wlan.Error != "":
		return nil, errors.New(r.wlan.Error)
	}
	out := make([]probe.WLANAssociation, 0, len(r.wlan.Associations))
	for _, b := range r.wlan.Associations {
		ies, _ := hex.DecodeString(b.IEsHex) // checked by OpenReplay
		out = append(out, probe.WLANAssociation{SSID: b.SSID, BSSID: b.BSSID, Listed: b.Listed, IEs: ies, Security: b.Security, Error: b.Error})
	}
	return out, nil
}

// check is how OpenReplay finds a corrupt wlan_bss.json.
func (w *WLANRecord) check() error {
	if w == nil {
		return nil
	}
	for i, b := range w.Associations {
		if _, err := hex.DecodeString(b.IEsHex); err != nil {
			return fmt.Errorf("association %d: ies_hex: %w", i, err)
		}
	}
	return nil
}
