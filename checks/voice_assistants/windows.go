package voiceassistants

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/internal/consentstore"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// windowsFacts are the Windows settings that decide whether an assistant may
// listen, and what was seen of each known assistant. A value is not_read
// when one read before already decides without it (see collectWindows).
type windowsFacts struct {
	// VoiceActivationPolicy is HKLM\SOFTWARE\Policies\Microsoft\Windows\
	// AppPrivacy LetAppsActivateWithVoice: user_choice (0 or not set),
	// force_allow (1), force_deny (2) or unknown.
	VoiceActivationPolicy string `json:"voice_activation_policy"`
	// AgentActivation is the console user's "Let apps use voice activation"
	// (Speech_OneCore\Settings\VoiceActivation\UserPreferenceForAllApps
	// AgentActivationEnabled); default (not set) is treated as on, which is
	// what Windows shows until the user turns it off.
	AgentActivation state `json:"agent_activation"`
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
	// MicrophoneDesktop is the console user's "Let desktop apps access your
	// microphone" (…\ConsentStore\microphone\NonPackaged Value), like
	// MicrophoneDevice; it alone, with the computer-wide switch, decides
	// for desktop programs (the AppPrivacy policy and the user's switch
	// above are for packaged apps). Read only when a desktop assistant runs.
	MicrophoneDesktop string `json:"microphone_desktop,omitempty"`
	// InstalledRead is whether the packaged-app folder was listed; false
	// when it could not be, or was not needed (Installed not_read).
	InstalledRead bool `json:"installed_read"`
	// Assistants holds what was seen of each known assistant app.
	Assistants []windowsAssistant `json:"assistants"`
}

// windowsAssistant is one known assistant app on Windows.
type windowsAssistant struct {
	Assistant string `json:"assistant"`
	Running   bool   `json:"running"`
	// Installed is yes, no, unknown, or not_read (voice activation denied
	// by policy: an assistant that is not running cannot be woken; always
	// for a desktop program, which no voice activation wakes).
	Installed string `json:"installed"`
	// Microphone is the user's consent for this app: allow, deny, prompt,
	// not_set or unknown; policy_deny when the microphone policy names it;
	// not_read for a desktop program (MicrophoneDesktop decides for it).
	Microphone string `json:"microphone"`
	// MicrophoneInUse is yes when Windows records the app as using the
	// microphone now (LastUsedTimeStart later than LastUsedTimeStop), no, or
	// unknown. A desktop program's record is read at its usual path and at
	// the path of each copy that runs; any in use is yes.
	MicrophoneInUse string `json:"microphone_in_use"`
}

// Policy values of LetApps* (AppPrivacy).
const (
	policyUserChoice = "user_choice"
	policyForceAllow = "force_allow"
	policyForceDeny  = "force_deny"
	policyUnknown    = "unknown"
)

// Consent values of the capability consent store.
const (
	consentAllow   = consentstore.Allow
	consentDeny    = consentstore.Deny
	consentPrompt  = consentstore.Prompt
	consentNotSet  = consentstore.NotSet
	consentUnknown = consentstore.Unknown
)

// windowsApp is a known assistant: a packaged app (its package family name,
// stable across versions) or a desktop program (its usual install path),
// and the executable names it runs.
type windowsApp struct {
	assistant string
	// family is a packaged app's family name, e.g.
	// Microsoft.549981C3F5F10_8wekyb3d8bbwe; empty for a desktop program.
	family string
	// desktopPath is a desktop program's usual install path; empty for a
	// packaged app. Windows records a desktop program's microphone use under
	// the consent store's NonPackaged key, by the program's path.
	desktopPath string
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
	{assistant: cortana, family: "Microsoft.549981C3F5F10_8wekyb3d8bbwe", exes: []string{"cortana.exe"}, nameOnly: true, wakeWord: true},
	// The packaged Copilot app; "Hey, Copilot" is its own setting, not
	// readable from the registry, so its microphone use is what tells.
	{assistant: copilot, family: "Microsoft.Copilot_8wekyb3d8bbwe", exes: []string{"copilot.exe"}},
	// The Copilot app as Microsoft now ships it: an Edge-based desktop
	// program, mscopilot.exe, started at sign-in by the Run entry
	// "Microsoft Copilot AutoLaunch". Its name is Microsoft's own, so it
	// counts wherever it runs from.
	{assistant: copilotDesktop, desktopPath: `C:\Program Files (x86)\Microsoft\Copilot\Application\mscopilot.exe`, exes: []string{"mscopilot.exe"}, nameOnly: true},
	{assistant: alexa, family: "57540AMZNMobileLLC.AmazonAlexa_22t9g3sebte08", exes: []string{"alexa.exe"}, nameOnly: true, wakeWord: true},
}

// desktop reports whether the app is a desktop program, not a packaged app.
func (a windowsApp) desktop() bool { return a.family == "" }

// windowsAppOf returns the known app an assistant identifier names, and
// false for one this agent does not know (facts from a newer agent).
func windowsAppOf(assistant string) (windowsApp, bool) {
	i := slices.IndexFunc(windowsApps, func(a windowsApp) bool { return a.assistant == assistant })
	if i < 0 {
		return windowsApp{}, false
	}
	return windowsApps[i], true
}

// packagePrefix is the start of the package folder name under WindowsApps:
// the family name without its publisher hash, plus "_" (the version follows).
func (a windowsApp) packagePrefix() string {
	name := a.family[:strings.LastIndexByte(a.family, '_')]
	return strings.ToLower(name) + "_"
}

// classifyWindowsProcess returns the assistant a Windows process is, and the
// evidence (EvidenceProcess by package path, or by program name for a
// desktop program; EvidenceProcessName by name when the path is empty), or
// "" for anything else.
func classifyWindowsProcess(name, exe string) (assistant, evidence string) {
	exeL := strings.ToLower(strings.ReplaceAll(exe, "/", `\`))
	nameL := strings.ToLower(name)
	for _, a := range windowsApps {
		if exeL != "" {
			if !slices.Contains(a.exes, anypath.Base(exeL)) {
				continue
			}
			if a.desktop() || strings.Contains(exeL, `\windowsapps\`+a.packagePrefix()) {
				return a.assistant, evidenceProcess
			}
			continue
		}
		if a.nameOnly && slices.Contains(a.exes, nameL) {
			return a.assistant, evidenceProcessName
		}
	}
	return "", ""
}

// parsePolicy reads a LetApps* AppPrivacy policy DWORD.
func parsePolicy(v any, err error) (string, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return policyUserChoice, nil
	}
	if err != nil {
		return policyUnknown, err
	}
	n, ok := probe.AsInt(v)
	if !ok {
		return policyUnknown, fmt.Errorf("policy value %v: %w", v, errUnrecognised)
	}
	switch n {
	case 0:
		return policyUserChoice, nil
	case 1:
		return policyForceAllow, nil
	case 2:
		return policyForceDeny, nil
	}
	return policyUnknown, fmt.Errorf("policy value %d: %w", n, errUnrecognised)
}

// parseDWORDSwitch reads an on/off DWORD (1 on, 0 off, not set Default).
func parseDWORDSwitch(v any, err error) (state, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return stateDefault, nil
	}
	if err != nil {
		return stateUnknown, err
	}
	n, ok := probe.AsInt(v)
	switch {
	case ok && n == 0:
		return stateOff, nil
	case ok && n == 1:
		return stateOn, nil
	}
	return stateUnknown, fmt.Errorf("switch value %v: %w", v, errUnrecognised)
}

// parseConsent reads a capability consent store Value (Allow, Deny, Prompt).
var parseConsent = consentstore.ParseConsent

// parseInUse reads the LastUsedTimeStart/LastUsedTimeStop FILETIMEs of an
// app's consent store entry (see consentstore.InUse): "yes" when the app
// is using the capability now, "no" or "unknown".
var parseInUse = consentstore.InUse

const (
	appPrivacyKey    = `HKLM\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy`
	micConsentSuffix = consentstore.Suffix + `\microphone`
	// micDesktopSuffix holds "Let desktop apps access your microphone" and,
	// one subkey per program path ('\' written '#'), desktop programs' use.
	micDesktopSuffix = micConsentSuffix + `\NonPackaged`
	voiceUserSuffix  = `\Software\Microsoft\Speech_OneCore\Settings\VoiceActivation\UserPreferenceForAllApps`
	// windowsAppsDir holds every packaged app's folder; only administrators
	// and SYSTEM may list it.
	windowsAppsDir = `C:\Program Files\WindowsApps`
)

// errNoConsoleUser and errNobodySignedIn stand for a per-user value that was
// not read because the person at the screen could not be told, or nobody is
// signed in: another account's hive (HKCU of the agent, which is SYSTEM's)
// says nothing about theirs.
var (
	errNoConsoleUser  = errors.New("the signed-in user could not be told")
	errNobodySignedIn = errors.New("nobody is signed in at the screen")
)

// collectWindows reads what decides, in the order the verdict needs it, and
// leaves a value NotRead when one read before already decides without it:
//
//  1. the console user (whose hive holds the per-user values);
//  2. each assistant's microphone-use record (direct evidence of listening,
//     read always) and the process list;
//  3. the voice activation policy; unless it denies voice activation, the
//     installed packages, and the user's voice activation switch when the
//     policy leaves the choice to them and a wake-word assistant is
//     installed, may be installed, or runs;
//  4. the microphone settings, only when an assistant runs or may wake by
//     voice; each assistant's own microphone permission only when apps may
//     use the microphone at all.
func collectWindows(p probe.Probe, f *facts) {
	w := &windowsFacts{
		VoiceActivationPolicy: string(stateNotRead), AgentActivation: stateNotRead,
		MicrophonePolicy: string(stateNotRead), MicrophoneDevice: string(stateNotRead), MicrophoneUser: string(stateNotRead),
	}
	f.Windows = w

	// The console user's hive; HKCU when they are signed in but their SID
	// is not known; none when nobody is signed in or who is could not be
	// told.
	userRoot, userErr := "HKCU", error(nil)
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	switch {
	case err != nil:
		f.addError("console user", err)
		userRoot, userErr = "", errNoConsoleUser
	case presence == consoleNone:
		userRoot, userErr = "", errNobodySignedIn
	case u.UID != "":
		userRoot = `HKU\` + u.UID
	}
	userValue := func(suffix, value string) (any, error) {
		if userErr != nil {
			return nil, userErr
		}
		return p.Registry(userRoot+suffix, value)
	}

	// 2. Direct evidence: microphone in use now, and what runs.
	microphoneUse := func(key string) (string, error) {
		start, startErr := userValue(key, "LastUsedTimeStart")
		stop, stopErr := userValue(key, "LastUsedTimeStop")
		return parseInUse(start, startErr, stop, stopErr)
	}
	for _, app := range windowsApps {
		wa := windowsAssistant{Assistant: app.assistant, Installed: string(stateNotRead), Microphone: string(stateNotRead)}
		key := micConsentSuffix + `\` + app.family
		if app.desktop() {
			key = desktopUseKey(app.desktopPath)
		}
		if wa.MicrophoneInUse, err = microphoneUse(key); err != nil {
			f.addError(app.assistant+" microphone use", err)
		}
		w.Assistants = append(w.Assistants, wa)
	}
	defer func() { // after what runs and what is installed, as Found lists them
		for _, wa := range w.Assistants {
			if wa.MicrophoneInUse == "yes" {
				f.add(wa.Assistant, evidenceMicrophoneInUse)
			}
		}
	}()
	procs, procErr := p.Processes()
	f.ProcessListRead = procErr == nil
	if procErr != nil {
		f.addError("process list", procErr)
	}
	running := map[string]string{}
	desktopPaths := map[string][]string{} // per assistant, the other paths it runs from
	for _, pr := range procs {
		a, ev := classifyWindowsProcess(pr.Name, pr.Exe)
		if a == "" {
			continue
		}
		if running[a] != evidenceProcess {
			running[a] = ev
		}
		if app, _ := windowsAppOf(a); app.desktop() && pr.Exe != "" && !strings.EqualFold(pr.Exe, app.desktopPath) &&
			!slices.ContainsFunc(desktopPaths[a], func(s string) bool { return strings.EqualFold(s, pr.Exe) }) {
			desktopPaths[a] = append(desktopPaths[a], pr.Exe)
		}
	}
	for i, app := range windowsApps {
		if ev, ok := running[app.assistant]; ok {
			w.Assistants[i].Running = true
			f.add(app.assistant, ev)
		}
		// A desktop program's use is recorded by its path: read it for each
		// other copy that runs, except one in a user's folder, whose key
		// would name the person (its use is then unknown).
		for _, exe := range desktopPaths[app.assistant] {
			use, err := inUseUnknown, errInUserFolder
			if !inUserFolder(exe) {
				use, err = microphoneUse(desktopUseKey(exe))
			}
			if err != nil {
				f.addError(app.assistant+" microphone use", err)
			}
			w.Assistants[i].MicrophoneInUse = worseInUse(w.Assistants[i].MicrophoneInUse, use)
		}
	}

	// 3. Whether a wake-word assistant may be woken by voice.
	if w.VoiceActivationPolicy, err = parsePolicy(p.Registry(appPrivacyKey, "LetAppsActivateWithVoice")); err != nil {
		f.addError("voice activation policy", err)
	}
	if w.VoiceActivationPolicy != policyForceDeny {
		packages, dirErr := p.ReadDir(windowsAppsDir)
		w.InstalledRead = dirErr == nil || errors.Is(dirErr, probe.ErrNotFound)
		if !w.InstalledRead {
			f.addError("installed apps", dirErr)
		}
		for i, app := range windowsApps {
			if app.desktop() {
				continue // not a package; no voice activation wakes it
			}
			w.Assistants[i].Installed = installed(app, packages, dirErr)
			if w.Assistants[i].Installed == "yes" {
				f.add(app.assistant, evidenceInstalled)
			}
		}
		wakeable := slices.ContainsFunc(windowsApps, func(app windowsApp) bool {
			a := w.assistant(app.assistant)
			return app.wakeWord && (a.Running || a.Installed != "no")
		})
		if w.VoiceActivationPolicy == policyUserChoice && wakeable {
			if w.AgentActivation, err = parseDWORDSwitch(userValue(voiceUserSuffix, "AgentActivationEnabled")); err != nil {
				f.addError("voice activation setting", err)
			}
		}
	}

	// 4. Whether an assistant that may listen can use the microphone: the
	// user's switches only for the kind of app (packaged, desktop) that may.
	listens := func(desktop bool) bool {
		return slices.ContainsFunc(windowsApps, func(app windowsApp) bool {
			return app.desktop() == desktop && w.mayListen(w.assistant(app.assistant))
		})
	}
	packagedListens, desktopListens := listens(false), listens(true)
	if !packagedListens && !desktopListens {
		return
	}
	if w.MicrophonePolicy, err = parsePolicy(p.Registry(appPrivacyKey, "LetAppsAccessMicrophone")); err != nil {
		f.addError("microphone policy", err)
	}
	if w.MicrophoneDevice, err = parseConsent(p.Registry(`HKLM`+micConsentSuffix, "Value")); err != nil {
		f.addError("microphone access", err)
	}
	if desktopListens && !w.deviceMicrophoneBlocked() {
		if w.MicrophoneDesktop, err = parseConsent(userValue(micDesktopSuffix, "Value")); err != nil {
			f.addError("microphone access for desktop apps", err)
		}
	}
	if !packagedListens || w.deviceMicrophoneBlocked() {
		return
	}
	if w.MicrophoneUser, err = parseConsent(userValue(micConsentSuffix, "Value")); err != nil {
		f.addError("microphone access for apps", err)
	}
	if w.microphoneBlocked() {
		return
	}
	var denyApps []string
	if v, err := p.Registry(appPrivacyKey, "LetAppsAccessMicrophone_ForceDenyTheseApps"); err == nil {
		denyApps, _ = v.([]string)
	}
	for i, app := range windowsApps {
		wa := &w.Assistants[i]
		if app.desktop() || !w.mayListen(*wa) {
			continue
		}
		if wa.Microphone, err = parseConsent(userValue(micConsentSuffix+`\`+app.family, "Value")); err != nil {
			f.addError(app.assistant+" microphone access", err)
		}
		if slices.ContainsFunc(denyApps, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), app.family) }) {
			wa.Microphone = "policy_deny"
		}
	}
}

// installed says whether app's package is in the WindowsApps listing: yes,
// no, or unknown when the folder could not be listed.
func installed(app windowsApp, packages []string, dirErr error) string {
	switch {
	case errors.Is(dirErr, probe.ErrNotFound):
		return "no"
	case dirErr != nil:
		return "unknown"
	}
	prefix := app.packagePrefix()
	for _, name := range packages {
		if strings.HasPrefix(strings.ToLower(name), prefix) {
			return "yes"
		}
	}
	return "no"
}

func (w *windowsFacts) assistant(id string) windowsAssistant {
	for _, a := range w.Assistants {
		if a.Assistant == id {
			return a
		}
	}
	return windowsAssistant{Assistant: id}
}

// voiceOff reports whether voice activation is known to be off: denied by
// policy, or left to the user, who turned it off.
func (w *windowsFacts) voiceOff() bool {
	return w.VoiceActivationPolicy == policyForceDeny ||
		(w.VoiceActivationPolicy == policyUserChoice && w.AgentActivation == stateOff)
}

// voiceOn reports whether apps may listen for their wake word: forced by
// policy, or left to the user, whose switch is on or not set.
func (w *windowsFacts) voiceOn() bool {
	return w.VoiceActivationPolicy == policyForceAllow ||
		(w.VoiceActivationPolicy == policyUserChoice && (w.AgentActivation == stateOn || w.AgentActivation == stateDefault))
}

// mayListen reports whether an assistant runs, or may be woken by voice
// (a wake-word app that is or may be installed while voice activation is
// not known to be off): only then do the microphone settings matter.
func (w *windowsFacts) mayListen(a windowsAssistant) bool {
	if a.Running {
		return true
	}
	wake := slices.ContainsFunc(windowsApps, func(app windowsApp) bool { return app.assistant == a.Assistant && app.wakeWord })
	return wake && a.Installed != "no" && !w.voiceOff()
}

// microphoneBlocked reports whether no packaged app may use the microphone:
// denied by policy, or the computer's or the user's switch off unless a
// policy forces allow.
func (w *windowsFacts) microphoneBlocked() bool {
	return w.MicrophonePolicy == policyForceDeny || w.deviceMicrophoneBlocked() ||
		(w.MicrophonePolicy != policyForceAllow && w.MicrophoneUser == consentDeny)
}

// deviceMicrophoneBlocked reports whether the computer-wide microphone
// switch is off (and no policy forces allow): no app, packaged or desktop,
// may use it.
func (w *windowsFacts) deviceMicrophoneBlocked() bool {
	return w.MicrophonePolicy != policyForceAllow && w.MicrophoneDevice == consentDeny
}

// desktopMicrophoneBlocked reports whether no desktop program may use the
// microphone: the computer-wide switch, or the user's "Let desktop apps
// access your microphone", is off. The AppPrivacy policy and "Let apps
// access your microphone" govern packaged apps only.
func (w *windowsFacts) desktopMicrophoneBlocked() bool {
	return w.deviceMicrophoneBlocked() || w.MicrophoneDesktop == consentDeny
}

// desktopUseKey is the consent store key under the user's hive recording a
// desktop program's microphone use: its path with '\' written '#'.
func desktopUseKey(exe string) string {
	return micDesktopSuffix + `\` + strings.ReplaceAll(strings.ReplaceAll(exe, "/", `\`), `\`, "#")
}

// errInUserFolder stands for a desktop program's microphone-use record that
// was not read because the program runs from a user's folder: the record's
// key is its path, which names the person.
var errInUserFolder = errors.New("the program runs from a user's folder")

// inUserFolder reports whether a Windows path is under a user's folder
// (C:\Users\<name>\…).
func inUserFolder(exe string) bool {
	return strings.Contains(strings.ToLower(strings.ReplaceAll(exe, "/", `\`)), `:\users\`)
}

const inUseUnknown = consentstore.InUseUnknown

// worseInUse combines two microphone-use answers for one assistant: in use
// anywhere is in use; otherwise unknown anywhere is unknown.
func worseInUse(a, b string) string {
	switch {
	case a == consentstore.InUseYes || b == consentstore.InUseYes:
		return consentstore.InUseYes
	case a == consentstore.InUseNo && b == consentstore.InUseNo:
		return consentstore.InUseNo
	}
	return inUseUnknown
}
