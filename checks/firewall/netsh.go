package firewall

import (
	"fmt"
	"strings"
)

// netsh state words, by language, for the first line of each profile
// block ("State ON", German "Status EIN", French "État Actif", ...).
var netshOn = map[string]bool{
	"on": true, "ein": true, "actif": true, "activé": true, "activado": true, "activo": true,
	"attivo": true, "attivato": true, "aan": true, "ligado": true, "włączony": true, "på": true,
}

var netshOff = map[string]bool{
	"off": true, "aus": true, "inactif": true, "désactivé": true, "desactivado": true, "inactivo": true,
	"disattivo": true, "disattivato": true, "uit": true, "desligado": true, "wyłączony": true, "av": true,
}

// Words of a profile block header that name the profile, by language.
var netshProfileWords = []struct {
	word, profile string
}{
	{"domain", profileDomain}, {"domäne", profileDomain}, {"domaine", profileDomain}, {"dominio", profileDomain},
	{"private", profilePrivate}, {"privates", profilePrivate}, {"privé", profilePrivate}, {"privado", profilePrivate}, {"privato", profilePrivate},
	{"public", profilePublic}, {"öffentlich", profilePublic}, {"öffentliches", profilePublic}, {"público", profilePublic}, {"pubblico", profilePublic},
}

// parseNetshProfiles reads `netsh advfirewall show currentprofile` (or
// allprofiles), already decoded to UTF-8. Each profile block is a header
// line, a line of dashes, then the state line whose last word is the
// (localised) state; the "Firewall Policy" line's value
// (BlockInbound,AllowOutbound) is not translated.
func parseNetshProfiles(text string) ([]profile, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []profile
	for i := 1; i+1 < len(lines); i++ {
		if !isDashes(lines[i]) {
			continue
		}
		header := strings.ToLower(lines[i-1])
		stateLine := strings.Fields(lines[i+1])
		if len(stateLine) < 2 {
			return nil, fmt.Errorf("netsh advfirewall: %w: no state under %q", errUnrecognised, strings.TrimSpace(lines[i-1]))
		}
		word := strings.ToLower(stateLine[len(stateLine)-1])
		pr := profile{Name: "Current"}
		for _, w := range netshProfileWords {
			if strings.Contains(header, w.word) {
				pr.Name = w.profile
				break
			}
		}
		switch {
		case netshOn[word]:
			pr.Enabled = boolPtr(true)
		case netshOff[word]:
			pr.Enabled = boolPtr(false)
		default:
			return nil, fmt.Errorf("netsh advfirewall: %w: state %q", errUnrecognised, stateLine[len(stateLine)-1])
		}
		if i+2 < len(lines) && strings.Contains(lines[i+2], "AllowInbound") {
			pr.InboundAllowed = true
		}
		out = append(out, pr)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("netsh advfirewall: %w: %q", errUnrecognised, firstLine(text))
	}
	return out, nil
}

func isDashes(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 10 && strings.Trim(s, "-") == ""
}
