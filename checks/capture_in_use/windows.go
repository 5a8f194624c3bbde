package captureinuse

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessionguard/sessionguard/checks/internal/consentstore"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// capabilities are the consent store's capabilities this check reads and
// what each captures.
var capabilities = []struct{ key, what string }{
	{"microphone", microphone},
	{"webcam", camera},
	{"graphicsCaptureProgrammatic", screen},
	{"graphicsCaptureWithoutBorder", screen},
}

// collectWindows reads the console user's consent store in one `reg query
// /s` and lists the apps whose last use started after it last stopped:
// using the microphone, camera or screen capture now.
func collectWindows(ctx context.Context, p probe.Probe, f *facts) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	f.ConsentStore = stateUnknown
	switch {
	case err != nil:
		f.addError("console user", err)
		return
	case presence == probe.ConsoleNone:
		return // the store is the person's; nobody is there
	case u.UID == "":
		f.addError("console user", fmt.Errorf("no SID: %w", probe.ErrUnavailable))
		return
	}
	root := `HKU\` + u.UID + consentstore.Suffix
	keys, err := readStore(ctx, p, root)
	if err != nil {
		f.addError("consent store", err)
		return
	}
	f.ConsentStore = stateRead
	printed := consentstore.NormaliseRoot(root)
	for _, c := range capabilities {
		for _, app := range consentstore.Apps(keys, printed, c.key) {
			switch app.InUse {
			case consentstore.InUseYes:
				id := identifyExe("windows", app.Path)
				if app.Packaged {
					id = identifyPackage(app.Name)
				}
				f.addCapture(capture{Program: id, What: c.what, Via: viaConsentStore})
			case consentstore.InUseUnknown:
				if f.ConsentStore != stateUnknown {
					f.addError("consent store", fmt.Errorf("a usage time: %w", consentstore.ErrUnrecognised))
				}
				f.ConsentStore = stateUnknown
			}
		}
	}
}

// readStore runs `reg query <root> /s`. reg's failure text is localised, so
// a failure is told apart by reading the microphone key's Value through the
// registry: a store that is not there (no app ever asked) is an empty
// answer; anything else is the error.
func readStore(ctx context.Context, p probe.Probe, root string) ([]consentstore.Key, error) {
	out, err := p.Run(ctx, probe.CmdReg, "query", root, "/s")
	if err != nil {
		return nil, err
	}
	if out.ExitCode != 0 {
		_, regErr := p.Registry(root+`\microphone`, "Value")
		switch {
		case errors.Is(regErr, probe.ErrNotFound):
			return nil, nil
		case regErr != nil:
			return nil, regErr
		}
		return nil, fmt.Errorf("reg query exited %d: %w", out.ExitCode, consentstore.ErrUnrecognised)
	}
	return consentstore.ParseRegQuery(probe.ConsoleText(p, out.Stdout))
}
