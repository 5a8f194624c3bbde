package wifisecurity

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// nmcliFields is the -f list the check asks nmcli dev wifi list for: the
// SECURITY summary and the WPA (version 1) and RSN (WPA2/WPA3) flags, which
// name the ciphers the access point offers (TKIP among them).
const nmcliFields = "ACTIVE,SSID,SECURITY,WPA-FLAGS,RSN-FLAGS"

// nmcliList is what nmcli -t -f ACTIVE,SSID,SECURITY[,WPA-FLAGS,RSN-FLAGS]
// dev wifi list said.
type nmcliList struct {
	// Recognised is false when a line did not have three fields or an
	// ACTIVE value was neither a known "yes" nor a known "no".
	Recognised bool
	// Networks is how many access points were listed.
	Networks int
	// Active are the networks marked active (the SSID is dropped).
	Active []connection
}

// nmcli translates the ACTIVE column (_("yes") / _("no")) even in terse
// mode. The words of the languages NetworkManager ships translations for
// that users most often run, lower-cased.
var (
	nmcliYes = map[string]bool{"yes": true, "ja": true, "oui": true, "sí": true, "si": true, "sì": true, "sim": true,
		"tak": true, "да": true, "ano": true, "igen": true, "evet": true, "kyllä": true, "da": true, "jah": true,
		"はい": true, "是": true, "예": true, "ναι": true, "так": true, "bai": true}
	nmcliNo = map[string]bool{"no": true, "nein": true, "non": true, "não": true, "nao": true, "nie": true,
		"нет": true, "ne": true, "nee": true, "nej": true, "nem": true, "hayır": true, "ei": true,
		"いいえ": true, "否": true, "아니요": true, "όχι": true, "ні": true, "ez": true}
)

// splitTerse splits one nmcli terse line on ':' that are not escaped;
// "\:" stands for ':' and "\\" for '\' inside a value.
func splitTerse(line string) []string {
	var fields []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == ':':
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(fields, cur.String())
}

// parseNmcliWifiList parses nmcli -t -f ACTIVE,SSID,SECURITY,WPA-FLAGS,RSN-FLAGS
// dev wifi list (or the three-field form without the flags). Every line
// must have the same number of fields. Empty output (NetworkManager knows no Wi-Fi device, or the radio is off)
// is recognised and lists nothing.
func parseNmcliWifiList(b []byte) nmcliList {
	out := nmcliList{Recognised: true}
	width := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := splitTerse(line)
		if (len(f) != 3 && len(f) != 5) || (width != 0 && len(f) != width) {
			return nmcliList{}
		}
		width = len(f)
		active := strings.ToLower(strings.TrimSpace(f[0]))
		out.Networks++
		switch {
		case nmcliYes[active]:
			c := nmcliSecurity(f[2])
			if len(f) == 5 {
				c = nmcliFlags(c, f[3], f[4])
			}
			out.Active = append(out.Active, c)
		case nmcliNo[active]:
		default:
			return nmcliList{}
		}
	}
	return out
}

// nmcliSecurity maps nmcli's SECURITY words ("", "WEP", "WPA1", "WPA2",
// "WPA3", "OWE", "OWE-TM", "802.1X", space-separated; NetworkManager
// before 1.0 printed "WPA" where later versions print "WPA1") to a
// connection. "OWE-TM" (printed when the access point carries the OWE
// transition element but no OWE key management) is the open half of an
// OWE transition pair: open. An
// access point that offers several is graded by the strongest, which is
// what NetworkManager's supplicant picks, except that one still offering
// WPA1 beside WPA2 or WPA3 ("WPA1 WPA2", "WPA WPA2") is mixed mode: it
// admits WPA1 and TKIP. WPA2 WPA3 (transition mode) is not mixed.
func nmcliSecurity(s string) connection {
	s = strings.TrimSpace(s)
	c := connection{Raw: s}
	if s == "" || s == "--" {
		c.Security = secOpen
		if s == "" {
			c.Raw = "(none)"
		}
		return c
	}
	has := map[string]bool{}
	for _, tok := range strings.Fields(s) {
		switch tok {
		case "WEP", "WPA1", "WPA2", "WPA3", "OWE", "OWE-TM", "802.1X":
			has[tok] = true
		case "WPA":
			has["WPA1"] = true
		default:
			return c // unrecognised word: Security stays ""
		}
	}
	c.Enterprise = has["802.1X"]
	c.Mixed = has["WPA1"] && (has["WPA2"] || has["WPA3"])
	switch {
	case has["WPA3"]:
		c.Security = secWPA3
	case has["WPA2"]:
		c.Security = secWPA2
	case has["WPA1"]:
		c.Security = secWPA
	case has["OWE"]:
		c.Security = secOWE
	case has["WEP"]:
		c.Security = secWEP
	case has["OWE-TM"]:
		c.Security = secOpen
	}
	return c
}

// nmcliFlags adds what nmcli's WPA-FLAGS and RSN-FLAGS columns say about
// the ciphers to c: flags such as "pair_tkip pair_ccmp group_tkip psk",
// "pair_ccmp group_ccmp psk sae", or "(none)" (some versions translate it,
// so any parenthesised word is "none"). An access point whose WPA1 flags
// are set beside RSN ones is mixed mode; TKIP among the RSN ciphers beside
// CCMP or GCMP is mixed too (the group key all devices share is TKIP);
// TKIP alone is the TKIP cipher. Flags that name no cipher leave Cipher
// unset.
func nmcliFlags(c connection, wpaFlags, rsnFlags string) connection {
	wpa, wpaSet := nmcliFlagSet(wpaFlags)
	rsn, rsnSet := nmcliFlagSet(rsnFlags)
	if c.Security != secWPA2 && c.Security != secWPA3 {
		if c.Security == secWPA && (wpa["pair_tkip"] || wpa["group_tkip"]) {
			c.Cipher = "tkip"
		}
		return c
	}
	if wpaSet && rsnSet {
		c.Mixed = true
	}
	strong := rsn["pair_ccmp"] || rsn["pair_gcmp"] || rsn["pair_ccmp_256"] || rsn["pair_gcmp_256"]
	tkip := rsn["pair_tkip"] || rsn["group_tkip"]
	switch {
	case tkip && strong:
		c.Mixed = true
	case rsn["pair_tkip"]:
		c.Cipher = "tkip"
	case rsn["pair_gcmp"] || rsn["pair_gcmp_256"]:
		c.Cipher = "gcmp"
	case strong:
		c.Cipher = "ccmp"
	}
	return c
}

// nmcliFlagSet splits one flags column into NetworkManager's flag words
// (pair_*, group_*, psk, 802.1X, sae, owe...); set is false when it names
// none: "(none)" in whatever language, "--" or an empty column.
func nmcliFlagSet(s string) (flags map[string]bool, set bool) {
	flags = map[string]bool{}
	for _, tok := range strings.Fields(s) {
		tok = strings.ToLower(tok)
		switch {
		case strings.HasPrefix(tok, "pair_"), strings.HasPrefix(tok, "group_"),
			tok == "psk", tok == "802.1x", tok == "sae", tok == "owe", tok == "owe_transition_mode",
			tok == "eap_suite_b_192":
			flags[tok], set = true, true
		}
	}
	return flags, set
}

// wpaCliStatus is what wpa_cli status said.
type wpaCliStatus struct {
	// Recognised is true when a wpa_state line was found.
	Recognised bool
	// State is wpa_state, e.g. "COMPLETED", "DISCONNECTED", "SCANNING".
	State string
	// Connected is true for wpa_state=COMPLETED.
	Connected bool
	// Conn is the connection's security when Connected.
	Conn connection
	// Group is the group cipher wpa_supplicant reports ("CCMP", "TKIP").
	Group string
	// Denied is true when the control socket could not be opened for lack
	// of permission.
	Denied bool
}

// parseWpaCliStatus parses wpa_cli status (key=value lines, optionally
// after "Selected interface 'wlan0'").
func parseWpaCliStatus(stdout, stderr []byte) wpaCliStatus {
	var st wpaCliStatus
	kv := map[string]string{}
	for _, line := range strings.Split(string(stdout), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			kv[k] = v
		}
	}
	all := string(stdout) + string(stderr)
	if strings.Contains(all, "Permission denied") {
		st.Denied = true
	}
	state, ok := kv["wpa_state"]
	if !ok {
		return st
	}
	st.Recognised = true
	st.State = state
	if state != "COMPLETED" {
		return st
	}
	st.Connected, st.Group = true, kv["group_cipher"]
	st.Conn = wpaKeyMgmt(kv["key_mgmt"], kv["pairwise_cipher"], kv["group_cipher"])
	return st
}

// wpaKeyMgmt maps wpa_supplicant's key_mgmt and cipher names to a
// connection.
func wpaKeyMgmt(keyMgmt, pairwise, group string) connection {
	c := connection{Raw: strings.TrimSpace(keyMgmt + " " + pairwise)}
	c.Cipher = wpaCipher(pairwise)
	km := strings.ToUpper(strings.TrimSpace(keyMgmt))
	switch km {
	case "NONE":
		if strings.HasPrefix(strings.ToUpper(pairwise), "WEP") || strings.HasPrefix(strings.ToUpper(group), "WEP") {
			c.Security, c.Cipher = secWEP, "wep"
		} else {
			c.Security = secOpen
		}
	case "IEEE 802.1X (NO WPA)":
		c.Security, c.Enterprise = secWEP, true
	case "WPA-PSK", "WPA-NONE":
		c.Security = secWPA
	case "WPA/IEEE 802.1X/EAP":
		c.Security, c.Enterprise = secWPA, true
	case "WPA2-PSK", "WPA2-PSK-SHA256", "FT-PSK":
		c.Security = secWPA2
	case "WPA2/IEEE 802.1X/EAP", "WPA2-EAP-SHA256", "FT-EAP", "FT-EAP-SHA384", "WPA2-EAP-SHA384",
		"FILS-SHA256", "FILS-SHA384", "FT-FILS-SHA256", "FT-FILS-SHA384":
		c.Security, c.Enterprise = secWPA2, true
	case "SAE", "FT-SAE", "SAE-EXT-KEY", "FT-SAE-EXT-KEY":
		c.Security = secWPA3
	case "WPA2-EAP-SUITE-B", "WPA2-EAP-SUITE-B-192":
		c.Security, c.Enterprise = secWPA3, true
	case "OWE":
		c.Security = secOWE
	}
	// A WPA2 connection whose group key is TKIP (while its own key is not)
	// is on a WPA/WPA2 mixed-mode network: the access point still admits
	// WPA1 and TKIP devices.
	if c.Security == secWPA2 && c.Cipher != "tkip" && wpaCipher(group) == "tkip" {
		c.Mixed = true
	}
	return c
}

func wpaCipher(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "CCMP"):
		return "ccmp"
	case strings.HasPrefix(s, "GCMP"):
		return "gcmp"
	case s == "TKIP":
		return "tkip"
	case strings.HasPrefix(s, "WEP"):
		return "wep"
	case s == "NONE":
		return "none"
	}
	return ""
}

// iwctlStation is what iwctl station <dev> show said.
type iwctlStation struct {
	// Recognised is true when a State row was found.
	Recognised bool
	State      string
	Connected  bool
	// Conn is the connection when Connected; Security is "" when iwd did
	// not report it (older iwd, or an open network).
	Conn connection
	// NotRunning is true when iwd was not reachable.
	NotRunning bool
}

var (
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	multiSpace = regexp.MustCompile(`\s{2,}`)
)

// parseIwctlStation parses the property table of iwctl station <dev> show.
func parseIwctlStation(stdout, stderr []byte) iwctlStation {
	var st iwctlStation
	text := ansiEscape.ReplaceAllString(string(stdout), "")
	errText := ansiEscape.ReplaceAllString(string(stderr), "")
	if strings.Contains(text+errText, "IWD") && (strings.Contains(text+errText, "Waiting for IWD") ||
		strings.Contains(text+errText, "Failed to retrieve IWD")) {
		st.NotRunning = true
	}
	props := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "---") {
			continue
		}
		parts := multiSpace.Split(line, -1)
		if len(parts) > 0 && parts[0] == "*" {
			parts = parts[1:]
		}
		if len(parts) < 2 {
			continue
		}
		if _, seen := props[parts[0]]; !seen {
			props[parts[0]] = strings.Join(parts[1:], " ")
		}
	}
	state, ok := props["State"]
	if !ok {
		return st
	}
	st.Recognised, st.State = true, state
	if state != "connected" {
		return st
	}
	st.Connected = true
	st.Conn = iwdSecurity(props["Security"])
	return st
}

// iwdSecurity maps iwd's diagnostic Security string ("WPA2-Personal",
// "WPA1-Personal", "WPA3-Personal + FT", "WPA2-Enterprise", "OWE") to a
// connection. An empty string is not recognised: older iwd versions leave
// it out, and so does iwd for open networks.
func iwdSecurity(s string) connection {
	s = strings.TrimSpace(s)
	c := connection{Raw: s}
	base, _, _ := strings.Cut(s, " + ")
	switch strings.TrimSpace(base) {
	case "WPA1-Personal":
		c.Security = secWPA
	case "WPA1-Enterprise":
		c.Security, c.Enterprise = secWPA, true
	case "WPA2-Personal":
		c.Security = secWPA2
	case "WPA2-Enterprise", "FILS":
		c.Security, c.Enterprise = secWPA2, true
	case "WPA3-Personal":
		c.Security = secWPA3
	case "WPA3-Enterprise":
		c.Security, c.Enterprise = secWPA3, true
	case "OWE":
		c.Security = secOWE
	case "Open", "open":
		c.Security = secOpen
	}
	return c
}

// sysfsWireless reports whether a /sys/class/net/<dev>/uevent names a
// wireless device (DEVTYPE=wlan, set by cfg80211 for every Wi-Fi
// interface).
func sysfsWireless(uevent []byte) bool {
	for _, line := range strings.Split(string(uevent), "\n") {
		if strings.TrimSpace(line) == "DEVTYPE=wlan" {
			return true
		}
	}
	return false
}
