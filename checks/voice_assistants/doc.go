// Package voiceassistants checks for voice assistants that listen in the
// room: one that is running, using the microphone, or set to wake on its
// keyword fails ("turn off …", naming it); none found passes; when neither
// the running programs nor the settings could be read the result is unknown.
// Facts name only the known assistants found and how (process, process
// name, microphone in use, installed, setting); no other process, argument,
// PID or user name is ever kept.
//
// Sources, per operating system:
//
//   - Linux: the argument lists of running programs (probe Processes). The
//     self-hosted assistants run as python3 or through a shell wrapper, so
//     the program name, the module after -m, or the script an interpreter
//     runs is matched: Mycroft (mycroft.skills, mycroft.client.speech,
//     mycroft-speech-client), OpenVoiceOS (ovos-core, ovos_core,
//     ovos-dinkum-listener), Neon (neon_speech, neon-speech), Rhasspy
//     (rhasspy*), Home Assistant voice satellites (wyoming-satellite,
//     wyoming_satellite; linux_voice_assistant, linux-voice-assistant: the
//     ESPHome-protocol satellite, run as python -m linux_voice_assistant),
//     wake-word listeners (wyoming-openwakeword, wyoming-microwakeword) and
//     HiveMind's OpenVoiceOS satellite (hivemind-voice-sat,
//     hivemind_voice_satellite). A file that an editor, pager or grep merely
//     names does not count. No process list → unknown.
//   - macOS: Siri's settings for the person at the screen, read with
//     `defaults read` run as the console user: com.apple.assistant.support
//     "Assistant Enabled" (Siri on) and com.apple.Siri VoiceTriggerUserEnabled
//     ("Listen for 'Siri'/'Hey Siri'", the key macOS 14 and 15 still use for
//     both phrase choices). A key that is not set ("The domain/default pair …
//     does not exist", exit 1) means the default: Siri is off until turned on
//     in Setup Assistant or System Settings, and Listen for needs a voice
//     enrolment that writes the key, so not set is off. A computer-level
//     Restrictions profile turns Siri off and wins: /Library/Managed
//     Preferences/com.apple.applicationaccess.plist allowAssistant false,
//     on macOS 14 and later only (Apple's com.apple.applicationaccess.yaml:
//     the key came to macOS in 14.0; the version is the agent's host
//     information, recorded in the facts; below 14 or not known, the file
//     is not read and the person's settings decide).
//     com.apple.ironwood.support is not read: Apple deprecated that payload
//     in macOS 10.13, its "Ironwood Allowed" turns off dictation, not Siri,
//     and "Assistant Allowed" is not an Apple key; the person's settings
//     decide then. Siri on and Listen for on fails; Siri on with Listen for off
//     warns: VoiceTriggerUserEnabled is not documented by Apple and Siri has
//     been reported to answer "Hey Siri" with it off (usnistgov/
//     macos_security#478), so the warning says it may still answer and
//     points to turning Siri off, and Listen for off never passes while
//     Siri's own setting is unknown; Siri off passes.
//     What already decides is not followed by reads that could not change
//     it: with such a profile the person's settings are not read, and with
//     Siri off, Listen for is not (facts say not_read).
//     Siri's processes (Siri, assistantd, corespeechd) run whatever the
//     settings, so they are not evidence.
//   - Windows: the Cortana app (package Microsoft.549981C3F5F10, Cortana.exe
//     under \WindowsApps\Microsoft.549981C3F5F10_…; SearchApp.exe,
//     SearchHost.exe and SearchUI.exe are Windows Search and never count),
//     the packaged Copilot app (Microsoft.Copilot_…\Copilot.exe; a
//     copilot.exe elsewhere, such as the GitHub Copilot CLI, does not count),
//     the Copilot app as Microsoft now ships it, an Edge-based desktop
//     program (mscopilot.exe, usually C:\Program Files (x86)\Microsoft\
//     Copilot\Application, started at sign-in by the Run entry "Microsoft
//     Copilot AutoLaunch"; its name counts wherever it runs) and the Alexa
//     app (57540AMZNMobileLLC.AmazonAlexa_…\Alexa.exe), identified by
//     package path or program name in the process list; whether each package is installed,
//     from a listing of C:\Program Files\WindowsApps (administrators and
//     SYSTEM only); and the registry: the console user's hive (HKU\<SID>;
//     HKCU only for a signed-in user whose SID is not known; never the
//     agent's own hive: with nobody signed in the result is unknown, "sign
//     in and check again", and when the console user could not be told
//     those values are unknown) for "Let apps use voice activation"
//     (Speech_OneCore\Settings\VoiceActivation\UserPreferenceForAllApps
//     AgentActivationEnabled, not set = on as Windows shows it) and the
//     microphone consent store (CapabilityAccessManager\ConsentStore\
//     microphone Value, and per app <package family> Value and
//     LastUsedTimeStart/LastUsedTimeStop: a start later than the stop (0 while in use) means the
//     app is using the microphone now; for the desktop Copilot,
//     NonPackaged Value, "Let desktop apps access your microphone", and the
//     use record NonPackaged\<its path with '#' for '\'>, at its usual path
//     and at each path it runs from, except one in a user's folder, whose
//     use is then unknown), the computer-wide microphone switch
//     in HKLM, and the policies HKLM\SOFTWARE\Policies\Microsoft\Windows\
//     AppPrivacy LetAppsActivateWithVoice and LetAppsAccessMicrophone
//     (0 user choice, 1 force allow, 2 force deny) with
//     LetAppsAccessMicrophone_ForceDenyTheseApps.
//
// How the Windows sources combine: an assistant using the microphone now
// fails, whatever else is set. An assistant that cannot use the microphone
// (policy force deny, the computer's or the user's microphone switch off, or
// its own microphone permission denied, unless a policy forces allow) passes,
// running or not. For the desktop Copilot only the computer's switch and
// "Let desktop apps access your microphone" count: the AppPrivacy policy
// and "Let apps access your microphone" are for packaged apps. Voice activation denied by policy wins over the user's
// setting. Cortana or Alexa running while apps may listen for their wake
// word fails; running while voice activation is off (or denied by policy)
// warns. Installed but not running, with voice activation on, fails too:
// Windows can start them in the background when it hears their keyword.
// "Hey, Copilot" is a setting inside the Copilot app (packaged or desktop)
// with no registry value;
// it keeps the microphone in use while Copilot runs, so Copilot running and
// using the microphone fails, running without using it warns, and running
// when the microphone record could not be read fails (process only). An
// assistant whose microphone record could not be read is otherwise unknown,
// even with the microphone blocked. Without the process list nothing
// passes (unknown), whatever the settings. When the installed packages could
// not be read and nothing else decides, the result is unknown.
//
// The Windows sources are read in that order of need (see collectWindows):
// the installed packages and the voice activation switch only when voice
// activation is not denied by policy and, for the switch, a wake-word
// assistant is or may be installed; the microphone settings only when an
// assistant runs or may be woken (the user's switch for packaged apps, or
// for desktop apps, only when such an assistant does, and neither when the
// computer's switch is off); each app's microphone permission only when
// the microphone is not blocked for every app. What is not needed is
// not_read in the facts.
package voiceassistants
