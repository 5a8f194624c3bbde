package useraccounts

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// linuxFacts is what was seen on Linux.
type linuxFacts struct {
	UIDMin int `json:"uid_min"`
	UIDMax int `json:"uid_max"`
	// DisplayManager is the active display manager: gdm, lightdm, sddm,
	// another program's name, "none" when none is named or configured, or
	// "unnamed" when none is named but configurations are present (then
	// every present one is judged, listed in Judged).
	DisplayManager       string   `json:"display_manager"`
	DisplayManagerSource string   `json:"display_manager_source,omitempty"`
	Judged               []string `json:"judged,omitempty"`
	// AutoLoginVia and GuestVia name the settings that turned them on, e.g.
	// gdm_automatic, gdm_timed, lightdm_autologin_user, sddm_autologin,
	// getty_autologin, lightdm_allow_guest.
	AutoLoginVia []string `json:"auto_login_via,omitempty"`
	GuestVia     []string `json:"guest_via,omitempty"`
	// PAMRules are the display managers' PAM rules behind AutoLoginVia's
	// pam_permit and pam_nopasswd_group: each one's file (the service's
	// own, one it includes, or /usr/lib/pam.d's) and group.
	PAMRules []unixlogin.Rule `json:"pam_rules,omitempty"`
	// AdminVia names how the person at the screen is an administrator:
	// admin_group (sudo, wheel or admin), sudoers_user, sudoers_group,
	// sudoers_all (a rule for ALL users), polkit_admin_user,
	// polkit_admin_group, polkit_allow_all, doas_user, doas_group.
	AdminVia []string `json:"admin_via,omitempty"`
	// AdminNeedsRoot is set when a source of administrator rights that only
	// root may read (sudoers, doas.conf, polkit rules) could not be read.
	AdminNeedsRoot bool `json:"admin_needs_root,omitempty"`
	// OtherEmptyPassword is whether another account with a login shell
	// than the person at the screen's has an empty password that the
	// text console's or the display manager's PAM rules accept (pam_unix
	// nullok): on, off or unknown; "" when not judged (an older agent).
	OtherEmptyPassword state `json:"other_empty_password,omitempty"`
	// EmptyPasswordAccounts counts those accounts with an empty password
	// (never their names); EmptyPasswordAcceptedBy is the PAM file whose
	// pam_unix nullok accepts it.
	EmptyPasswordAccounts   int    `json:"empty_password_accounts,omitempty"`
	EmptyPasswordAcceptedBy string `json:"empty_password_accepted_by,omitempty"`
	// ShadowNeedsRoot is set when /etc/shadow, which only root may read,
	// could not be read.
	ShadowNeedsRoot bool `json:"shadow_needs_root,omitempty"`
}

func collectLinux(ctx context.Context, p probe.Probe, root string, f *facts) {
	lf := &linuxFacts{UIDMin: defaultUIDMin, UIDMax: defaultUIDMax}
	f.Linux = lf

	// Accounts.
	if b, err := p.ReadFile(unixlogin.Under(root, "/etc/login.defs")); err == nil {
		lf.UIDMin, lf.UIDMax = parseLoginDefs(b)
	} else if !errors.Is(err, probe.ErrNotFound) {
		f.addError("/etc/login.defs", err)
	}
	var shells map[string]bool
	if b, err := p.ReadFile(unixlogin.Under(root, "/etc/shells")); err == nil {
		shells = parseShells(b)
	}
	var passwd []unixlogin.Passwd
	passwdOK := false
	if b, err := p.ReadFile(unixlogin.Under(root, "/etc/passwd")); err != nil {
		f.addError("/etc/passwd", err)
	} else if passwd, passwdOK = unixlogin.ParsePasswd(b); passwdOK {
		f.HumanAccounts = intPtr(humanAccounts(passwd, lf.UIDMin, lf.UIDMax, shells))
	} else {
		f.Errors = append(f.Errors, "/etc/passwd: not recognised")
	}

	// The person at the screen.
	var person *probe.User
	if u, ok := consoleUser(p, f); ok {
		person = &u
		f.ConsoleUserAdmin = linuxAdmin(p, root, u, passwd, passwdOK, f)
		f.ConsolePassword = consolePassword(ctx, p, u, passwd, passwdOK, f)
	}

	// Display manager, and text consoles.
	var auto, guest []string
	autoUnknown, guestUnknown := false, false
	dm, src, err := activeDisplayManager(p, root)
	lf.DisplayManager, lf.DisplayManagerSource = dm, src
	if err != nil {
		f.addError("display manager", err)
		autoUnknown, guestUnknown = true, true
	}
	judges := map[string]func(probe.Probe, string) dmConfig{
		"gdm": judgeGDM, "lightdm": judgeLightDM, "sddm": judgeSDDM,
		"greetd": judgeOneFile("greetd"), "ly": judgeOneFile("ly"), "lxdm": judgeOneFile("lxdm"), "nodm": judgeOneFile("nodm"),
	}
	var results []dmConfig
	switch {
	case err != nil:
	case dm == "":
		for _, name := range displayManagers {
			if r := judges[name](p, root); r.present || r.err != nil {
				results = append(results, r)
			}
		}
		lf.DisplayManager = "none"
		if len(results) > 0 {
			lf.DisplayManager = "unnamed"
		}
	case judges[dm] != nil:
		results = append(results, judges[dm](p, root))
	default:
		f.Errors = append(f.Errors, "display manager "+dm+": its settings are not checked")
		autoUnknown, guestUnknown = true, true
	}
	for _, r := range results {
		lf.Judged = append(lf.Judged, r.name)
		if r.err != nil {
			f.addError(r.name, r.err)
			autoUnknown, guestUnknown = true, true
			continue
		}
		auto, guest = append(auto, r.autoVia...), append(guest, r.guestVia...)
		// Its PAM service may sign the person in without a password.
		switch rule, err := passwordlessLogin(p, root, r.name, person, passwd, lf.UIDMin, lf.UIDMax); {
		case err != nil:
			f.addError(r.name+" PAM service ("+unixlogin.Where(err, dmPAMServices[r.name])+")", err)
			autoUnknown = true
		case rule.Via != "":
			auto = append(auto, rule.Via)
			lf.PAMRules = append(lf.PAMRules, rule)
		}
	}
	getty, gettyErr := gettyAutologin(p, root)
	if gettyErr != nil {
		f.addError("getty settings", gettyErr)
		autoUnknown = true
	} else if getty {
		auto = append(auto, "getty_autologin")
	}
	lf.AutoLoginVia, lf.GuestVia = auto, guest
	judgeOtherEmptyPasswords(p, root, person, passwd, passwdOK, lf, f)

	f.AutoLogin, f.Guest = verdict(auto, autoUnknown), verdict(guest, guestUnknown)
	if f.AutoLogin != stateUnknown {
		f.AutoLoginSource = strings.Join(append(slices.Clone(lf.Judged), "getty"), ",")
	}
	if f.Guest != stateUnknown {
		f.GuestSource = strings.Join(lf.Judged, ",")
		if f.GuestSource == "" {
			f.GuestSource = "no display manager"
		}
	}
}

// consolePassword asks passwd -S whether the account of the person at
// the screen has a password: as that person first (shadow-utils' passwd
// answers its own user, so an agent run by the person can ask), then as
// the agent naming the account (Fedora's and RHEL's passwd answers root
// only). Only a local account (in /etc/passwd) is asked: a directory
// account's password is its directory's.
func consolePassword(ctx context.Context, p probe.Probe, u probe.User, passwd []unixlogin.Passwd, passwdOK bool, f *facts) string {
	if !passwdOK {
		return passwordUnknown
	}
	if !slices.ContainsFunc(passwd, func(e unixlogin.Passwd) bool { return e.IsAccountOf(u) }) {
		return passwordDirectory
	}
	st, problem := passwdstatus.Ask(ctx, p, u)
	if problem != "" {
		f.Errors = append(f.Errors, problem)
		return passwordUnknown
	}
	return st
}

func verdict(via []string, unknown bool) state {
	switch {
	case len(via) > 0:
		return stateOn
	case unknown:
		return stateUnknown
	default:
		return stateOff
	}
}

func linuxAdmin(p probe.Probe, root string, u probe.User, passwd []unixlogin.Passwd, passwdOK bool, f *facts) state {
	uid, err := strconv.Atoi(u.UID)
	if err != nil {
		f.Errors = append(f.Errors, "console user: id is not numeric")
		return stateUnknown
	}
	if uid == 0 {
		f.AdminSource = "root"
		return stateOn
	}
	if !passwdOK {
		return stateUnknown
	}
	i := slices.IndexFunc(passwd, func(e unixlogin.Passwd) bool { return e.UID == uid })
	if i < 0 {
		f.Errors = append(f.Errors, "console user: not a local account in /etc/passwd (directory account)")
		return stateUnknown
	}
	b, err := p.ReadFile(unixlogin.Under(root, "/etc/group"))
	if err != nil {
		f.addError("/etc/group", err)
		return stateUnknown
	}
	groups, ok := unixlogin.ParseGroup(b)
	if !ok {
		f.Errors = append(f.Errors, "/etc/group: not recognised")
		return stateUnknown
	}
	// Membership of sudo, wheel or admin is the distributions' own grant
	// (their sudoers and polkit rules name these groups); sudoers, doas and
	// polkit may name anyone else.
	groupPart := adminPart("/etc/group", "", nil)
	if isAdmin(passwd[i], groups) {
		groupPart = adminPart("/etc/group", "admin_group", nil)
	}
	parts := append([]checks.Result{groupPart}, linuxAdminSources(p, root, identityOf(passwd[i], groups))...)
	var read, via []string
	for _, part := range parts {
		switch part.Status {
		case checks.Fail:
			via = append(via, part.Summary)
			read = append(read, part.Reason)
		case checks.Pass:
			read = append(read, part.Summary)
		}
	}
	f.Linux.AdminVia = via
	f.AdminSource = strings.Join(read, ",")
	switch r := checks.AllOf(parts...); r.Status {
	case checks.Fail:
		return stateOn
	case checks.Unknown:
		f.Errors = append(f.Errors, r.Reason)
		f.Linux.AdminNeedsRoot = strings.Contains(r.Reason, probe.ErrorKind(probe.ErrAccessDenied))
		return stateUnknown
	}
	return stateOff
}

// activeDisplayManager names the display manager that starts at boot, or ""
// when nothing names one. err is set when a source exists but cannot be read.
func activeDisplayManager(p probe.Probe, root string) (name, source string, err error) {
	b, err := p.ReadFile(unixlogin.Under(root, "/etc/X11/default-display-manager"))
	if err == nil {
		if name = parseDefaultDisplayManager(b); name != "" {
			return name, "default-display-manager", nil
		}
	} else if !errors.Is(err, probe.ErrNotFound) {
		return "", "", err
	}
	// ReadFile follows the symlink to the unit file of the display manager.
	b, err = p.ReadFile(unixlogin.Under(root, "/etc/systemd/system/display-manager.service"))
	if err == nil {
		if name = parseUnitExecStart(b); name != "" {
			return name, "display-manager.service", nil
		}
	} else if !errors.Is(err, probe.ErrNotFound) {
		return "", "", err
	}
	return "", "", nil
}

// displayManagers are the display managers whose settings are judged, in
// the order they are judged when none is named.
var displayManagers = []string{"gdm", "lightdm", "sddm", "greetd", "ly", "lxdm", "nodm"}

// dmConfig is what one display manager's settings say.
type dmConfig struct {
	name              string
	present           bool
	autoVia, guestVia []string
	err               error
}

// readFiles reads the files that exist among paths; present is true when at
// least one did. A file that exists but cannot be read is an error.
func readFiles(p probe.Probe, paths []string) (contents [][]byte, present bool, err error) {
	for _, path := range paths {
		b, err := p.ReadFile(path)
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, present, err
		}
		contents, present = append(contents, b), true
	}
	return contents, present, nil
}

// confDir lists the *.conf files of a drop-in directory, sorted.
func confDir(p probe.Probe, dir string) ([]string, error) {
	names, err := p.ReadDir(dir)
	if errors.Is(err, probe.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".conf") {
			out = append(out, dir+"/"+n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func judgeGDM(p probe.Probe, root string) dmConfig {
	r := dmConfig{name: "gdm"}
	files, present, err := readFiles(p, []string{
		unixlogin.Under(root, "/etc/gdm3/daemon.conf"), unixlogin.Under(root, "/etc/gdm3/custom.conf"), unixlogin.Under(root, "/etc/gdm/custom.conf"),
	})
	r.present, r.err = present, err
	for _, b := range files {
		for _, via := range gdmAutoLogin(parseINI(b)) {
			if !slices.Contains(r.autoVia, via) {
				r.autoVia = append(r.autoVia, via)
			}
		}
	}
	return r
}

func judgeLightDM(p probe.Probe, root string) dmConfig {
	r := dmConfig{name: "lightdm"}
	var paths []string
	for _, dir := range []string{"/usr/share/lightdm/lightdm.conf.d", "/etc/xdg/lightdm/lightdm.conf.d", "/etc/lightdm/lightdm.conf.d"} {
		names, err := confDir(p, unixlogin.Under(root, dir))
		if err != nil {
			r.err = err
			return r
		}
		paths = append(paths, names...)
	}
	paths = append(paths, unixlogin.Under(root, "/etc/lightdm/lightdm.conf"))
	files, present, err := readFiles(p, paths)
	r.present, r.err = present, err
	if err != nil || !present {
		return r
	}
	seat := map[string]string{}
	for _, b := range files {
		for k, v := range lightDMSeat(parseINI(b), sectionOrder(b)) {
			seat[k] = v
		}
	}
	if seat["autologin-user"] != "" {
		r.autoVia = append(r.autoVia, "lightdm_autologin_user")
	}
	if v, _ := keyFileBool(seat["autologin-guest"]); v {
		r.autoVia = append(r.autoVia, "lightdm_autologin_guest")
		r.guestVia = append(r.guestVia, "lightdm_autologin_guest")
	}
	if v, set := seat["allow-guest"]; set {
		if on, _ := keyFileBool(v); on {
			r.guestVia = append(r.guestVia, "lightdm_allow_guest")
		}
	} else {
		// LightDM allows guests unless told not to, but a guest session
		// only starts when the guest-account script is installed.
		_, err := p.ReadFile(unixlogin.Under(root, "/usr/sbin/guest-account"))
		switch {
		case err == nil:
			r.guestVia = append(r.guestVia, "lightdm_default_guest")
		case !errors.Is(err, probe.ErrNotFound):
			r.err = err
		}
	}
	return r
}

func judgeSDDM(p probe.Probe, root string) dmConfig {
	r := dmConfig{name: "sddm"}
	var paths []string
	for _, dir := range []string{"/usr/lib/sddm/sddm.conf.d", "/etc/sddm.conf.d"} {
		names, err := confDir(p, unixlogin.Under(root, dir))
		if err != nil {
			r.err = err
			return r
		}
		paths = append(paths, names...)
	}
	paths = append(paths, unixlogin.Under(root, "/etc/sddm.conf"))
	files, present, err := readFiles(p, paths)
	r.present, r.err = present, err
	merged := ini{}
	for _, b := range files {
		merged.Merge(parseINI(b))
	}
	if u, _ := merged.Get("Autologin", "User"); u != "" {
		r.autoVia = append(r.autoVia, "sddm_autologin")
	}
	return r
}

// gettyUnits are the systemd units that run a login prompt on a text
// console or serial line (their templates, "getty@.service", and
// instances, "getty@tty1.service"; console-getty has no instances).
var gettyUnits = []string{"getty@", "serial-getty@", "autovt@", "console-getty"}

// isGettyUnit reports whether name is one of gettyUnits with the given
// suffix (".service" for a unit file, ".service.d" for its drop-ins).
func isGettyUnit(name, suffix string) bool {
	base, ok := strings.CutSuffix(name, suffix)
	return ok && slices.ContainsFunc(gettyUnits, func(u string) bool {
		return strings.HasPrefix(base, u) && (strings.HasSuffix(u, "@") || base == u)
	})
}

// gettyAutologin looks for agetty --autologin in the text-console gettys:
// /etc/inittab's (inittabAutologin) where init is not systemd; systemd's,
// their drop-ins and the whole units an administrator put in
// /etc/systemd/system (what "systemctl edit --full getty@tty1" writes),
// and the templates in /usr/lib/systemd/system and /lib/systemd/system,
// which no distribution ships with an automatic login but which images
// are seen to edit in place.
func gettyAutologin(p probe.Probe, root string) (bool, error) {
	switch b, err := p.ReadFile(unixlogin.Under(root, "/etc/inittab")); {
	case errors.Is(err, probe.ErrNotFound):
	case err != nil:
		return false, err
	case inittabAutologin(b):
		return true, nil
	}
	for _, dir := range []string{"/usr/lib/systemd/system", "/lib/systemd/system"} {
		for _, u := range gettyUnits {
			b, err := p.ReadFile(unixlogin.Under(root, dir+"/"+u+".service"))
			switch {
			case errors.Is(err, probe.ErrNotFound):
			case err != nil:
				return false, err
			case gettyAutologinUnit(b):
				return true, nil
			}
		}
	}
	dir := unixlogin.Under(root, "/etc/systemd/system")
	names, err := p.ReadDir(dir)
	if errors.Is(err, probe.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, n := range names {
		var paths []string
		switch {
		case isGettyUnit(n, ".service"):
			paths = []string{dir + "/" + n}
		case isGettyUnit(n, ".service.d"):
			if paths, err = confDir(p, dir+"/"+n); err != nil {
				return false, err
			}
		default:
			continue
		}
		files, _, err := readFiles(p, paths)
		if err != nil {
			return false, err
		}
		for _, b := range files {
			if gettyAutologinUnit(b) {
				return true, nil
			}
		}
	}
	return false, nil
}

// oneFileDMs are the display managers whose automatic login is one setting
// in one file: greetd's [initial_session] (which starts that user's
// session at boot without a password), ly's auto_login_user (ly 1.1 and
// later; older versions have none), LXDM's [base] autologin, and nodm,
// which exists to sign one user in and does so unless NODM_ENABLED=false.
var oneFileDMs = map[string]struct {
	file, via string
	on        func([]byte) bool
}{
	"greetd": {"/etc/greetd/config.toml", "greetd_initial_session", greetdInitialSession},
	"ly":     {"/etc/ly/config.ini", "ly_auto_login", lyAutoLogin},
	"lxdm":   {"/etc/lxdm/lxdm.conf", "lxdm_autologin", lxdmAutoLogin},
	"nodm":   {"/etc/default/nodm", "nodm", nodmAutoLogin},
}

// judgeOneFile judges a display manager of oneFileDMs.
func judgeOneFile(name string) func(probe.Probe, string) dmConfig {
	dm := oneFileDMs[name]
	return func(p probe.Probe, root string) dmConfig {
		r := dmConfig{name: name}
		files, present, err := readFiles(p, []string{unixlogin.Under(root, dm.file)})
		r.present, r.err = present, err
		switch {
		case err == nil && present && dm.on(files[0]):
			r.autoVia = []string{dm.via}
		case err == nil && !present && name == "nodm":
			// Without the file nodm signs in NODM_USER's default, root.
			r.autoVia = []string{dm.via}
		}
		return r
	}
}
