package smartspeakers

import (
	"strings"
)

// The kinds of device the browse tells apart. The first four listen.
const (
	kindAmazonEcho      = "amazon_echo"
	kindGoogleSpeaker   = "google_speaker"
	kindAppleHomePod    = "apple_homepod"
	kindSonosMicrophone = "sonos_microphone"

	kindAmazonOther     = "amazon_other"
	kindGoogleCastOther = "google_cast_other"
	kindGoogleCastGroup = "google_cast_group"
	kindAppleOther      = "apple_other"
	kindSonosOther      = "sonos_other"
	kindAirPlayOther    = "airplay_other"
	kindUnrecognised    = "unrecognised"
)

// The DNS-SD service types browsed.
const (
	serviceGoogleCast = "_googlecast._tcp"
	serviceAirPlay    = "_airplay._tcp"
	serviceRAOP       = "_raop._tcp"
	serviceAmazon     = "_amzn-wplay._tcp"
)

// services is every service type the check browses, in report order.
var services = []string{serviceGoogleCast, serviceAirPlay, serviceRAOP, serviceAmazon}

// listens reports whether a kind is a device that listens for a wake word.
func listens(kind string) bool {
	switch kind {
	case kindAmazonEcho, kindGoogleSpeaker, kindAppleHomePod, kindSonosMicrophone:
		return true
	}
	return false
}

// maxModelLen bounds a model string kept in facts.
const maxModelLen = 64

// classifyTXT is the parser of one answer's TXT record: it returns the
// device kind and its model string (never a friendly name) for an answer to
// a browse of service. TXT strings are "key=value"; keys compare
// case-insensitively (RFC 6763 §6.4).
func classifyTXT(service string, txt []string) (kind, model string) {
	switch strings.ToLower(strings.Trim(service, ".")) {
	case serviceGoogleCast:
		model = clip(txtValue(txt, "md"))
		return classifyCast(model), model
	case serviceAirPlay:
		model = clip(txtValue(txt, "model"))
		return classifyAirPlay(model, txtValue(txt, "manufacturer")), model
	case serviceRAOP:
		model = clip(txtValue(txt, "am"))
		return classifyAirPlay(model, txtValue(txt, "manufacturer")), model
	case serviceAmazon:
		model = clip(strings.ToUpper(txtValue(txt, "ad")))
		if _, ok := echoDeviceTypes[model]; ok {
			return kindAmazonEcho, model
		}
		return kindAmazonOther, model
	}
	return kindUnrecognised, ""
}

func txtValue(txt []string, key string) string {
	for _, kv := range txt {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > maxModelLen {
		s = s[:maxModelLen]
	}
	return s
}

// googleSpeakerModels are md= values (lower case, matched as prefixes) of
// Cast receivers with a microphone and the Google Assistant.
var googleSpeakerModels = []string{
	"google home",     // Google Home, Google Home Mini, Google Home Max, Google Home Hub
	"google nest",     // Google Nest Mini, Google Nest Hub, Google Nest Hub Max, Google Nest Wifi point
	"nest audio",      // Nest Audio
	"nest mini",       // older firmware
	"nest hub",        // older firmware
	"nest wifi point", // Nest Wifi point (speaker with the Assistant)
	"jbl link",        // JBL Link 10/20/300/500/Portable/View
	"lf-s50g",         // Sony LF-S50G
	"sony lf-s50g",
	"lenovo smart clock",
	"lenovo smart display",
	"lenovo smart frame",
}

func classifyCast(md string) string {
	m := strings.ToLower(strings.TrimSpace(md))
	if m == "google cast group" {
		return kindGoogleCastGroup
	}
	for _, p := range googleSpeakerModels {
		if strings.HasPrefix(m, p) {
			return kindGoogleSpeaker
		}
	}
	return kindGoogleCastOther
}

// sonosMicrophoneModels are AirPlay model= values of Sonos speakers with a
// far-field microphone (lower case).
var sonosMicrophoneModels = map[string]bool{
	"one": true, "beam": true, "arc": true, "arc ultra": true,
	"move": true, "move 2": true, "roam": true, "roam 2": true,
	"era 100": true, "era 300": true,
}

func classifyAirPlay(model, manufacturer string) string {
	m := strings.TrimSpace(model)
	switch {
	case strings.EqualFold(strings.TrimSpace(manufacturer), "sonos"):
		if sonosMicrophoneModels[strings.ToLower(m)] {
			return kindSonosMicrophone
		}
		return kindSonosOther
	case manufacturer != "":
		return kindAirPlayOther
	case strings.HasPrefix(m, "AudioAccessory"):
		return kindAppleHomePod
	case appleIdentifier(m):
		return kindAppleOther
	}
	return kindAirPlayOther
}

// appleIdentifier matches Apple hardware identifiers such as AppleTV14,1,
// MacBookPro18,3, Mac15,12, iMac21,1, Macmini9,1 or AirPort10,115.
func appleIdentifier(m string) bool {
	for _, p := range []string{"AppleTV", "Mac", "iMac", "AirPort", "iPad", "iPhone", "iPod"} {
		if rest, ok := strings.CutPrefix(m, p); ok && strings.Contains(rest, ",") {
			return true
		}
	}
	return false
}

// echoDeviceTypes are Amazon device type ids (the ad= TXT value) of Echo
// devices and the Fire TV Cube, which listen for "Alexa" hands-free. From
// the device-type tables of aioamazondevices (Home Assistant's Alexa
// Devices integration), alexa-remote and echo-speaks.
var echoDeviceTypes = map[string]string{
	"AB72C64C86AW2":  "Echo (1st gen)",
	"A7WXQPH584YP":   "Echo (2nd gen)",
	"A3FX4UWTP28V1P": "Echo (3rd gen)",
	"A30YDR2MK8HMRV": "Echo Dot (3rd gen) with clock", // some tables say Echo (3rd gen)
	"A3RMGO6LYLH7YN": "Echo (4th gen)",                // some tables say Echo Dot (4th gen)
	"AKNO1N0KSFN8L":  "Echo Dot (1st gen)",
	"A3S5BH2HU6VAYF": "Echo Dot (2nd gen)",
	"A32DOYMUN6DTXA": "Echo Dot (3rd gen)",
	"A1RABVCI4QCIKC": "Echo Dot (3rd gen)",
	"A32DDESGESSHZA": "Echo Dot (3rd gen)",
	"A2U21SRK4QGSE1": "Echo Dot (4th gen)",
	"A2H4LV5GIZ1JFT": "Echo Dot (4th gen) with clock",
	"A4ZXE0RM7LQ7A":  "Echo Dot (5th gen)",
	"A2DS1Q2TPDJ48U": "Echo Dot (5th gen) with clock",
	"ASQZWP4GPYUT7":  "Echo Pop",
	"A2M35JJZWCQOMZ": "Echo Plus (1st gen)",
	"A18O6U1UQFJ0XK": "Echo Plus (2nd gen)",
	"A3RBAYBE7VM004": "Echo Studio",
	"A3VRME03NAXFUB": "Echo Flex",
	"A1JJ0KFC4ZPNJ3": "Echo Input",
	"A38949IHXHRQ5P": "Echo Tap",
	"A10A33FOX2NUBK": "Echo Spot",
	"A1NL4BVLQ4L3N3": "Echo Show (1st gen)",
	"AWZZ5CVHX2CD":   "Echo Show (2nd gen)",
	"A4ZP7ZC4PI6TO":  "Echo Show 5 (1st gen)",
	"A1XWJRHALS1REP": "Echo Show 5 (2nd gen)",
	"A11QM4H9HGV71H": "Echo Show 5 (3rd gen)",
	"A1Z88NGR2BK6A2": "Echo Show 8 (1st gen)",
	"A15996VY63BQ2D": "Echo Show 8 (2nd gen)",
	"A2UONLFQW0PADH": "Echo Show 8 (3rd gen)",
	"A345JHMQDGG1M5": "Echo Show 8 (4th gen)",
	"AIPK7MM90V7TB":  "Echo Show 10 (3rd gen)",
	"A2LLN0UXRW4N50": "Echo Show 11",
	"A1EIANJ7PNB0Q7": "Echo Show 15",
	"A2JKHJ0PX4J3L3": "Fire TV Cube (2nd gen)", // listens hands-free
}
