package captureinuse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/consentstore"
	"github.com/sessionguard/sessionguard/checks/internal/regquery"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// capabilities are the consent store's capabilities this check reads and
// what each captures. Shared ones are devices every account and service
// on the computer uses (the microphone and the camera), read in the other
// stores too; screen capture in another account's session sees that
// session's screen, not the console's.
var capabilities = []struct {
	key, what string
	shared    bool
}{
	{"microphone", microphone, true},
	{"webcam", camera, true},
	{"graphicsCaptureProgrammatic", screen, false},
	{"graphicsCaptureWithoutBorder", screen, false},
}

// Whose program a capture seen in a consent store other than the console
// user's is (capture.Account).
const (
	// accountService: the machine's store (HKLM), where Windows records
	// programs running as SYSTEM, or a service account's own hive
	// (LocalSystem S-1-5-18, LocalService S-1-5-19, NetworkService
	// S-1-5-20).
	accountService = "service"
	// accountOther: another account's hive, loaded while it is signed in
	// (fast user switching, a disconnected remote session) or running a
	// program.
	accountOther = "other"
)

// What the stores and the list of hives are called in facts' errors.
const (
	storeMachine      = "the system's consent store"
	storeService      = "a service account's consent store"
	storeOtherAccount = "another account's consent store"
	loadedHivesName   = "the signed-in accounts"
)

// serviceSIDs are the service accounts whose hives Windows keeps loaded.
var serviceSIDs = []string{"S-1-5-18", "S-1-5-19", "S-1-5-20"}

// collectWindows reads the console user's consent store in one `reg query
// /s` and lists the apps whose last use started after it last stopped:
// using the microphone, camera or screen capture now. Then it reads the
// microphone and camera records of every other store: the machine's and
// each other loaded hive's.
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
	collectConsoleStore(ctx, p, u.UID, f)
	collectOtherStores(ctx, p, u.UID, f)
}

// collectConsoleStore reads the console user's store: their own apps,
// which pass when they are the policy's call apps.
func collectConsoleStore(ctx context.Context, p probe.Probe, sid string, f *facts) {
	root := `HKU\` + sid + consentstore.Suffix
	keys, err := readStore(ctx, p, root)
	if err != nil {
		f.addError("consent store", err)
		return
	}
	f.ConsentStore = stateRead
	if !addStoreCaptures(f, keys, root, "") {
		f.addError("consent store", fmt.Errorf("a usage time: %w", consentstore.ErrUnrecognised))
		f.ConsentStore = stateUnknown
	}
}

// addStoreCaptures adds the captures one store's keys record as in use
// now, as the programs of account ("" for the console user's own, whose
// screen capture counts too; otherwise only the shared capabilities), and
// reports false when a usage time was not recognised (once, whatever
// number were not).
func addStoreCaptures(f *facts, keys []regquery.Key, root, account string) bool {
	recognised := true
	for _, c := range capabilities {
		if account != "" && !c.shared {
			continue
		}
		for _, app := range consentstore.Apps(keys, regquery.NormaliseRoot(root), c.key) {
			switch app.InUse {
			case consentstore.InUseYes:
				f.addCapture(capture{Program: identifyStoreApp(app), What: c.what, Via: viaConsentStore, Account: account})
			case consentstore.InUseUnknown:
				recognised = false
			}
		}
	}
	return recognised
}

// collectOtherStores reads the microphone and camera records of the
// machine's store (HKLM), where Windows records programs running as
// SYSTEM, and of every loaded hive but the console user's (`reg query
// HKU` lists them; .DEFAULT is S-1-5-18's hive again, and a _Classes hive
// holds no store). A program using either there runs as a system service
// or another account: never the practitioner's call app. A store that is
// not there (nothing ever asked) is read; one that cannot be read, or a
// list of hives that cannot be, leaves OtherConsentStores unknown.
func collectOtherStores(ctx context.Context, p probe.Probe, consoleSID string, f *facts) {
	f.OtherConsentStores = stateRead
	stores := []otherStore{{`HKLM` + consentstore.Suffix, accountService, storeMachine}}
	sids, err := loadedHives(ctx, p)
	if err != nil {
		f.addError(loadedHivesName, err)
		f.OtherConsentStores = stateUnknown
	}
	for _, sid := range sids {
		switch {
		case strings.EqualFold(sid, consoleSID):
		case slices.ContainsFunc(serviceSIDs, func(s string) bool { return strings.EqualFold(s, sid) }):
			stores = append(stores, otherStore{`HKU\` + sid + consentstore.Suffix, accountService, storeService})
		default:
			stores = append(stores, otherStore{`HKU\` + sid + consentstore.Suffix, accountOther, storeOtherAccount})
		}
	}
	for _, s := range stores {
		keys, err := readStore(ctx, p, s.root)
		if err != nil {
			f.addError(s.name, err)
			f.OtherConsentStores = stateUnknown
			continue
		}
		if !addStoreCaptures(f, keys, s.root, s.account) {
			f.addError(s.name, fmt.Errorf("a usage time: %w", consentstore.ErrUnrecognised))
			f.OtherConsentStores = stateUnknown
		}
	}
}

// otherStore is a consent store other than the console user's: its key,
// whose programs it records (accountService, accountOther) and what it is
// called in errors.
type otherStore struct{ root, account, name string }

// identifyStoreApp names a consent store's app: a packaged app by its family,
// a desktop program by its full path (a call app only where installed).
func identifyStoreApp(app consentstore.App) string {
	if app.Packaged {
		return identifyPackage(app.Name)
	}
	return identifyExe("windows", app.Path)
}

// loadedHives lists the hives loaded under HKU by `reg query HKU` (a line
// per hive, "HKEY_USERS\<name>"): their SIDs, without .DEFAULT (the same
// hive as S-1-5-18's) and the users' _Classes hives.
func loadedHives(ctx context.Context, p probe.Probe) ([]string, error) {
	out, err := p.Run(ctx, probe.CmdReg, "query", "HKU")
	if err != nil {
		return nil, err
	}
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("reg query HKU exited %d: %w", out.ExitCode, probe.ErrUnavailable)
	}
	keys, err := regquery.Parse(probe.ConsoleText(p, out.Stdout))
	if err != nil {
		return nil, err
	}
	var sids []string
	for _, k := range keys {
		name, ok := strings.CutPrefix(k.Path, `HKEY_USERS\`)
		if !ok || name == "" || strings.Contains(name, `\`) {
			return nil, fmt.Errorf("reg query HKU key %q: %w", k.Path, consentstore.ErrUnrecognised)
		}
		if strings.EqualFold(name, ".DEFAULT") || strings.HasSuffix(strings.ToLower(name), "_classes") {
			continue
		}
		sids = append(sids, name)
	}
	return sids, nil
}

// readStore runs `reg query <root> /s`. reg's failure text is localised, so
// a failure is told apart by reading the microphone key's Value through the
// registry: a store that is not there (no app ever asked) is an empty
// answer; anything else is the error.
func readStore(ctx context.Context, p probe.Probe, root string) ([]regquery.Key, error) {
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
	return regquery.Parse(probe.ConsoleText(p, out.Stdout))
}
