package voiceassistants

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// WindowsFacts are the Windows settings that decide whether an assistant may
// listen, and what was seen of each known assistant.
type WindowsFacts struct {
	// VoiceActivationPolicy is HKLM\SOFTWARE\Policies\Microsoft\Windows\
	// AppPrivacy LetAppsActivateWithVoice: user_choice (0 or not set),
	// force_allow (1), force_deny (2) or unknown.
	VoiceActivationPolicy string `json:"voice_activation_policy"`
	// AgentActivation is the console user's "Let apps use voice activation"
	// (Speech_OneCore\Settings\VoiceActivation\UserPreferenceForAllApps
	// AgentActivationEnabled); default (not set) is treated as on, which is
	// what Windows shows until the user turns it off.
	AgentActivation State `json:"agent_activation"`
	// MicrophonePolicy is AppPrivacy LetAppsAccessMicrophone, like
	// VoiceActivationPolicy.
	MicrophonePolicy string `json:"microphone_policy"`
	// MicrophoneDevice is the computer-wide "Microphone access" switch
	// (HKLM CapabilityAccessManager\ConsentStore\microphone Value): allow,
	// deny, not_set or unknown.
	MicrophoneDevice string `json:"microphone_device"`
	// MicrophoneUser is the console user's "Let apps access your microphone"
	// (HKU\<SID> …\ConsentStore\microphone Value), like MicrophoneDevice.
	MicrophoneUser string `json:"microphone_user"`
	// InstalledRead is whether the packaged-app folder could be listed.
	InstalledRead bool `json:"installed_read"`
	// Assistants holds what was seen of each known assistant app.
	Assistants []WindowsAssistant `json:"assistants"`
}

// WindowsAssistant is one known assistant app on Windows.
type WindowsAssistant struct {
	Assistant string `json:"assistant"`
	Running   bool   `json:"running"`
	// Installed is yes, no or unknown.
	Installed string `json:"installed"`
	// Microphone is the user's consent for this app: allow, deny, prompt,
	// not_set or unknown; policy_deny when the microphone policy names it.
	Microphone string `json:"microphone"`
	// MicrophoneInUse is yes when Windows records the app as using the
	// microphone now (LastUsedTimeStop 0), no, or unknown.
	MicrophoneInUse string `json:"microphone_in_use"`
}

// Policy values of LetApps* (AppPrivacy).
const (
	PolicyUserChoice = "user_choice"
	PolicyForceAllow = "force_allow"
	PolicyForceDeny  = "force_deny"
	PolicyUnknown    = "unknown"
)

// Consent values of the capability consent store.
const (
	ConsentAllow   = "allow"
	ConsentDeny    = "deny"
	ConsentPrompt  = "prompt"
	ConsentNotSet  = "not_set"
	ConsentUnknown = "unknown"
)

// windowsApp is a known assistant: its package family name (stable across
// versions) and the executable names it runs.
type windowsApp struct {
	assistant string
	// family is the package family name, e.g. Microsoft.549981C3F5F10_8wekyb3d8bbwe.
	family string
	// exes are its program names; nameOnly is whether the name alone is
	// distinctive enough when the path cannot be read.
	exes     []string
	nameOnly bool
	// wakeWord is whether it answers through Windows voice activation.
	wakeWord bool
}

var windowsApps = []windowsApp{
	// The Cortana app (2020 onwards). Not SearchApp.exe/SearchHost.exe/
	// SearchUI.exe: those are Windows Search, even under a Cortana folder.
	{Cortana, "Microsoft.549981C3F5F10_8wekyb3d8bbwe", []string{"cortana.exe"}, true, true},
	// The Copilot app; "Hey, Copilot" is its own setting, not readable from
	// the registry, so its microphone use is what tells.
	{Copilot, "Microsoft.Copilot_8wekyb3d8bbwe", []string{"copilot.exe"}, false, false},
	{Alexa, "57540AMZNMobileLLC.AmazonAlexa_22t9g3sebte08", []string{"alexa.exe"}, true, true},
}

// packagePrefix is the start of the package folder name under WindowsApps:
// the family name without its publisher hash, plus "_" (the version follows).
func (a windowsApp) packagePrefix() string {
	name := a.family[:strings.LastIndexByte(a.family, '_')]
	return strings.ToLower(name) + "_"
}

// ClassifyWindowsProcess returns the assistant a Windows process is, and the
// evidence (EvidenceProcess by package path, EvidenceProcessName by name when
// the path is empty), or "" for anything else.
func ClassifyWindowsProcess(name, exe string) (assistant, evidence string) {
	exeL := strings.ToLower(strings.ReplaceAll(exe, "/", `\`))
	nameL := strings.ToLower(name)
	for _, a := range windowsApps {
		if exeL != "" {
			dir := `\windowsapps\` + a.packagePrefix()
			if strings.Contains(exeL, dir) && slices.Contains(a.exes, strings.ToLower(baseName(exeL))) {
				return a.assistant, EvidenceProcess
			}
			continue
		}
		if a.nameOnly && slices.Contains(a.exes, nameL) {
			return a.assistant, EvidenceProcessName
		}
	}
	return "", ""
}

// ParsePolicy reads a LetApps* AppPrivacy policy DWORD.
func ParsePolicy(v any, err error) (string, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return PolicyUserChoice, nil
	}
	if err != nil {
		return PolicyUnknown, err
	}
	n, ok := probe.AsInt(v)
	if !ok {
		return PolicyUnknown, fmt.Errorf("policy value %v: %w", v, ErrUnrecognised)
	}
	switch n {
	case 0:
		return PolicyUserChoice, nil
	case 1:
		return PolicyForceAllow, nil
	case 2:
		return PolicyForceDeny, nil
	}
	return PolicyUnknown, fmt.Errorf("policy value %d: %w", n, ErrUnrecognised)
}

// ParseDWORDSwitch reads an on/off DWORD (1 on, 0 off, not set Default).
func ParseDWORDSwitch(v any, err error) (State, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return Default, nil
	}
	if err != nil {
		return Unknown, err
	}
	n, ok := probe.AsInt(v)
	switch {
	case ok && n == 0:
		return Off, nil
	case ok && n == 1:
		return On, nil
	}
	return Unknown, fmt.Errorf("switch value %v: %w", v, ErrUnrecognised)
}

// ParseConsent reads a capability consent store Value (Allow, Deny, Prompt).
func ParseConsent(v any, err error) (string, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return ConsentNotSet, nil
	}
	if err != nil {
		return ConsentUnknown, err
	}
	s, ok := v.(string)
	if !ok {
		return ConsentUnknown, fmt.Errorf("consent value %v: %w", v, ErrUnrecognised)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return ConsentAllow, nil
	case "deny":
		return ConsentDeny, nil
	case "prompt":
		return ConsentPrompt, nil
	}
	return ConsentUnknown, fmt.Errorf("consent value %q: %w", s, ErrUnrecognised)
}

// ParseInUse reads the LastUsedTimeStart/LastUsedTimeStop FILETIMEs of an
// app's consent store entry: a start with a stop of 0 means the app is using
// the capability now. Returns "yes", "no" or "unknown".
func ParseInUse(start any, startErr error, stop any, stopErr error) (string, error) {
	if errors.Is(startErr, probe.ErrNotFound) {
		return "no", nil // never used
	}
	if startErr != nil {
		return "unknown", startErr
	}
	s, ok := asUint(start)
	if !ok {
		return "unknown", fmt.Errorf("LastUsedTimeStart %v: %w", start, ErrUnrecognised)
	}
	if errors.Is(stopErr, probe.ErrNotFound) {
		if s == 0 {
			return "no", nil
		}
		return "yes", nil
	}
	if stopErr != nil {
		return "unknown", stopErr
	}
	e, ok := asUint(stop)
	if !ok {
		return "unknown", fmt.Errorf("LastUsedTimeStop %v: %w", stop, ErrUnrecognised)
	}
	if s != 0 && e == 0 {
		return "yes", nil
	}
	return "no", nil
}

func asUint(v any) (uint64, bool) {
	if u, ok := v.(uint64); ok {
		return u, true
	}
	n, ok := probe.AsInt(v)
	return uint64(n), ok && n >= 0
}

const (
	appPrivacyKey    = `HKLM\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy`
	micConsentSuffix = `\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\microphone`
	voiceUserSuffix  = `\Software\Microsoft\Speech_OneCore\Settings\VoiceActivation\UserPreferenceForAllApps`
	// WindowsAppsDir holds every packaged app's folder; only administrators
	// and SYSTEM may list it.
	WindowsAppsDir = `C:\Program Files\WindowsApps`
)

func collectWindows(p probe.Probe, f *Facts) {
	w := &WindowsFacts{}
	f.Windows = w

	// The console user's hive; HKCU when nobody (or no SID) is known.
	userRoot := "HKCU"
	if u, ok := consoleUser(p, f); ok && u.UID != "" {
		userRoot = `HKU\` + u.UID
	}

	var err error
	if w.VoiceActivationPolicy, err = ParsePolicy(p.Registry(appPrivacyKey, "LetAppsActivateWithVoice")); err != nil {
		f.addError("voice activation policy", err)
	}
	if w.MicrophonePolicy, err = ParsePolicy(p.Registry(appPrivacyKey, "LetAppsAccessMicrophone")); err != nil {
		f.addError("microphone policy", err)
	}
	var denyApps []string
	if v, err := p.Registry(appPrivacyKey, "LetAppsAccessMicrophone_ForceDenyTheseApps"); err == nil {
		denyApps, _ = v.([]string)
	}
	if w.AgentActivation, err = ParseDWORDSwitch(p.Registry(userRoot+voiceUserSuffix, "AgentActivationEnabled")); err != nil {
		f.addError("voice activation setting", err)
	}
	if w.MicrophoneDevice, err = ParseConsent(p.Registry(`HKLM`+micConsentSuffix, "Value")); err != nil {
		f.addError("microphone access", err)
	}
	if w.MicrophoneUser, err = ParseConsent(p.Registry(userRoot+micConsentSuffix, "Value")); err != nil {
		f.addError("microphone access for apps", err)
	}

	packages, dirErr := p.ReadDir(WindowsAppsDir)
	w.InstalledRead = dirErr == nil || errors.Is(dirErr, probe.ErrNotFound)
	if dirErr != nil && !errors.Is(dirErr, probe.ErrNotFound) {
		f.addError("installed apps", dirErr)
	}

	procs, procErr := p.Processes()
	f.ProcessListRead = procErr == nil
	if procErr != nil {
		f.addError("process list", procErr)
	}
	running := map[string]string{}
	for _, pr := range procs {
		if a, ev := ClassifyWindowsProcess(pr.Name, pr.Exe); a != "" && running[a] != EvidenceProcess {
			running[a] = ev
		}
	}

	for _, app := range windowsApps {
		wa := WindowsAssistant{Assistant: app.assistant, Installed: "unknown"}
		if ev, ok := running[app.assistant]; ok {
			wa.Running = true
			f.add(app.assistant, ev)
		}
		switch {
		case dirErr == nil:
			wa.Installed = "no"
			prefix := app.packagePrefix()
			for _, name := range packages {
				if strings.HasPrefix(strings.ToLower(name), prefix) {
					wa.Installed = "yes"
					f.add(app.assistant, EvidenceInstalled)
					break
				}
			}
		case errors.Is(dirErr, probe.ErrNotFound):
			wa.Installed = "no"
		}
		key := userRoot + micConsentSuffix + `\` + app.family
		if wa.Microphone, err = ParseConsent(p.Registry(key, "Value")); err != nil {
			f.addError(app.assistant+" microphone access", err)
		}
		if slices.ContainsFunc(denyApps, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), app.family) }) {
			wa.Microphone = "policy_deny"
		}
		start, startErr := p.Registry(key, "LastUsedTimeStart")
		stop, stopErr := p.Registry(key, "LastUsedTimeStop")
		if wa.MicrophoneInUse, err = ParseInUse(start, startErr, stop, stopErr); err != nil {
			f.addError(app.assistant+" microphone use", err)
		}
		if wa.MicrophoneInUse == "yes" {
			f.add(app.assistant, EvidenceMicrophoneInUse)
		}
		w.Assistants = append(w.Assistants, wa)
	}
}
