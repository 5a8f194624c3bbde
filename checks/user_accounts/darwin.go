package useraccounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/macos"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// darwinFacts is what was seen on macOS.
type darwinFacts struct {
	// GuestEnabled and AutoLoginUserSet are the loginwindow preferences
	// (nil when not read). ManagedGuestOff and ManagedAutoLoginOff are set
	// when a configuration profile forbids them, ManagedGuestOn when one
	// turns the guest account on (com.apple.MCX EnableGuestAccount).
	GuestEnabled        *bool `json:"guest_enabled,omitempty"`
	AutoLoginUserSet    *bool `json:"auto_login_user_set,omitempty"`
	ManagedGuestOff     bool  `json:"managed_guest_off,omitempty"`
	ManagedGuestOn      bool  `json:"managed_guest_on,omitempty"`
	ManagedAutoLoginOff bool  `json:"managed_auto_login_off,omitempty"`
	// KCPassword is whether /etc/kcpassword, the saved automatic-login
	// password, exists (nil when /etc could not be listed). Its content is
	// never read.
	KCPassword *bool `json:"kcpassword,omitempty"`
	// AdminVia names the sudoers rule that makes a standard account an
	// administrator in effect: sudoers_user, sudoers_group (a group such
	// as staff or everyone, which every local account is in) or
	// sudoers_all. AdminNeedsRoot is set when /etc/sudoers or a file it
	// includes could not be read (only root may read them).
	AdminVia       []string `json:"admin_via,omitempty"`
	AdminNeedsRoot bool     `json:"admin_needs_root,omitempty"`
}

// Paths of the loginwindow preferences and the managed (profile) ones.
const (
	loginwindowPlist        = "/Library/Preferences/com.apple.loginwindow.plist"
	loginwindowDomain       = "/Library/Preferences/com.apple.loginwindow"
	managedLoginwindowPlist = "/Library/Managed Preferences/com.apple.loginwindow.plist"
	managedMCXPlist         = "/Library/Managed Preferences/com.apple.MCX.plist"
)

func collectDarwin(ctx context.Context, p probe.Probe, root string, f *facts) {
	df := &darwinFacts{}
	f.Darwin = df

	// Accounts.
	out, err := p.Run(ctx, probe.CmdDscl, ".", "-list", "/Users", "UniqueID")
	if err != nil {
		f.addError("dscl -list /Users", err)
	} else if n, ok := parseDsclUsers(out.Stdout, out.ExitCode); ok {
		f.HumanAccounts = intPtr(n)
	} else {
		f.Errors = append(f.Errors, "dscl -list /Users: not recognised")
	}

	// The person at the screen.
	if u, ok := consoleUser(p, f); ok {
		f.ConsoleUserAdmin, f.AdminSource = darwinAdmin(ctx, p, u, f)
		if f.ConsoleUserAdmin != stateOn {
			darwinSudoers(ctx, p, root, u, f)
		}
	}

	// Guest and automatic login. A configuration profile (com.apple.MCX)
	// may turn the guest account on or off whatever the preferences say;
	// the managed loginwindow payload can only turn guest and automatic
	// login off, so it is read only when the preferences do not already
	// say off.
	mcx, mcxErr := readPlist(p, unixlogin.Under(root, managedMCXPlist))
	if v, ok := macos.PlistBool(mcx["DisableGuestAccount"]); ok && v {
		df.ManagedGuestOff = true
	}
	if v, ok := macos.PlistBool(mcx["EnableGuestAccount"]); ok {
		df.ManagedGuestOff, df.ManagedGuestOn = df.ManagedGuestOff || !v, v && !df.ManagedGuestOff
	}
	prefs, prefsErr := loginwindowPrefs(ctx, p, root)
	if prefsErr == nil {
		df.GuestEnabled, df.AutoLoginUserSet = prefs.guest, prefs.autoLogin
	} else {
		f.addError("loginwindow preferences", prefsErr)
	}
	guestOn := df.GuestEnabled != nil && *df.GuestEnabled
	autoOn := df.AutoLoginUserSet != nil && *df.AutoLoginUserSet
	guestDecided := df.ManagedGuestOff || df.ManagedGuestOn
	var managedErr error
	if (!guestDecided && (guestOn || prefsErr != nil)) || autoOn || prefsErr != nil {
		var managed map[string]any
		managed, managedErr = readPlist(p, unixlogin.Under(root, managedLoginwindowPlist))
		if v, ok := macos.PlistBool(managed["com.apple.login.mcx.DisableAutoLoginClient"]); ok && v {
			df.ManagedAutoLoginOff = true
		}
		if v, ok := macos.PlistBool(managed["DisableGuestAccount"]); ok && v && !df.ManagedGuestOn {
			df.ManagedGuestOff = true
		}
		if managedErr != nil {
			f.addError("managed loginwindow preferences", managedErr)
		}
	}
	switch {
	case df.ManagedGuestOn:
		f.Guest, f.GuestSource = stateOn, "profile"
	case mcxErr != nil:
		// A profile that cannot be read may turn the guest account on.
		f.addError("managed preferences (com.apple.MCX)", mcxErr)
	case df.ManagedGuestOff:
		f.Guest, f.GuestSource = stateOff, "profile"
	case prefsErr != nil:
	case guestOn && managedErr != nil:
		// A profile that cannot be read may turn it off: not proven.
	case guestOn:
		f.Guest, f.GuestSource = stateOn, prefs.source
	default:
		// GuestEnabled absent is the default: no guest.
		f.Guest, f.GuestSource = stateOff, prefs.source
	}
	switch {
	case df.ManagedAutoLoginOff:
		f.AutoLogin, f.AutoLoginSource = stateOff, "profile"
	case prefsErr != nil:
	case autoOn && managedErr != nil:
	case autoOn:
		f.AutoLogin, f.AutoLoginSource = stateOn, prefs.source
	default:
		f.AutoLogin, f.AutoLoginSource = stateOff, prefs.source
	}

	// The saved automatic-login password: presence only, by name.
	names, err := p.ReadDir(unixlogin.Under(root, "/etc"))
	if err != nil {
		f.addError("listing /etc", err)
	} else {
		df.KCPassword = new(slices.Contains(names, "kcpassword"))
	}
}

// loginPrefs is what the loginwindow preferences say.
type loginPrefs struct {
	guest, autoLogin *bool
	source           string
}

// loginwindowPrefs reads the loginwindow preferences plist, or asks
// defaults when the file cannot be read or parsed.
func loginwindowPrefs(ctx context.Context, p probe.Probe, root string) (loginPrefs, error) {
	b, err := p.ReadFile(unixlogin.Under(root, loginwindowPlist))
	if err == nil {
		if prefs, ok := parseLoginwindowPlist(b); ok {
			return prefs, nil
		}
	}
	fileProblem := "plist not recognised"
	if err != nil {
		fileProblem = "plist " + probe.ErrorKind(err)
	}
	guestOut, err := p.Run(ctx, probe.CmdDefaults, "read", loginwindowDomain, "GuestEnabled")
	if err != nil {
		return loginPrefs{}, fmt.Errorf("%s; defaults %s", fileProblem, probe.ErrorKind(err))
	}
	guest, ok := parseDefaultsBool(guestOut.Stdout, guestOut.Stderr, guestOut.ExitCode)
	if !ok {
		return loginPrefs{}, errors.New("defaults read GuestEnabled: not recognised")
	}
	autoOut, err := p.Run(ctx, probe.CmdDefaults, "read", loginwindowDomain, "autoLoginUser")
	if err != nil {
		return loginPrefs{}, err
	}
	auto, ok := parseDefaultsPresent(autoOut.Stdout, autoOut.Stderr, autoOut.ExitCode)
	if !ok {
		return loginPrefs{}, errors.New("defaults read autoLoginUser: not recognised")
	}
	return loginPrefs{guest: guest, autoLogin: new(auto), source: "defaults"}, nil
}

// parseLoginwindowPlist reads com.apple.loginwindow.plist (binary or XML):
// GuestEnabled (absent → nil) and whether autoLoginUser names anyone.
func parseLoginwindowPlist(b []byte) (loginPrefs, bool) {
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil || m == nil {
		return loginPrefs{}, false
	}
	prefs := loginPrefs{source: "plist"}
	if v, ok := m["GuestEnabled"]; ok {
		g, ok := macos.PlistBool(v)
		if !ok {
			return loginPrefs{}, false
		}
		prefs.guest = &g
	}
	user, _ := m["autoLoginUser"].(string)
	prefs.autoLogin = new(strings.TrimSpace(user) != "")
	return prefs, true
}

// readPlist parses a plist file into a map: nil when absent, an error when
// it exists but cannot be read or parsed.
func readPlist(p probe.Probe, path string) (map[string]any, error) {
	b, err := p.ReadFile(path)
	if errors.Is(err, probe.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil {
		return nil, errors.New("plist not recognised")
	}
	return m, nil
}

// parseDefaultsBool reads `defaults read DOMAIN KEY` of a boolean: "1" or
// "0". A key that is not set gives nil (the default, off).
func parseDefaultsBool(stdout, stderr []byte, exit int) (*bool, bool) {
	if exit != 0 {
		if macos.DefaultsMissing(stderr) {
			return nil, true
		}
		return nil, false
	}
	v, ok := macos.PlistBool(strings.TrimSpace(string(stdout)))
	if !ok {
		return nil, false
	}
	return &v, true
}

// parseDefaultsPresent reads `defaults read DOMAIN KEY` of a string and
// reports whether it holds anything. The value itself (a user name) is
// dropped here.
func parseDefaultsPresent(stdout, stderr []byte, exit int) (present, ok bool) {
	if exit != 0 {
		return false, macos.DefaultsMissing(stderr)
	}
	return strings.TrimSpace(string(stdout)) != "", true
}

// parseDsclUsers counts the human accounts in `dscl . -list /Users
// UniqueID`: UniqueID 501 or above and a name not starting with "_".
func parseDsclUsers(stdout []byte, exit int) (int, bool) {
	if exit != 0 {
		return 0, false
	}
	n, rows := 0, 0
	for _, line := range unixlogin.Lines(stdout) {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return 0, false
		}
		uid, err := strconv.Atoi(fields[len(fields)-1])
		if err != nil {
			return 0, false
		}
		rows++
		if uid >= 501 && !strings.HasPrefix(fields[0], "_") {
			n++
		}
	}
	return n, rows > 0
}

// parseDsmemberutil reads `dsmemberutil checkmembership`: "user is a member
// of the group" or "user is not a member of the group".
func parseDsmemberutil(stdout []byte) (member, ok bool) {
	s := strings.TrimSpace(string(stdout))
	switch s {
	case "user is a member of the group":
		return true, true
	case "user is not a member of the group":
		return false, true
	}
	return false, false
}

// parseGroupMembership reads `dscl . -read /Groups/admin GroupMembership`:
// "GroupMembership: root alice". ok is false for anything else.
func parseGroupMembership(stdout []byte, exit int) ([]string, bool) {
	if exit != 0 {
		return nil, false
	}
	s := strings.TrimSpace(string(stdout))
	rest, found := strings.CutPrefix(s, "GroupMembership:")
	if !found {
		return nil, false
	}
	return strings.Fields(rest), true
}

func darwinAdmin(ctx context.Context, p probe.Probe, u probe.User, f *facts) (state, string) {
	if u.UID == "0" {
		return stateOn, "root"
	}
	if _, err := strconv.Atoi(u.UID); err == nil {
		member, err := darwinMember(ctx, p, u.UID, "admin")
		switch {
		case err != nil:
			f.addError("dsmemberutil", err)
		case member:
			return stateOn, "dsmemberutil"
		default:
			return stateOff, "dsmemberutil"
		}
	}
	out, err := p.Run(ctx, probe.CmdDscl, ".", "-read", "/Groups/admin", "GroupMembership")
	if err != nil {
		f.addError("dscl -read /Groups/admin", err)
		return stateUnknown, ""
	}
	members, ok := parseGroupMembership(out.Stdout, out.ExitCode)
	if !ok || u.Name == "" {
		f.Errors = append(f.Errors, "dscl -read /Groups/admin: not recognised")
		return stateUnknown, ""
	}
	if slices.Contains(members, u.Name) {
		return stateOn, "dscl"
	}
	return stateOff, "dscl"
}

// darwinSudoers judges sudo's rules for a person the admin group does not
// make an administrator: /etc/sudoers and what it includes (macOS's own
// includes /private/etc/sudoers.d). A rule letting them run any command
// as root, or a command that gives a root shell, with their own password
// makes them an administrator in effect; a rule for %admin adds nothing to
// the admin group already judged. Groups the rules name are asked of
// dsmemberutil, which knows nested groups (everyone, localaccounts) and
// the primary group (staff).
func darwinSudoers(ctx context.Context, p probe.Probe, root string, u probe.User, f *facts) {
	uid, err := strconv.Atoi(u.UID)
	if err != nil || u.Name == "" {
		f.Errors = append(f.Errors, "sudoers: console user not identified")
		f.ConsoleUserAdmin = stateUnknown
		return
	}
	id := identity{Name: u.Name, UID: uid, GID: -1, Groups: map[string]bool{}, GIDs: map[int]bool{}}
	if f.ConsoleUserAdmin == stateOff {
		id.Groups["admin"] = false
	}
	var lookupErr error
	asked := map[string]bool{}
	id.memberOf = func(group string) bool {
		if member, ok := asked[group]; ok {
			return member
		}
		member, err := darwinMember(ctx, p, u.UID, group)
		if err != nil && lookupErr == nil {
			lookupErr = err
		}
		asked[group] = member
		return member
	}
	part := sudoersPart(p, root, id)
	switch part.Status {
	case checks.Fail:
		f.ConsoleUserAdmin = stateOn
		f.Darwin.AdminVia = []string{part.Summary}
		f.AdminSource = joinSource(f.AdminSource, part.Reason)
	case checks.Unknown:
		f.ConsoleUserAdmin = stateUnknown
		f.Errors = append(f.Errors, part.Reason)
		f.Darwin.AdminNeedsRoot = strings.Contains(part.Reason, probe.ErrorKind(probe.ErrAccessDenied))
	case checks.Pass:
		if lookupErr != nil {
			// A group a rule names could not be asked about.
			f.ConsoleUserAdmin = stateUnknown
			f.addError("dsmemberutil (a group sudoers names)", lookupErr)
			return
		}
		f.AdminSource = joinSource(f.AdminSource, part.Summary)
	}
}

// darwinMember asks dsmemberutil whether the user id is in a group, named
// or "#gid".
func darwinMember(ctx context.Context, p probe.Probe, uid, group string) (bool, error) {
	flag := "-G"
	if gid, ok := strings.CutPrefix(group, "#"); ok {
		flag, group = "-g", gid
	}
	out, err := p.Run(ctx, probe.CmdDsmemberutil, "checkmembership", "-u", uid, flag, group)
	if err != nil {
		return false, err
	}
	member, ok := parseDsmemberutil(out.Stdout)
	if !ok {
		return false, errors.New("not recognised")
	}
	return member, nil
}

// joinSource adds a source to a comma-separated list.
func joinSource(have, next string) string {
	if have == "" {
		return next
	}
	return have + "," + next
}
