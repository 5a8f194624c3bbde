package evidence

import (
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

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
	// ProfileXML is the connection's profile with every text value but
	// true, false and numbers replaced (ScrubProfileXML); ProfileError
	// why it could not be read.
	ProfileXML   string `json:"profile_xml,omitempty"`
	ProfileError string `json:"profile_error,omitempty"`
	Error        string `json:"error,omitempty"`
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
		b := WLANBSS{SSID: a.SSID, BSSID: a.BSSID, Listed: a.Listed, Security: a.Security,
			ProfileXML: ScrubProfileXML(a.ProfileXML), ProfileError: a.ProfileError, Error: a.Error}
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
		out = append(out, probe.WLANAssociation{SSID: b.SSID, BSSID: b.BSSID, Listed: b.Listed, IEs: ies, Security: b.Security,
			ProfileXML: b.ProfileXML, ProfileError: b.ProfileError, Error: b.Error})
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

// ScrubProfileXML keeps a Wi-Fi profile's XML structure (element names,
// namespaces, attributes) and the text values that are true, false or a
// number (EAP method types, switches), and replaces every other text value
// (the profile's and network's names, server names, certificate hashes,
// user names) and every attribute value but a namespace with "x", so a
// value that was set stays set. Comments are dropped. XML whose tokens
// cannot be read is dropped whole.
func ScrubProfileXML(doc string) string {
	if doc == "" {
		return ""
	}
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = false
	// The text is already UTF-8, whatever the declaration says
	// (WlanGetProfile's is UTF-16, converted by the probe).
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out strings.Builder
	last := int64(0)
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		switch t := tok.(type) {
		case xml.CharData:
			v := strings.TrimSpace(string(t))
			out.WriteString(doc[last:start])
			if v == "" || keptProfileValue(v) {
				out.WriteString(doc[start:end])
			} else {
				out.WriteString("x")
			}
			last = end
		case xml.Comment:
			out.WriteString(doc[last:start])
			last = end
		case xml.StartElement:
			if tag, changed := scrubbedTag(t, doc[start:end]); changed {
				out.WriteString(doc[last:start])
				out.WriteString(tag)
				last = end
			}
		}
	}
	out.WriteString(doc[last:])
	return out.String()
}

// scrubbedTag is a start tag with the value of every attribute but a
// namespace declaration replaced; changed is false when it has none.
func scrubbedTag(t xml.StartElement, raw string) (tag string, changed bool) {
	var b strings.Builder
	b.WriteString("<" + qualified(t.Name))
	for _, a := range t.Attr {
		v := a.Value
		if a.Name.Space != "xmlns" && !(a.Name.Space == "" && a.Name.Local == "xmlns") {
			v, changed = "x", true
		}
		b.WriteString(" " + qualified(a.Name) + `="`)
		_ = xml.EscapeText(&b, []byte(v))
		b.WriteString(`"`)
	}
	if strings.HasSuffix(raw, "/>") {
		b.WriteString("/")
	}
	b.WriteString(">")
	return b.String(), changed
}

// qualified is a raw token's name as written (prefix:local).
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// keptProfileValue reports whether a profile's text value says nothing of
// where or who: true, false, or digits.
func keptProfileValue(v string) bool {
	if v == "true" || v == "false" {
		return true
	}
	return strings.Trim(v, "0123456789") == ""
}
