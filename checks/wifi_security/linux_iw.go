package wifisecurity

import (
	"context"
	"errors"
	"path"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// iwTimeout bounds iw scan dump, which only reads the kernel's cache.
const iwTimeout = 3 * time.Second

// The kernel's view of the associated access point: `iw dev <if> scan
// dump` prints cfg80211's scan cache (NL80211_CMD_GET_SCAN, which needs
// no privilege; it never triggers a scan) with the access point this
// interface is associated with marked "-- associated". cfg80211 holds
// that entry while associated, so it does not expire from the cache. Its
// RSN and WPA information elements are what the access point offers
// every device, whatever the supplicant (wpa_supplicant, iwd, or
// NetworkManager on either) reports: a TKIP group cipher, TKIP among the
// pairwise ciphers, or a WPA (version 1) element beside RSN is WPA/WPA2
// mixed mode.

// iwScan is what iw dev <if> scan dump said.
type iwScan struct {
	// Recognised is true when iw ran and printed the cache (possibly
	// empty).
	Recognised bool
	// Associated are the access points marked "-- associated", read from
	// their information elements.
	Associated []iwBSS
	// Denied is true when nl80211 refused the request.
	Denied bool
	// Problem says, when not Recognised, what iw said ("nl80211 not
	// found", "no such device").
	Problem string
}

// iwBSS is one access point's security, from its capability field and
// its RSN and WPA information elements.
type iwBSS struct {
	// Conn is the security these elements describe; Security is "" when
	// the key management suites were not recognised.
	Conn connection
	// CiphersKnown is true when the elements say which group cipher every
	// device shares (or that there are none: open or WEP).
	CiphersKnown bool
}

// iwIE is one RSN or WPA element as iw prints it.
type iwIE struct {
	group, pairwise, akm string
}

// parseIwScanDump parses iw dev <if> scan dump.
func parseIwScanDump(stdout, stderr []byte, exit int) iwScan {
	errText := strings.TrimSpace(string(stderr))
	switch {
	case strings.Contains(errText, "Operation not permitted") || strings.Contains(errText, "Permission denied"):
		return iwScan{Denied: true, Problem: "permission denied"}
	case strings.Contains(errText, "nl80211 not found"):
		return iwScan{Problem: "nl80211 not found"}
	case strings.Contains(errText, "No such device"):
		return iwScan{Problem: "no such device"}
	case exit != 0:
		return iwScan{Problem: "exit status not zero"}
	}
	out := iwScan{Recognised: true}
	var block []string
	associated := false
	flush := func() {
		if associated {
			out.Associated = append(out.Associated, iwBSSOf(block))
		}
		block, associated = nil, false
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(stdout), "\r", ""), "\n") {
		if strings.HasPrefix(line, "BSS ") {
			flush()
			associated = strings.HasSuffix(strings.TrimSpace(line), "-- associated")
			continue
		}
		block = append(block, line)
	}
	flush()
	return out
}

// iwBSSOf reads one BSS block's capability line and RSN and WPA elements.
func iwBSSOf(lines []string) iwBSS {
	var rsn, wpa *iwIE
	var cur *iwIE
	privacy, capability := false, false
	for _, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "RSN:"):
			rsn = &iwIE{}
			cur, t = rsn, strings.TrimSpace(strings.TrimPrefix(t, "RSN:"))
		case strings.HasPrefix(t, "WPA:"):
			wpa = &iwIE{}
			cur, t = wpa, strings.TrimSpace(strings.TrimPrefix(t, "WPA:"))
		case strings.HasPrefix(t, "capability:"):
			capability = true
			privacy = strings.Contains(" "+t+" ", " Privacy ")
			cur = nil
			continue
		case !strings.HasPrefix(t, "* "):
			cur = nil
			continue
		}
		if cur == nil {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(t, "* "), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Group cipher":
			cur.group = strings.TrimSpace(v)
		case "Pairwise ciphers":
			cur.pairwise = strings.TrimSpace(v)
		case "Authentication suites":
			cur.akm = strings.TrimSpace(v)
		}
	}
	return iwSecurity(rsn, wpa, privacy, capability)
}

// iwSecurity grades an access point by its elements. RSN decides the
// version and key management (SAE: WPA3, a WPA2/WPA3 transition network
// included; PSK: WPA2; 802.1X: WPA2-Enterprise; OWE); a TKIP (or WEP)
// group cipher, TKIP beside CCMP/GCMP among the pairwise ciphers, or a WPA
// element beside RSN is mixed mode; TKIP alone is the TKIP cipher. A WPA
// element alone is WPA1; neither is WEP (Privacy set) or open.
func iwSecurity(rsn, wpa *iwIE, privacy, capability bool) iwBSS {
	if rsn == nil && wpa == nil {
		if !capability {
			return iwBSS{Conn: connection{Raw: "iw: no capability or RSN/WPA element"}}
		}
		if privacy {
			return iwBSS{Conn: connection{Security: secWEP, Cipher: "wep", Raw: "iw: Privacy, no RSN/WPA"}, CiphersKnown: true}
		}
		return iwBSS{Conn: connection{Security: secOpen, Raw: "iw: no Privacy, no RSN/WPA"}, CiphersKnown: true}
	}
	ie, version := rsn, secWPA2
	if rsn == nil {
		ie, version = wpa, secWPA
	}
	var raw []string
	if rsn != nil {
		raw = append(raw, "RSN "+rsn.String())
	}
	if wpa != nil {
		raw = append(raw, "WPA "+wpa.String())
	}
	c := connection{Raw: "iw: " + strings.Join(raw, "; ")}
	akm := iwAKM(ie.akm)
	switch {
	case version == secWPA && (akm["psk"] || akm["eap"]):
		c.Security, c.Enterprise = secWPA, akm["eap"] && !akm["psk"]
	case version == secWPA:
	case akm["suiteb"]:
		c.Security, c.Enterprise = secWPA3, true
	case akm["sae"]:
		c.Security = secWPA3
	case akm["psk"]:
		c.Security = secWPA2
	case akm["eap"]:
		c.Security, c.Enterprise = secWPA2, true
	case akm["owe"]:
		c.Security = secOWE
	}
	group, pair := iwCiphers(ie.group), iwCiphers(ie.pairwise)
	strong := pair["ccmp"] || pair["gcmp"]
	switch {
	case rsn != nil && wpa != nil:
		c.Mixed = true
	case strong && (pair["tkip"] || group["tkip"] || group["wep"]):
		c.Mixed = true
	case pair["tkip"]:
		c.Cipher = "tkip"
	case pair["gcmp"] && !pair["ccmp"]:
		c.Cipher = "gcmp"
	case pair["ccmp"]:
		c.Cipher = "ccmp"
	}
	return iwBSS{Conn: c, CiphersKnown: len(group) > 0 || gradeOf(c) == gradeInsecure}
}

func (ie *iwIE) String() string {
	return "group " + ie.group + ", pairwise " + ie.pairwise + ", " + ie.akm
}

// iwCiphers names the cipher classes in iw's cipher words ("CCMP",
// "TKIP", "GCMP-256", "WEP-104", "Use group cipher suite", "00-0f-ac:14");
// nil when none is recognised.
func iwCiphers(s string) map[string]bool {
	var m map[string]bool
	for _, tok := range strings.Fields(strings.ToUpper(s)) {
		class := ""
		switch {
		case tok == "TKIP":
			class = "tkip"
		case strings.HasPrefix(tok, "CCMP"):
			class = "ccmp"
		case strings.HasPrefix(tok, "GCMP"):
			class = "gcmp"
		case strings.HasPrefix(tok, "WEP"):
			class = "wep"
		default:
			continue
		}
		if m == nil {
			m = map[string]bool{}
		}
		m[class] = true
	}
	return m
}

// iwAKM classifies iw's authentication suite words ("PSK", "FT/PSK",
// "PSK/SHA-256", "SAE", "FT/SAE", "IEEE 802.1X", "FT/IEEE 802.1X",
// "IEEE 802.1X/SUITE-B-192", "FILS/SHA-256", "OWE").
func iwAKM(s string) map[string]bool {
	m := map[string]bool{}
	for _, tok := range strings.Fields(strings.ReplaceAll(strings.ToUpper(s), "IEEE 802.1X", "IEEE-802.1X")) {
		switch {
		case strings.Contains(tok, "SUITE-B"):
			m["suiteb"] = true
		case strings.Contains(tok, "SAE"):
			m["sae"] = true
		case tok == "OWE":
			m["owe"] = true
		case strings.Contains(tok, "PSK"):
			m["psk"] = true
		case strings.Contains(tok, "802.1X"), strings.Contains(tok, "FILS"):
			m["eap"] = true
		}
	}
	return m
}

// needsIEs reports whether a connection's grade rests on a group cipher
// its source did not read: WPA2 not already known to be mixed mode or
// TKIP. (WPA3 forbids TKIP; everything else is insecure already.)
func needsIEs(c connection) bool {
	return c.Security == secWPA2 && !c.Mixed && c.Cipher != "tkip"
}

// withIEs refines a supplicant's view of a connection with the kernel's
// view of the access point: the kernel's grade when its key management
// was recognised, else the supplicant's words with the kernel's ciphers.
func withIEs(c connection, b iwBSS) connection {
	r := b.Conn
	if r.Security == "" {
		r = c
		r.Mixed = c.Mixed || b.Conn.Mixed
		if b.Conn.Cipher != "" {
			r.Cipher = b.Conn.Cipher
		}
	}
	r.Raw = c.Raw + " / " + b.Conn.Raw
	return r
}

// runIw reads the kernel's scan cache for one interface: the access point
// it is associated with (ok false when none is); why says what went wrong
// when that could not be read. A Wi-Fi 7 multi-link association marks one
// access point per link: they are one connection, graded by the worst.
func runIw(ctx context.Context, p probe.Probe, dev string) (bss iwBSS, ok, denied bool, why string) {
	ictx, cancel := context.WithTimeout(ctx, iwTimeout)
	out, err := p.Run(ictx, probe.CmdIw, "dev", dev, "scan", "dump")
	cancel()
	if err != nil {
		return iwBSS{}, false, errors.Is(err, probe.ErrAccessDenied), "iw: " + errWord(err)
	}
	s := parseIwScanDump(out.Stdout, out.Stderr, out.ExitCode)
	if !s.Recognised {
		return iwBSS{}, false, s.Denied, "iw: " + s.Problem
	}
	for i, b := range s.Associated {
		if !b.CiphersKnown {
			return iwBSS{}, false, false, "iw: the associated access point's ciphers were not recognised"
		}
		raw := bss.Conn.Raw + " + " + b.Conn.Raw
		if i == 0 || worse(b.Conn, bss.Conn) {
			bss = b
		}
		if i > 0 {
			bss.Conn.Raw = raw
		}
	}
	return bss, len(s.Associated) > 0, false, ""
}

// worse reports whether a is graded worse than b: insecure, then not
// recognised, then secure.
func worse(a, b connection) bool {
	rank := map[grade]int{gradeSecure: 0, gradeUnknown: 1, gradeInsecure: 2}
	return rank[gradeOf(a)] > rank[gradeOf(b)]
}

// notInCache is why, when iw read the cache but no access point in it is
// marked associated.
const notInCache = "iw: the associated access point is not in the kernel's scan cache"

// nmBackend is which supplicant NetworkManager drives: NetworkManager
// with iwd (wifi.backend=iwd) makes up every access point's flags
// ("pair_ccmp group_ccmp"), so its ciphers say nothing; with
// wpa_supplicant they are the access point's own elements. It is iwd when
// iwd runs without wpa_supplicant (or a configuration file says so when
// both run), wpa_supplicant when wpa_supplicant runs without iwd (or both
// run and no configuration file names iwd), and "" when that cannot be
// told.
func nmBackend(p probe.Probe) (backend, why string) {
	procs, err := p.Processes()
	if err != nil {
		return "", "process list: " + errWord(err)
	}
	iwd, wpas := false, false
	for _, pr := range procs {
		for _, n := range []string{pr.Name, path.Base(pr.Exe)} {
			iwd = iwd || n == "iwd"
			wpas = wpas || n == "wpa_supplicant"
		}
	}
	switch {
	case iwd && !wpas:
		return "iwd", ""
	case wpas && !iwd:
		return "wpa_supplicant", ""
	case !iwd:
		return "", "neither wpa_supplicant nor iwd is running"
	}
	saysIwd, ok := nmConfWifiBackendIwd(p)
	switch {
	case saysIwd:
		return "iwd", ""
	case !ok:
		return "", "wpa_supplicant and iwd both run, and NetworkManager's configuration could not be read"
	}
	return "wpa_supplicant", ""
}

// nmConfDirs are NetworkManager's drop-in directories, in the order it
// reads them (after NetworkManager.conf).
var nmConfDirs = []string{"/usr/lib/NetworkManager/conf.d", "/run/NetworkManager/conf.d", "/etc/NetworkManager/conf.d"}

// nmConfWifiBackendIwd reports whether a NetworkManager configuration file
// sets wifi.backend=iwd; ok is false when one could not be read.
func nmConfWifiBackendIwd(p probe.Probe) (iwd, ok bool) {
	files := []string{"/etc/NetworkManager/NetworkManager.conf"}
	for _, dir := range nmConfDirs {
		names, err := p.ReadDir(dir)
		switch {
		case errors.Is(err, probe.ErrNotFound):
		case err != nil:
			return false, false
		}
		for _, n := range names {
			if strings.HasSuffix(n, ".conf") {
				files = append(files, dir+"/"+n)
			}
		}
	}
	for _, f := range files {
		b, err := p.ReadFile(f)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			return false, false
		}
		if nmConfSaysIwd(b) {
			return true, true
		}
	}
	return false, true
}

// nmConfSaysIwd reports whether a NetworkManager keyfile-style
// configuration sets wifi.backend to iwd (in [device] or a [device-*]
// section).
func nmConfSaysIwd(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "wifi.backend" && strings.EqualFold(strings.TrimSpace(v), "iwd") {
			return true
		}
	}
	return false
}
