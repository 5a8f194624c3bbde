package wifisecurity

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// netshInterfaces is what netsh wlan show interfaces said.
type netshInterfaces struct {
	// State is StateNone, StateNotConnected, StateConnected or
	// StateUnknown.
	State string
	// Problem is set with StateUnknown: location_permission, unrecognised.
	Problem string
	// Interfaces is how many Wi-Fi interfaces were listed.
	Interfaces int
	// Connections are the connected interfaces' networks.
	Connections []connection
	// BSSIDs are the connections' access point addresses as netsh printed
	// them ("" when it did not), to find each one's elements (never kept
	// in the facts).
	BSSIDs []string
	// Detail says what was not recognised (never an SSID).
	Detail string
}

var guidValue = regexp.MustCompile(`^\{?[0-9a-fA-Fx]{8}-[0-9a-fA-Fx]{4}-[0-9a-fA-Fx]{4}-[0-9a-fA-Fx]{4}-[0-9a-fA-Fx]{12}\}?$`)

// Localised labels and values of netsh wlan show interfaces, lower-cased.
var (
	netshAuthLabels = map[string]bool{"authentication": true, "authentifizierung": true, "authentification": true,
		"autenticación": true, "autenticazione": true, "autenticação": true, "verificatie": true,
		"uwierzytelnianie": true, "проверка подлинности": true, "認証": true, "身份验证": true, "驗證": true}
	netshCipherLabels = map[string]bool{"cipher": true, "verschlüsselung": true, "verschlüsselungsverfahren": true,
		"chiffrement": true, "cifrado": true, "crittografia": true, "codificação": true, "cifra": true,
		"codering": true, "szyfr": true, "шифр": true, "暗号": true, "密码": true, "加密": true}
	netshStateLabels = map[string]bool{"state": true, "status": true, "état": true, "estado": true, "stato": true,
		"stan": true, "состояние": true, "状態": true, "状态": true, "狀態": true}
	netshConnected = map[string]bool{"connected": true, "verbunden": true, "connecté": true, "connectée": true,
		"conectado": true, "connessa": true, "connesso": true, "verbonden": true, "połączono": true,
		"подключено": true, "接続されました": true, "已连接": true, "已連線": true}
	netshDisconnected = map[string]bool{"disconnected": true, "getrennt": true, "nicht verbunden": true,
		"déconnecté": true, "desconectado": true, "disconnessa": true, "disconnesso": true,
		"verbinding verbroken": true, "rozłączono": true, "отключено": true, "切断されました": true,
		"已断开连接": true, "已中斷連線": true}
	netshOpen = map[string]bool{"open": true, "offen": true, "ouvrir": true, "ouvert": true, "ouverte": true,
		"abierta": true, "abierto": true, "aperta": true, "aperto": true, "aberta": true, "aberto": true,
		"otwarte": true, "открытая": true, "オープン": true, "开放式": true, "開放": true, "open system": true}
	netshShared = map[string]bool{"shared": true, "gemeinsam": true, "gemeinsam verwendet": true, "partagée": true,
		"compartida": true, "condivisa": true, "compartilhada": true}
	// The "no wireless interface" message, in the languages seen in bug
	// reports and scripts.
	netshNoInterface = []string{"no wireless interface", "keine drahtlosschnittstelle", "keine wlan-schnittstelle",
		"aucune interface sans fil", "ninguna interfaz inalámbrica", "nessuna interfaccia wireless",
		"nenhuma interface sem fio", "geen draadloze interface"}
	wlanQueryDenied = regexp.MustCompile(`wlanqueryinterface\D{0,40}\b5\b`)
	authValue       = regexp.MustCompile(`(?i)^(wpa[23]?|owe)\b`)
	cipherValue     = regexp.MustCompile(`(?i)^(ccmp|gcmp|tkip|wep)(-\d+)?$`)
)

type netshBlock struct {
	state, auth, cipher, bssid string
	hasAuth, hasCipher         bool
}

// parseNetshInterfaces parses netsh wlan show interfaces (already decoded
// to UTF-8).
func parseNetshInterfaces(text string) netshInterfaces {
	lower := strings.ToLower(text)
	if strings.Contains(lower, "ms-settings:privacy-location") ||
		wlanQueryDenied.MatchString(lower) {
		return netshInterfaces{State: stateUnknown, Problem: problemLocationPermission}
	}
	for _, m := range netshNoInterface {
		if strings.Contains(lower, m) {
			return netshInterfaces{State: stateNone, Interfaces: 0}
		}
	}
	if strings.Contains(lower, "(wlansvc)") {
		// The WLAN AutoConfig service is stopped: Windows is not on Wi-Fi.
		return netshInterfaces{State: stateNotConnected, Detail: "WLAN AutoConfig service not running"}
	}
	var blocks []*netshBlock
	var cur *netshBlock
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(k))
		val := strings.TrimSpace(v)
		if guidValue.MatchString(val) {
			cur = &netshBlock{}
			blocks = append(blocks, cur)
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case netshStateLabels[key] && cur.state == "":
			cur.state = strings.ToLower(val)
		case key == "bssid" || key == "ap bssid":
			cur.bssid = strings.ToLower(val)
		case netshAuthLabels[key]:
			cur.auth, cur.hasAuth = val, true
		case netshCipherLabels[key]:
			cur.cipher, cur.hasCipher = val, true
		case !cur.hasAuth && authValue.MatchString(val):
			cur.auth, cur.hasAuth = val, true
		case !cur.hasCipher && cipherValue.MatchString(val):
			cur.cipher, cur.hasCipher = val, true
		}
	}
	if len(blocks) == 0 {
		return netshInterfaces{State: stateUnknown, Problem: problemUnrecognised, Detail: "no interface found in the output"}
	}
	res := netshInterfaces{Interfaces: len(blocks)}
	unknown := ""
	for _, b := range blocks {
		switch {
		case b.hasAuth && !netshDisconnected[b.state]:
			res.Connections = append(res.Connections, netshSecurity(b.auth, b.cipher))
			res.BSSIDs = append(res.BSSIDs, b.bssid)
		case netshDisconnected[b.state]:
		case netshConnected[b.state]:
			unknown = "connected, but no authentication line"
		default:
			unknown = "interface state not recognised"
		}
	}
	switch {
	case len(res.Connections) > 0:
		res.State = stateConnected
	case unknown != "":
		res.State, res.Problem, res.Detail = stateUnknown, problemUnrecognised, unknown
	default:
		res.State = stateNotConnected
	}
	return res
}

// netshSecurity maps netsh's authentication and cipher values (which some
// languages translate: "Offen"/"Keine", "Ouvrir"/"Aucun",
// "WPA2-パーソナル") to a connection.
func netshSecurity(auth, cipher string) connection {
	c := wordsSecurity(auth)
	c.Raw = strings.TrimSpace(auth + " " + cipher)
	a := strings.ToLower(strings.TrimSpace(auth))
	ci := strings.ToUpper(strings.TrimSpace(cipher))
	switch {
	case strings.HasPrefix(ci, "CCMP"):
		c.Cipher = "ccmp"
	case strings.HasPrefix(ci, "GCMP"):
		c.Cipher = "gcmp"
	case ci == "TKIP":
		c.Cipher = "tkip"
	case strings.HasPrefix(ci, "WEP"):
		c.Cipher = "wep"
	}
	// A cipher column naming TKIP beside CCMP or GCMP ("CCMP+TKIP") is
	// mixed mode, whichever it names first.
	if strings.Contains(ci, "TKIP") && (strings.Contains(ci, "CCMP") || strings.Contains(ci, "GCMP")) {
		c.Mixed = true
	}
	if c.Security == secOpen && c.Cipher == "wep" {
		c.Security = secWEP
	}
	if c.Security == "" {
		switch {
		case netshOpen[a] && c.Cipher == "wep":
			c.Security = secWEP
		case netshOpen[a]:
			c.Security = secOpen
		case netshShared[a]:
			c.Security = secWEP
		}
	}
	return c
}

// netshUnverified begins facts.Unread's entry for a WPA2 connection whose
// access point's elements could not be read (the why follows).
const netshUnverified = "netsh: shows the negotiated authentication and pairwise cipher only, not the access point's group cipher"

func collectWindows(ctx context.Context, p probe.Probe) facts {
	f := facts{OS: "windows"}
	var note sourceNote
	out, err := p.Run(ctx, probe.CmdNetsh, "wlan", "show", "interfaces")
	if err != nil {
		note.runErr(&f, "netsh", err)
		note.finish(&f)
		return f
	}
	text := probe.ConsoleText(p, out.Stdout) + "\n" + probe.ConsoleText(p, out.Stderr)
	r := parseNetshInterfaces(text)
	f.Source = "netsh"
	if netshUnrecognised(r) && fromWLANAttributes(p, &f, r) {
		return f
	}
	if r.State != stateUnknown {
		f.WiFi, f.WirelessInterfaces, f.Connections = r.State, intp(r.Interfaces), r.Connections
		ies, eap := slices.ContainsFunc(r.Connections, needsIEs), hasEnterprise(r.Connections)
		var as []probe.WLANAssociation
		var asErr error
		if ies || eap {
			as, asErr = probe.WLANAssociations(p)
		}
		if ies {
			// netsh shows what this computer negotiated, not what the
			// access point offers others: a WPA/WPA2 mixed-mode router's
			// TKIP group key and WPA element are not shown. The WLAN
			// API's BSS list holds the access point's own elements;
			// without them such a connection cannot pass.
			if why := withWLANElements(as, asErr, f.Connections, r.BSSIDs); why != nil {
				cipherUnverified(&f, netshUnverified, strings.Join(why, "; "), false)
			}
		}
		if eap {
			// 802.1X: whether the profile checks the network's server.
			readWindowsEAP(as, asErr, &f, r.BSSIDs)
		}
		if r.Detail != "" {
			f.Tried = append(f.Tried, "netsh: "+r.Detail)
		}
		return f
	}
	f.WiFi, f.Problem = stateUnknown, r.Problem
	if r.Interfaces > 0 {
		f.WirelessInterfaces = intp(r.Interfaces)
	}
	if r.Detail != "" {
		f.Tried = append(f.Tried, "netsh: "+r.Detail)
	}
	return f
}
