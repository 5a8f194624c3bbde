package smartspeakers

import (
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// warnSummary is the line shown when a listening speaker answered.
const warnSummary = "A listening smart speaker is on this network — mute it or move it out of the room before your session."

const unknownFixGeneric = "SessionGuard could not look for smart speakers on this network. Check that this computer is connected to the network of the room where you hold sessions, then check again. Until then, look around the room for an Amazon Echo, Google Nest or Google Home, Apple HomePod or Sonos speaker, and mute or unplug it."

// listening kinds in the order they are reported.
var listeningKinds = []string{kindAmazonEcho, kindGoogleSpeaker, kindAppleHomePod, kindSonosMicrophone}

var kindLabel = map[string][2]string{ // singular, plural
	kindAmazonEcho:      {"Amazon Echo", "Amazon Echo devices"},
	kindGoogleSpeaker:   {"Google or Nest speaker", "Google or Nest speakers"},
	kindAppleHomePod:    {"Apple HomePod", "Apple HomePods"},
	kindSonosMicrophone: {"Sonos speaker with a microphone", "Sonos speakers with a microphone"},
}

var kindFix = map[string]string{
	kindAmazonEcho:      "Amazon Echo: press the microphone on/off button on top; the light turns red while the microphones are off.",
	kindGoogleSpeaker:   "Google or Nest speaker: slide the microphone switch on the back or side to off; the lights show orange or red while the microphones are off.",
	kindAppleHomePod:    "Apple HomePod: in the Home app on an iPhone or iPad, touch and hold the HomePod, open its settings and turn off \"Listen for 'Siri'\" (or \"Listen for 'Hey Siri'\").",
	kindSonosMicrophone: "Sonos speaker: press the microphone button on top so its light goes off, or turn voice control off for that speaker in the Sonos app.",
}

var appleModels = map[string]string{
	"AudioAccessory1,1": "HomePod",
	"AudioAccessory1,2": "HomePod",
	"AudioAccessory5,1": "HomePod mini",
	"AudioAccessory6,1": "HomePod (2nd generation)",
}

// displayModel is the model as a person would name it.
func displayModel(d device) string {
	switch d.Kind {
	case kindAppleHomePod:
		if n, ok := appleModels[d.Model]; ok {
			return n
		}
	case kindAmazonEcho:
		if n, ok := echoDeviceTypes[d.Model]; ok {
			return n
		}
	case kindSonosMicrophone:
		if d.Model != "" {
			return "Sonos " + d.Model
		}
	}
	return d.Model
}

// evaluate judges the facts: a listening device warns; a clean browse of
// every type passes; a browse that could not run, with nothing found, is
// unknown.
func evaluate(f facts, _ checks.Policy) checks.Result {
	counts := map[string]int{}
	models := map[string][]string{}
	others := 0
	for _, d := range f.Devices {
		if !d.Listens {
			if d.Kind != kindGoogleCastGroup {
				others++
			}
			continue
		}
		counts[d.Kind]++
		if m := displayModel(d); m != "" && !contains(models[d.Kind], m) {
			models[d.Kind] = append(models[d.Kind], m)
		}
	}
	if len(counts) > 0 {
		var parts, fixes []string
		for _, k := range listeningKinds {
			n := counts[k]
			if n == 0 {
				continue
			}
			label := kindLabel[k][0]
			if n > 1 {
				label = kindLabel[k][1]
			}
			part := fmt.Sprintf("%d %s", n, label)
			if len(models[k]) > 0 {
				part += ": " + strings.Join(models[k], ", ")
			}
			parts = append(parts, part)
			fixes = append(fixes, kindFix[k])
		}
		fixes = append(fixes, "Or unplug it, or move it out of the room where you hold sessions.")
		return checks.Result{
			Status:  checks.Warn,
			Summary: warnSummary + " Found: " + strings.Join(parts, "; ") + ".",
			Fix:     strings.Join(fixes, " "),
		}
	}

	// One line per distinct error, naming the service types it hit.
	var reasons []string
	services := map[string][]string{}
	for _, b := range f.Browses {
		if b.Status == browseOK {
			continue
		}
		r := strings.TrimPrefix(strings.TrimPrefix(b.Err, "mdns browse for "+b.Service+": "), "mdns browse: ")
		if r == "" {
			r = b.Status
		}
		if _, ok := services[r]; !ok {
			reasons = append(reasons, r)
		}
		services[r] = append(services[r], b.Service)
	}
	for i, r := range reasons {
		reasons[i] = "mDNS browse for " + strings.Join(services[r], ", ") + ": " + r
	}
	if len(f.Browses) == 0 {
		reasons = append(reasons, "no mDNS browse was run")
	}
	if len(reasons) > 0 {
		return checks.Result{
			Status:  checks.Unknown,
			Summary: "Could not look for smart speakers on this network.",
			Fix:     unknownFix(f.OS),
			Reason:  strings.Join(reasons, "; "),
		}
	}

	if ago := oldestObservation(f); ago > maxObservedSeconds {
		return checks.Result{
			Status:  checks.Unknown,
			Summary: "Could not look for smart speakers on this network: the last look is too old to say what is there now.",
			Fix:     unknownFix(f.OS),
			Reason:  fmt.Sprintf("the answer is the running agent's background browse of %d seconds ago, older than the %d seconds it answers from", ago, maxObservedSeconds),
		}
	}
	if why, fix := answersMayBeDropped(f); why != "" {
		return checks.Result{
			Status:  checks.Unknown,
			Summary: "Could not look for smart speakers on this network: this computer's firewall settings may keep out the answers they send.",
			Fix:     fix,
			Reason:  why + "; no listening speaker answered",
		}
	}

	summary := "No listening smart speaker (Amazon Echo, Google Nest, Apple HomePod, Sonos with a microphone) answered on this network."
	if others == 1 {
		summary += " 1 other media device answered (a TV, streaming stick or speaker without a microphone)."
	} else if others > 1 {
		summary += fmt.Sprintf(" %d other media devices answered (TVs, streaming sticks or speakers without a microphone).", others)
	}
	return checks.Result{Status: checks.Pass, Summary: summary}
}

// maxObservedSeconds is the oldest background browse that says what is
// on the network now: the running agent browses every minute and answers
// from a browse under 3 minutes old (agent/lanwatch DefaultMaxAge), so an
// older one in the facts (another agent's, or re-evaluated facts) is not
// current.
const maxObservedSeconds = 180

// oldestObservation is the age in seconds of the oldest background browse
// the facts were answered from (0 when every browse was live).
func oldestObservation(f facts) int {
	oldest := 0
	for _, b := range f.Browses {
		if b.ObservedSecondsAgo != nil {
			oldest = max(oldest, *b.ObservedSecondsAgo)
		}
	}
	return oldest
}

// answersMayBeDropped says why the direct answers the browse waits for
// may have been dropped by this computer's firewall, and what to do; ""
// when nothing says so. On macOS and Windows the browse asks only by the
// legacy unicast query, whose answers come straight back to it: a
// setting that drops them makes an empty answer mean nothing. Facts that
// do not say how the setting was read (an older agent's) count as unread.
func answersMayBeDropped(f facts) (why, fix string) {
	var set bool
	switch f.OS {
	case "windows":
		if f.Windows == nil {
			return "whether Windows Firewall lets in direct answers to this computer's device searches was not read (" + unicastResponsesValue + ")", unknownFix(f.OS)
		}
		if why, set = f.Windows.droppedAnswers(); set {
			return why, windowsDroppedFix
		}
	case "darwin":
		if f.Darwin == nil {
			return "whether the Mac's firewall blocks all incoming connections was not read", unknownFix(f.OS)
		}
		if why, set = f.Darwin.droppedAnswers(); set {
			return why, darwinDroppedFix
		}
	}
	if why != "" {
		return why, unknownFix(f.OS)
	}
	return "", ""
}

func unknownFix(goos string) string {
	switch goos {
	case "darwin":
		return unknownFixGeneric + " On a Mac, open System Settings > Privacy & Security > Local Network and turn on SessionGuard (or the Terminal app it runs in)."
	case "windows":
		return unknownFixGeneric + " On Windows, if a Windows Security message asks whether SessionGuard may use the network, allow it on private networks."
	case "linux":
		return unknownFixGeneric + " On Linux, ask your IT support whether a firewall blocks device discovery (mDNS) on this computer."
	}
	return unknownFixGeneric
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
