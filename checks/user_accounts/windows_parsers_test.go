package useraccounts

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func wmiRows(t testing.TB, rel string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(checktest.ReadParserData(t, rel), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestParseUserAccounts(t *testing.T) {
	tests := []struct {
		file          string
		ok            bool
		humans        int
		guest, admin  string
		machinePrefix string
	}{
		{"wmi/win11_home_user_accounts.json", true, 1, "disabled", "disabled", "S-1-5-21-3623811015-3361044348-30300820"},
		// German names (Gast) do not matter: RID 501 is the guest.
		{"wmi/win10_german_guest_enabled.json", true, 2, "enabled", "disabled", "S-1-5-21-1004336348-1177238915-682003330"},
		// Domain accounts are not counted; the enabled built-in Administrator is.
		{"wmi/domain_joined_mixed.json", true, 1, "disabled", "enabled", "S-1-5-21-2117364815-3591207221-2371432123"},
		{"wmi/rows_without_sid.json", false, 0, "absent", "absent", ""},
		{"wmi/empty_rows.json", false, 0, "absent", "absent", ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			accounts, ok := parseUserAccounts(wmiRows(t, tc.file))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if got := windowsHumans(accounts); got != tc.humans {
				t.Errorf("humans = %d, want %d", got, tc.humans)
			}
			if got := builtinState(accounts, ridGuest); got != tc.guest {
				t.Errorf("guest = %s, want %s", got, tc.guest)
			}
			if got := builtinState(accounts, ridAdministrator); got != tc.admin {
				t.Errorf("administrator = %s, want %s", got, tc.admin)
			}
			if got := machinePrefix(accounts); got != tc.machinePrefix {
				t.Errorf("machine prefix = %s, want %s", got, tc.machinePrefix)
			}
		})
	}
}

func TestParseAdminSIDs(t *testing.T) {
	tests := []struct {
		file string
		exit int
		want int
		ok   bool
	}{
		{"powershell/two_members.json", 0, 2, true},
		{"powershell/one_member_string.json", 0, 1, true},
		{"powershell/entra_joined_members.json", 0, 4, true},
		{"powershell/failed_to_compare_en.txt", 1, 0, false},
		{"powershell/not_recognised_de_cp850.txt", 1, 0, false},
		{"powershell/access_denied_de.txt", 1, 0, false},
		{"powershell/table_not_json.txt", 0, 0, false},
		{"dsmemberutil/empty.txt", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, ok := parseAdminSIDs(checktest.ReadParserData(t, tc.file), tc.exit)
			if ok != tc.ok || len(got) != tc.want {
				t.Errorf("got %v (%v), want %d members (%v)", got, ok, tc.want, tc.ok)
			}
		})
	}
	// The German error decodes from the OEM code page without mojibake.
	if s := probe.DecodeConsole(checktest.ReadParserData(t, "powershell/not_recognised_de_cp850.txt"), 850); !slices.Contains([]rune(s), 'ü') {
		t.Errorf("cp850 German text not decoded: %q", s[:60])
	}
}

func TestGroupMembers(t *testing.T) {
	type pair struct {
		Groups     []map[string]any `json:"groups"`
		GroupUsers []map[string]any `json:"group_users"`
	}
	tests := []struct {
		file string
		ok   bool
		want []wmiRef
	}{
		{"wmi/german_group_user.json", true, []wmiRef{
			{"Win32_UserAccount", "PRAXIS-PC", "Administrator"},
			{"Win32_UserAccount", "PRAXIS-PC", "Praxis"},
		}},
		{"wmi/domain_group_user.json", true, []wmiRef{
			{"Win32_UserAccount", "CLINIC-LT07", "Administrator"},
			{"Win32_Group", "CLINIC", "Domain Admins"},
		}},
		{"wmi/group_missing.json", false, nil},
		{"wmi/refs_unrecognised.json", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var p pair
			if err := json.Unmarshal(checktest.ReadParserData(t, tc.file), &p); err != nil {
				t.Fatal(err)
			}
			got, ok := groupMembers(p.Groups, p.GroupUsers, administratorsSID)
			if ok != tc.ok || !slices.Equal(got, tc.want) {
				t.Errorf("got %v (%v), want %v (%v)", got, ok, tc.want, tc.ok)
			}
		})
	}
	ref, ok := parseWMIRef(`\\PC\root\cimv2:Win32_UserAccount.Domain="PC",Name="o\"brien"`)
	if !ok || ref.Name != `o"brien` {
		t.Errorf("escaped quote: %+v %v", ref, ok)
	}
}

func TestParseAutoAdminLogon(t *testing.T) {
	tests := []struct {
		v    any
		want state
	}{
		{"1", stateOn},
		{"0", stateOff},
		{"", stateOff},
		{" 1 ", stateOn},
		{uint64(1), stateOn},
		{uint64(0), stateOff},
		{"yes", stateUnknown},
		{[]string{"1"}, stateUnknown},
		{uint64(7), stateUnknown},
	}
	for _, tc := range tests {
		if got, _ := parseAutoAdminLogon(tc.v); got != tc.want {
			t.Errorf("ParseAutoAdminLogon(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestMemberHolds(t *testing.T) {
	const machine = "S-1-5-21-3623811015-3361044348-30300820"
	const domain = "S-1-5-21-880142731-1531393372-1108215497"
	local, domUser, entra := machine+"-1001", domain+"-1207", "S-1-12-1-3165184517-1283347270-2716355233-2918447357"
	for _, tc := range []struct {
		member, user string
		want         state
	}{
		{local, local, stateOn},
		{machine + "-500", local, stateOff},
		{"S-1-5-11", local, stateOn},       // Authenticated Users
		{"S-1-1-0", domUser, stateOn},      // Everyone
		{"S-1-5-4", entra, stateOn},        // INTERACTIVE
		{"S-1-5-113", local, stateOn},      // Local account
		{"S-1-5-113", domUser, stateOff},   // not a local account
		{domain + "-512", local, stateOff}, // a local account is in no domain group
		{domain + "-512", domUser, maybeAdmin},
		{domain + "-513", domUser, stateOn}, // Domain Users: the primary group
		{"S-1-12-1-1463580323-1176846178-1936376202-2711424093", entra, maybeAdmin},
		{"S-1-12-1-1463580323-1176846178-1936376202-2711424093", local, stateOff},
		{machine + "-500", domUser, stateOff},
		{"S-1-5-32-545", domUser, stateOff},
	} {
		if got := memberHolds(tc.member, tc.user, machine); got != tc.want {
			t.Errorf("memberHolds(%s, %s) = %s, want %s", tc.member, tc.user, got, tc.want)
		}
	}
}

// TestParseOperators reads operatorsScript's "<group SID> <member SID>"
// lines; a failed run or a line of anything else is not an answer.
func TestParseOperators(t *testing.T) {
	me := "S-1-5-21-3623811015-3361044348-30300820-1001"
	tests := []struct {
		name, out string
		exit      int
		ok        bool
		want      map[string][]string
	}{
		{"both groups empty (or absent)", "", 0, true, map[string][]string{}},
		{"the person in Backup Operators, CRLF and a byte-order mark", "\ufeffS-1-5-32-551 " + me + "\r\n", 0, true, map[string][]string{"S-1-5-32-551": {me}}},
		{"a group in Hyper-V Administrators", "S-1-5-32-578 S-1-5-21-880142731-1531393372-1108215497-1119\n", 0, true, map[string][]string{"S-1-5-32-578": {"S-1-5-21-880142731-1531393372-1108215497-1119"}}},
		{"failed", "", 1, false, nil},
		{"an error printed instead", "Get-LocalGroupMember : Failed to compare two elements in the array.\n", 0, false, nil},
		{"a group it did not ask about", "S-1-5-32-544 " + me + "\n", 0, false, nil},
	}
	for _, tc := range tests {
		got, ok := parseOperators([]byte(tc.out), tc.exit)
		if ok != tc.ok || (ok && !maps.EqualFunc(got, tc.want, slices.Equal)) {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	// Decided as Administrators' members are: the person, or a group every
	// person at the screen is in, makes them an operator.
	prefix := "S-1-5-21-3623811015-3361044348-30300820"
	for _, tc := range []struct {
		members map[string][]string
		want    state
		group   string
	}{
		{map[string][]string{}, stateOff, ""},
		{map[string][]string{"S-1-5-32-551": {me}}, stateOn, "Backup Operators"},
		{map[string][]string{"S-1-5-32-578": {"S-1-5-11"}}, stateOn, "Hyper-V Administrators"},
		{map[string][]string{"S-1-5-32-551": {prefix + "-1002"}}, stateOff, ""},
	} {
		if got, group := equivalentBySID(me, prefix, tc.members); got != tc.want || group != tc.group {
			t.Errorf("%v: %s %q, want %s %q", tc.members, got, group, tc.want, tc.group)
		}
	}
}
