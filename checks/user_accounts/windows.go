package useraccounts

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// windowsFacts is what was seen on Windows.
type windowsFacts struct {
	// GuestAccount is the state of the built-in Guest account (RID 501):
	// enabled, disabled or absent.
	GuestAccount string `json:"guest_account,omitempty"`
	// BuiltinAdministrator is the state of the built-in Administrator
	// account (RID 500): enabled, disabled or absent.
	BuiltinAdministrator string `json:"builtin_administrator,omitempty"`
	// BuiltinAdministratorPasswordRequired is its Win32_UserAccount
	// PasswordRequired when it is enabled: false lets it have a blank
	// password (recorded, not judged: see builtinAdministratorOn). nil
	// when not read (disabled, absent, or an older agent).
	BuiltinAdministratorPasswordRequired *bool `json:"builtin_administrator_password_required,omitempty"`
	// BuiltinAdministratorLAPS is true when the enabled built-in
	// Administrator's password is managed by LAPS (lapsManagesBuiltinAdministrator):
	// set by the organisation, different on every PC and changed
	// regularly, so not one password shared by whoever knows it.
	BuiltinAdministratorLAPS bool `json:"builtin_administrator_laps,omitempty"`
	// ConsolePasswordRequired is PasswordRequired of the console user's
	// local account: false lets it have a blank password (recorded, not
	// judged: see builtinAdministratorOn). nil for a domain or Entra ID
	// account (its directory sets the rule) and when not read.
	ConsolePasswordRequired *bool `json:"console_password_required,omitempty"`
	// AutoAdminLogon is the Winlogon value as found ("1", "0", ...) or
	// "absent".
	AutoAdminLogon string `json:"auto_admin_logon,omitempty"`
	// ConsoleUserLocal is true when the console user is a local account,
	// false for a domain or Microsoft Entra account.
	ConsoleUserLocal *bool `json:"console_user_local,omitempty"`
	// AdministratorsMembers is how many members the Administrators group
	// has (direct members only).
	AdministratorsMembers *int `json:"administrators_members,omitempty"`
	// AdminVia is how the administrator question was decided: from the
	// "Administrators member list", or the "signed-in groups" Windows
	// recorded for the person (nested domain and Entra ID groups).
	AdminVia string `json:"admin_via,omitempty"`
	// AdminUnresolved is set when Administrators holds a domain or Entra ID
	// group the person may be in and their signed-in groups could not be
	// read.
	AdminUnresolved bool `json:"admin_unresolved,omitempty"`
	// AdminEquivalent names the built-in group that makes the person an
	// administrator without being in Administrators (adminEquivalentSIDs).
	AdminEquivalent string `json:"admin_equivalent_group,omitempty"`
}

// Well-known SIDs and RIDs.
const (
	administratorsSID = "S-1-5-32-544"
	ridAdministrator  = 500
	ridGuest          = 501
	ridDefaultAccount = 503
	ridWDAGUtility    = 504
	winlogonKey       = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`
)

// adminEquivalentSIDs are the built-in groups whose members can do what an
// administrator does, by their SIDs and English names: Backup Operators
// back up and restore every file whatever its permissions (restoring
// replaces system files); Hyper-V Administrators have full control of
// Hyper-V, which Microsoft counts among the privileged groups to protect
// like Administrators.
var adminEquivalentSIDs = map[string]string{"S-1-5-32-551": "Backup Operators", "S-1-5-32-578": "Hyper-V Administrators"}

// adminEquivalentOrder lists adminEquivalentSIDs in a fixed order.
var adminEquivalentOrder = []string{"S-1-5-32-551", "S-1-5-32-578"}

// operatorsScript lists the members of the admin-equivalent groups, one
// "<group SID> <member SID>" line each, found by SID as adminMembersScript
// finds Administrators. A group this Windows does not have (Hyper-V
// Administrators where Hyper-V never came) lists nothing; a listing that
// fails stops the script with a non-zero exit.
var operatorsScript = "foreach ($g in '" + strings.Join(adminEquivalentOrder, "','") + "') { if (Get-LocalGroup -SID $g -ErrorAction SilentlyContinue) { Get-LocalGroupMember -SID $g -ErrorAction Stop | ForEach-Object { $g + ' ' + $_.SID.Value } } }"

// adminMembersScript lists the SIDs of the direct members of Administrators,
// found by its SID so the localised group name never matters, as JSON.
const adminMembersScript = "Get-LocalGroupMember -SID " + administratorsSID + " | ForEach-Object { $_.SID.Value } | ConvertTo-Json -Compress"

// account is one local or domain account from Win32_UserAccount. Name and
// Domain stay in the collector.
type account struct {
	SID      string
	Name     string
	Domain   string
	Disabled bool
	Local    bool
	// PasswordRequired is nil when the row does not say.
	PasswordRequired *bool
}

// parseUserAccounts reads Win32_UserAccount rows. Rows without a SID or a
// Disabled flag are skipped; ok is false when no row was understood.
func parseUserAccounts(rows []map[string]any) (accounts []account, ok bool) {
	for _, row := range rows {
		sid, _ := probe.AsString(row["SID"])
		disabled, okD := probe.AsBool(row["Disabled"])
		if !strings.HasPrefix(sid, "S-1-") || !okD {
			continue
		}
		local, okL := probe.AsBool(row["LocalAccount"])
		name, _ := probe.AsString(row["Name"])
		domain, _ := probe.AsString(row["Domain"])
		a := account{SID: sid, Name: name, Domain: domain, Disabled: disabled, Local: local || !okL}
		if required, ok := probe.AsBool(row["PasswordRequired"]); ok {
			a.PasswordRequired = &required
		}
		accounts = append(accounts, a)
	}
	return accounts, len(accounts) > 0
}

// ridOf is the last part of a SID, -1 when there is none.
func ridOf(sid string) int {
	i := strings.LastIndexByte(sid, '-')
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(sid[i+1:])
	if err != nil {
		return -1
	}
	return n
}

func sidPrefix(sid string) string {
	if i := strings.LastIndexByte(sid, '-'); i >= 0 {
		return sid[:i]
	}
	return sid
}

// windowsHumans counts enabled local accounts people sign in with: RID 1000
// and above, and the built-in Administrator when it is enabled. Guest (501),
// DefaultAccount (503) and WDAGUtilityAccount (504) are not people.
func windowsHumans(accounts []account) int {
	n := 0
	for _, a := range accounts {
		if !a.Local || a.Disabled {
			continue
		}
		if rid := ridOf(a.SID); rid >= 1000 || rid == ridAdministrator {
			n++
		}
	}
	return n
}

// builtinAccount is this computer's built-in local account with rid (its
// SID in S-1-5-21-…), nil when Win32_UserAccount does not list it.
func builtinAccount(accounts []account, rid int) *account {
	for i, a := range accounts {
		if a.Local && ridOf(a.SID) == rid && strings.HasPrefix(a.SID, "S-1-5-21-") {
			return &accounts[i]
		}
	}
	return nil
}

// builtinState is enabled, disabled or absent for the local account with rid.
func builtinState(accounts []account, rid int) string {
	switch a := builtinAccount(accounts, rid); {
	case a == nil:
		return "absent"
	case a.Disabled:
		return "disabled"
	}
	return "enabled"
}

// localAccount is the local account with the given SID, nil when there is
// none.
func localAccount(accounts []account, sid string) *account {
	for i, a := range accounts {
		if a.Local && strings.EqualFold(a.SID, sid) {
			return &accounts[i]
		}
	}
	return nil
}

// machinePrefix is the SID prefix of this computer's local accounts.
func machinePrefix(accounts []account) string {
	for _, a := range accounts {
		if a.Local && strings.HasPrefix(a.SID, "S-1-5-21-") {
			return sidPrefix(a.SID)
		}
	}
	return ""
}

// parseAdminSIDs reads the JSON the Get-LocalGroupMember script prints: an
// array of SID strings, or one string when the group has one member. ok is
// false for errors (Get-LocalGroupMember fails on groups holding orphaned or
// Entra ID SIDs) and anything not recognised.
func parseAdminSIDs(stdout []byte, exit int) ([]string, bool) {
	if exit != 0 {
		return nil, false
	}
	s := strings.TrimSpace(strings.TrimPrefix(string(stdout), "\ufeff"))
	if s == "" {
		return nil, false // Administrators is never empty: something failed
	}
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		var one string
		if err := json.Unmarshal([]byte(s), &one); err != nil {
			return nil, false
		}
		list = []string{one}
	}
	for _, sid := range list {
		if !strings.HasPrefix(sid, "S-1-") {
			return nil, false
		}
	}
	return list, len(list) > 0
}

// parseOperators reads operatorsScript's lines into the member SIDs of
// each group; ok is false for a failure or a line not recognised.
func parseOperators(stdout []byte, exit int) (map[string][]string, bool) {
	if exit != 0 {
		return nil, false
	}
	members := map[string][]string{}
	for _, line := range strings.Split(strings.TrimPrefix(string(stdout), "\ufeff"), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 || adminEquivalentSIDs[fields[0]] == "" || !strings.HasPrefix(fields[1], "S-1-") {
			return nil, false
		}
		members[fields[0]] = append(members[fields[0]], strings.ToUpper(fields[1]))
	}
	return members, true
}

// equivalentBySID decides from the admin-equivalent groups' member SIDs:
// the group that holds the person (stateOn), maybeAdmin when a directory
// group in one may, else stateOff.
func equivalentBySID(sid, prefix string, members map[string][]string) (state, string) {
	st := stateOff
	for _, g := range adminEquivalentOrder {
		switch adminBySID(sid, prefix, members[g]) {
		case stateOn:
			return stateOn, adminEquivalentSIDs[g]
		case maybeAdmin:
			st = maybeAdmin
		}
	}
	return st, ""
}

// wmiRef is a parsed WMI object path such as
// \\PC\root\cimv2:Win32_UserAccount.Domain="PC",Name="alice".
type wmiRef struct {
	Class, Domain, Name string
}

var refRE = regexp.MustCompile(`:(Win32_\w+)\.Domain="((?:[^"\\]|\\.)*)",Name="((?:[^"\\]|\\.)*)"`)

// parseWMIRef parses a Win32_GroupUser GroupComponent or PartComponent.
func parseWMIRef(s string) (wmiRef, bool) {
	m := refRE.FindStringSubmatch(s)
	if m == nil {
		return wmiRef{}, false
	}
	unq := func(v string) string { return strings.ReplaceAll(strings.ReplaceAll(v, `\"`, `"`), `\\`, `\`) }
	return wmiRef{Class: m[1], Domain: unq(m[2]), Name: unq(m[3])}, true
}

// groupMembers returns the members of the group with the given SID from
// Win32_Group and Win32_GroupUser rows. ok is false when the group is not
// found or no reference could be read.
func groupMembers(groups, groupUsers []map[string]any, sid string) ([]wmiRef, bool) {
	var name, domain string
	found := false
	for _, g := range groups {
		if s, _ := probe.AsString(g["SID"]); strings.EqualFold(s, sid) {
			name, _ = probe.AsString(g["Name"])
			domain, _ = probe.AsString(g["Domain"])
			found = true
			break
		}
	}
	if !found {
		return nil, false
	}
	var members []wmiRef
	parsed := 0
	for _, gu := range groupUsers {
		gc, _ := probe.AsString(gu["GroupComponent"])
		pc, _ := probe.AsString(gu["PartComponent"])
		g, ok1 := parseWMIRef(gc)
		m, ok2 := parseWMIRef(pc)
		if !ok1 || !ok2 {
			continue
		}
		parsed++
		if g.Class == "Win32_Group" && strings.EqualFold(g.Name, name) && strings.EqualFold(g.Domain, domain) {
			members = append(members, m)
		}
	}
	return members, parsed > 0
}

// parseAutoAdminLogon reads the Winlogon AutoAdminLogon value: "1" on, "0"
// or empty off (Windows also writes it as a DWORD sometimes).
func parseAutoAdminLogon(v any) (state, string) {
	switch x := v.(type) {
	case string:
		switch strings.TrimSpace(x) {
		case "1":
			return stateOn, "1"
		case "0", "":
			return stateOff, strings.TrimSpace(x)
		}
		return stateUnknown, "unrecognised"
	case uint64:
		switch x {
		case 1:
			return stateOn, "1"
		case 0:
			return stateOff, "0"
		}
	}
	return stateUnknown, "unrecognised"
}

func collectWindows(ctx context.Context, p probe.Probe, f *facts) {
	wf := &windowsFacts{}
	f.Windows = wf

	// Accounts and the Guest account.
	var accounts []account
	rows, err := p.WMI("root/cimv2", "Win32_UserAccount")
	if err != nil {
		f.addError("Win32_UserAccount", err)
	} else {
		var ok bool
		if accounts, ok = parseUserAccounts(rows); ok {
			f.HumanAccounts = intPtr(windowsHumans(accounts))
			wf.GuestAccount = builtinState(accounts, ridGuest)
			wf.BuiltinAdministrator = builtinState(accounts, ridAdministrator)
			if a := builtinAccount(accounts, ridAdministrator); a != nil && !a.Disabled {
				wf.BuiltinAdministratorPasswordRequired = a.PasswordRequired
				wf.BuiltinAdministratorLAPS = lapsManagesBuiltinAdministrator(p)
			}
			f.Guest, f.GuestSource = stateOff, "Win32_UserAccount"
			if wf.GuestAccount == "enabled" {
				f.Guest = stateOn
			}
		} else {
			f.Errors = append(f.Errors, "Win32_UserAccount: not recognised")
		}
	}

	// Automatic sign-in. Only AutoAdminLogon is asked for: DefaultPassword
	// and DefaultUserName are never read.
	v, err := p.Registry(winlogonKey, "AutoAdminLogon")
	switch {
	case errors.Is(err, probe.ErrNotFound):
		f.AutoLogin, f.AutoLoginSource, wf.AutoAdminLogon = stateOff, "Winlogon", "absent"
	case err != nil:
		f.addError("Winlogon AutoAdminLogon", err)
	default:
		f.AutoLogin, wf.AutoAdminLogon = parseAutoAdminLogon(v)
		f.AutoLoginSource = "Winlogon"
		if f.AutoLogin == stateUnknown {
			f.Errors = append(f.Errors, "Winlogon AutoAdminLogon: not recognised")
		}
	}

	// The person at the screen.
	u, ok := consoleUser(p, f)
	if !ok {
		return
	}
	sid := u.UID
	prefix := machinePrefix(accounts)
	if prefix != "" {
		wf.ConsoleUserLocal = new(sidPrefix(sid) == prefix)
		if *wf.ConsoleUserLocal {
			if a := localAccount(accounts, sid); a != nil {
				wf.ConsolePasswordRequired = a.PasswordRequired
			}
		}
	}
	if ridOf(sid) == ridAdministrator && wf.ConsoleUserLocal != nil && *wf.ConsoleUserLocal {
		f.ConsoleUserAdmin, f.AdminSource = stateOn, "built-in Administrator"
		return
	}
	local := prefix != "" && sidPrefix(sid) == prefix
	// A domain or Entra ID account may be an administrator through groups
	// this computer cannot list: their groups as Windows recorded them at
	// sign-in (nested groups resolved) decide first.
	var tokenErr error
	if !local {
		if tokenErr = tokenAdmin(p, sid, f); tokenErr == nil {
			return
		}
	}
	var state state
	var source string
	out, err := p.Run(ctx, probe.CmdPowershell, "-NoProfile", "-NonInteractive", "-Command", adminMembersScript)
	members, listed := []string(nil), false
	if err == nil {
		if members, listed = parseAdminSIDs(out.Stdout, out.ExitCode); !listed {
			f.Errors = append(f.Errors, "Get-LocalGroupMember: failed or not recognised")
		}
	} else {
		f.addError("powershell", err)
	}
	if listed {
		wf.AdministratorsMembers = intPtr(len(members))
		state, source = adminBySID(sid, prefix, members), "Get-LocalGroupMember"
		if state == stateOff {
			state = operatorsByScript(ctx, p, sid, prefix, wf, f)
		}
	} else {
		state, source = adminByWMI(p, sid, prefix, accounts, wf, f)
	}
	switch {
	case state == stateOn || state == stateOff:
		f.ConsoleUserAdmin, f.AdminSource, wf.AdminVia = state, source, "Administrators member list"
	case local:
		// The member list could not be read: the recorded groups decide.
		if err := tokenAdmin(p, sid, f); err != nil {
			if state == maybeAdmin {
				f.Errors = append(f.Errors, "console user: Administrators holds a group WMI does not name by SID (such as Authenticated Users, which holds every account)")
			}
			f.addError("signed-in groups", err)
			f.ConsoleUserAdmin = stateUnknown
		}
	case state == maybeAdmin:
		f.Errors = append(f.Errors, "console user: may be an administrator through a domain or Microsoft Entra ID group whose members this computer cannot list, and the groups Windows recorded at sign-in could not be read ("+probe.ErrorKind(tokenErr)+")")
		wf.AdminUnresolved = true
		f.ConsoleUserAdmin, f.AdminSource = stateUnknown, source
	default:
		f.addError("signed-in groups", tokenErr)
		f.ConsoleUserAdmin = stateUnknown
	}
}

// operatorsByScript is the Administrators answer "no" checked against the
// admin-equivalent groups (operatorsScript): stateOn naming the group,
// stateOff, maybeAdmin through a directory group, stateUnknown when they
// could not be listed.
func operatorsByScript(ctx context.Context, p probe.Probe, sid, prefix string, wf *windowsFacts, f *facts) state {
	out, err := p.Run(ctx, probe.CmdPowershell, "-NoProfile", "-NonInteractive", "-Command", operatorsScript)
	if err != nil {
		f.addError("powershell (Backup Operators, Hyper-V Administrators)", err)
		return stateUnknown
	}
	members, ok := parseOperators(out.Stdout, out.ExitCode)
	if !ok {
		f.Errors = append(f.Errors, "Get-LocalGroupMember (Backup Operators, Hyper-V Administrators): failed or not recognised")
		return stateUnknown
	}
	st, group := equivalentBySID(sid, prefix, members)
	wf.AdminEquivalent = group
	return st
}

// tokenAdmin decides from the groups Windows recorded for the user at
// sign-in; an error when they could not be read.
func tokenAdmin(p probe.Probe, sid string, f *facts) error {
	groups, err := tokenGroups(p, sid)
	if err != nil {
		return err
	}
	f.ConsoleUserAdmin, f.AdminSource, f.Windows.AdminVia = stateOff, "GroupMembership", "signed-in groups"
	if slices.Contains(groups, administratorsSID) {
		f.ConsoleUserAdmin = stateOn
		return nil
	}
	for _, g := range adminEquivalentOrder {
		if slices.Contains(groups, g) {
			f.ConsoleUserAdmin, f.Windows.AdminEquivalent = stateOn, adminEquivalentSIDs[g]
			return nil
		}
	}
	return nil
}

// maybeAdmin is the state of a console user whom Administrators may hold
// through a group that cannot be listed here.
const maybeAdmin state = "maybe"

// everyoneSIDs are well-known groups everyone signed in at the screen
// belongs to: Everyone, Authenticated Users, INTERACTIVE, LOCAL, CONSOLE
// LOGON. In Administrators they make every account an administrator.
var everyoneSIDs = map[string]bool{"S-1-1-0": true, "S-1-5-11": true, "S-1-5-4": true, "S-1-2-0": true, "S-1-2-1": true}

// localAccountSID is "Local account" (S-1-5-113): every local account.
const localAccountSID = "S-1-5-113"

// memberHolds tells whether the Administrators member m holds the console
// user (On), cannot (Off), or might through a directory group (maybeAdmin).
// Local groups do not nest, and a local account cannot be in a domain or
// Entra ID group; a domain's Domain Users (RID 513) is its accounts'
// primary group, which member lists never show.
func memberHolds(m, sid, prefix string) state {
	local := prefix != "" && sidPrefix(sid) == prefix
	switch {
	case strings.EqualFold(m, sid), everyoneSIDs[m], m == localAccountSID && local:
		return stateOn
	case strings.HasPrefix(m, "S-1-5-32-"), strings.HasPrefix(m, "S-1-5-") && !strings.HasPrefix(m, "S-1-5-21-"), local,
		prefix != "" && sidPrefix(m) == prefix:
		return stateOff
	case ridOf(m) == 513 && sidPrefix(m) == sidPrefix(sid):
		return stateOn
	}
	return maybeAdmin
}

// adminBySID decides from the member SIDs of Administrators.
func adminBySID(sid, prefix string, members []string) state {
	state := stateOff
	for _, m := range members {
		switch memberHolds(m, sid, prefix) {
		case stateOn:
			return stateOn
		case maybeAdmin:
			state = maybeAdmin
		}
	}
	return state
}

// groupMembershipKey is where Windows keeps, per user, the groups of their
// sign-in token (written by the Group Policy client at each sign-in and
// refresh): Count and Group0…GroupN-1, each a SID.
const groupMembershipKey = `SOFTWARE\Microsoft\Windows\CurrentVersion\Group Policy\GroupMembership`

// tokenGroups reads the groups Windows recorded for the user at sign-in:
// their effective groups, nested domain and Entra ID groups resolved and
// the local groups (Administrators, S-1-5-32-544) they are in through them.
func tokenGroups(p probe.Probe, sid string) ([]string, error) {
	key := `HKU\` + sid + `\` + groupMembershipKey
	v, err := p.Registry(key, "Count")
	if err != nil {
		return nil, err
	}
	n, ok := v.(uint64)
	if !ok || n == 0 || n > 4096 {
		return nil, errors.New("GroupMembership Count: not recognised")
	}
	groups := make([]string, 0, n)
	for i := range n {
		v, err := p.Registry(key, "Group"+strconv.FormatUint(i, 10))
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "S-1-") {
			return nil, errors.New("GroupMembership: not recognised")
		}
		groups = append(groups, strings.ToUpper(s))
	}
	return groups, nil
}

// adminByWMI decides from Win32_Group and Win32_GroupUser, matching the
// console user by the Domain and Name its SID has in Win32_UserAccount.
// A group member of Administrators is classified by its SID in
// Win32_Group; a domain group whose members WMI lists is searched for the
// user (nested groups too). maybeAdmin when a group may hold the user.
func adminByWMI(p probe.Probe, sid, prefix string, accounts []account, wf *windowsFacts, f *facts) (state, string) {
	groups, err := p.WMI("root/cimv2", "Win32_Group")
	if err != nil {
		f.addError("Win32_Group", err)
		return stateUnknown, ""
	}
	groupUsers, err := p.WMI("root/cimv2", "Win32_GroupUser")
	if err != nil {
		f.addError("Win32_GroupUser", err)
		return stateUnknown, ""
	}
	members, ok := groupMembers(groups, groupUsers, administratorsSID)
	if !ok {
		f.Errors = append(f.Errors, "Win32_GroupUser: Administrators not found or not recognised")
		return stateUnknown, ""
	}
	wf.AdministratorsMembers = intPtr(len(members))
	var me *account
	for i := range accounts {
		if strings.EqualFold(accounts[i].SID, sid) {
			me = &accounts[i]
			break
		}
	}
	if me == nil {
		f.Errors = append(f.Errors, "console user: not found in Win32_UserAccount")
		return maybeAdmin, ""
	}
	isMe := func(m wmiRef) bool {
		return m.Class == "Win32_UserAccount" && strings.EqualFold(m.Name, me.Name) && strings.EqualFold(m.Domain, me.Domain)
	}
	state := wmiGroupHolds(groups, groupUsers, members, isMe, sid, prefix)
	if state != stateOff {
		return state, "Win32_GroupUser"
	}
	// Not in Administrators: nor in a group that acts as it? A group this
	// Windows does not have holds nobody.
	for _, g := range adminEquivalentOrder {
		members, _ := groupMembers(groups, groupUsers, g)
		switch wmiGroupHolds(groups, groupUsers, members, isMe, sid, prefix) {
		case stateOn:
			wf.AdminEquivalent = adminEquivalentSIDs[g]
			return stateOn, "Win32_GroupUser"
		case maybeAdmin:
			state = maybeAdmin
		}
	}
	return state, "Win32_GroupUser"
}

// wmiGroupHolds tells whether a group's members (Win32_GroupUser
// references) hold the person: stateOn, stateOff, or maybeAdmin through a
// principal WMI does not resolve.
func wmiGroupHolds(groups, groupUsers []map[string]any, members []wmiRef, isMe func(wmiRef) bool, sid, prefix string) state {
	state := stateOff
	for _, m := range members {
		if isMe(m) {
			return stateOn
		}
		if m.Class == "Win32_UserAccount" {
			continue
		}
		gsid := groupSID(groups, m)
		if gsid == "" {
			// A principal WMI does not list (a well-known group such as
			// Authenticated Users, or a directory group): it may hold
			// anyone.
			state = maybeAdmin
			continue
		}
		switch memberHolds(gsid, sid, prefix) {
		case stateOn:
			return stateOn
		case maybeAdmin:
			if nestedMember(groupUsers, m, isMe, 0) {
				return stateOn
			}
			state = maybeAdmin
		}
	}
	return state
}

// groupSID is the SID Win32_Group gives the referenced group, "" if none.
func groupSID(groups []map[string]any, m wmiRef) string {
	for _, g := range groups {
		name, _ := probe.AsString(g["Name"])
		domain, _ := probe.AsString(g["Domain"])
		if strings.EqualFold(name, m.Name) && strings.EqualFold(domain, m.Domain) {
			s, _ := probe.AsString(g["SID"])
			return strings.ToUpper(s)
		}
	}
	return ""
}

// nestedMember reports whether Win32_GroupUser lists the user in group g
// or in a group it holds (not whether they are not: WMI may not list every
// member of a directory group).
func nestedMember(groupUsers []map[string]any, g wmiRef, isMe func(wmiRef) bool, depth int) bool {
	if depth > 8 {
		return false
	}
	for _, gu := range groupUsers {
		gc, _ := probe.AsString(gu["GroupComponent"])
		pc, _ := probe.AsString(gu["PartComponent"])
		parent, ok1 := parseWMIRef(gc)
		m, ok2 := parseWMIRef(pc)
		if !ok1 || !ok2 || !strings.EqualFold(parent.Name, g.Name) || !strings.EqualFold(parent.Domain, g.Domain) {
			continue
		}
		if isMe(m) || (m.Class == "Win32_Group" && nestedMember(groupUsers, m, isMe, depth+1)) {
			return true
		}
	}
	return false
}

// The policy roots Windows LAPS reads its settings from, in the order it
// looks (the first holding any setting is the one used; settings are never
// mixed across roots), and legacy Microsoft LAPS's.
var (
	lapsPolicyRoots = []string{
		`HKLM\SOFTWARE\Microsoft\Policies\LAPS`,                        // LAPS CSP (Intune)
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\LAPS`, // Group Policy
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\LAPS\Config`,   // local configuration
	}
	legacyLAPSRoot = `HKLM\SOFTWARE\Policies\Microsoft Services\AdmPwd`
)

// lapsManagesBuiltinAdministrator reports whether LAPS manages the
// built-in Administrator's password: Windows LAPS's active policy root
// backs the password up to Entra ID or Active Directory (BackupDirectory 1
// or 2) and names no other account (AdministratorAccountName empty: the
// built-in one is the default), or else legacy Microsoft LAPS is on
// (AdmPwdEnabled 1) for the built-in account. Whatever cannot be read
// counts as not managed (the account then warns).
func lapsManagesBuiltinAdministrator(p probe.Probe) bool {
	for _, root := range lapsPolicyRoots {
		values, err := probe.RegistryValues(p, root)
		if err != nil || len(values) == 0 {
			if err != nil && !errors.Is(err, probe.ErrNotFound) {
				return false // a root that may be the active one, unread
			}
			continue
		}
		backup, _ := probe.AsInt(values["BackupDirectory"])
		name, _ := probe.AsString(values["AdministratorAccountName"])
		return (backup == 1 || backup == 2) && name == ""
	}
	values, err := probe.RegistryValues(p, legacyLAPSRoot)
	if err != nil {
		return false
	}
	enabled, _ := probe.AsInt(values["AdmPwdEnabled"])
	name, _ := probe.AsString(values["AdminAccountName"])
	return enabled == 1 && name == ""
}
