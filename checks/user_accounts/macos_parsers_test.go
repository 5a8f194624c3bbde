package useraccounts

import (
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
)

func TestParseDsclUsers(t *testing.T) {
	tests := []struct {
		file string
		exit int
		want int
		ok   bool
	}{
		{"dscl/macos14_one_user.txt", 0, 1, true},
		// Guest (201), nobody (-2) and _ accounts are not people.
		{"dscl/macos13_shared_guest_record.txt", 0, 3, true},
		{"dscl/empty_exit0.txt", 0, 0, false},
		{"dscl/ds_error_node.txt", 160, 0, false},
		{"dscl/unrecognised.txt", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			n, ok := parseDsclUsers(checktest.ReadParserData(t, tc.file), tc.exit)
			if ok != tc.ok || n != tc.want {
				t.Errorf("got %d (%v), want %d (%v)", n, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseDsmemberutil(t *testing.T) {
	tests := []struct {
		file       string
		member, ok bool
	}{
		{"dsmemberutil/member.txt", true, true},
		{"dsmemberutil/not_member.txt", false, true},
		{"dsmemberutil/invalid_user.txt", false, false},
		{"dsmemberutil/empty.txt", false, false},
		{"dsmemberutil/not_permitted.txt", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			m, ok := parseDsmemberutil(checktest.ReadParserData(t, tc.file))
			if m != tc.member || ok != tc.ok {
				t.Errorf("got %v (%v), want %v (%v)", m, ok, tc.member, tc.ok)
			}
		})
	}
}

func TestParseGroupMembership(t *testing.T) {
	tests := []struct {
		file string
		exit int
		want []string
		ok   bool
	}{
		{"dscl/groupmembership_admin_root_therapist.txt", 0, []string{"root", "therapist"}, true},
		{"dscl/groupmembership_admin_root_clinicadmin.txt", 0, []string{"root", "clinicadmin"}, true},
		{"dscl/groupmembership_no_key.txt", 181, nil, false},
		{"dscl/ds_error_node.txt", 160, nil, false},
		{"dscl/unrecognised.txt", 0, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, ok := parseGroupMembership(checktest.ReadParserData(t, tc.file), tc.exit)
			if ok != tc.ok || !slices.Equal(got, tc.want) {
				t.Errorf("got %v (%v), want %v (%v)", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	tru, fls := true, false
	tests := []struct {
		file   string
		stderr bool
		exit   int
		want   *bool
		ok     bool
	}{
		{"defaults/guest_enabled_1.txt", false, 0, &tru, true},
		{"defaults/guest_enabled_0.txt", false, 0, &fls, true},
		{"defaults/guest_not_set_stderr.txt", true, 1, nil, true},
		{"defaults/unrecognised_dict.txt", false, 0, nil, false},
		{"dsmemberutil/not_permitted.txt", true, 1, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, tc.file)
			var stdout, stderr []byte
			if tc.stderr {
				stderr = b
			} else {
				stdout = b
			}
			got, ok := parseDefaultsBool(stdout, stderr, tc.exit)
			if ok != tc.ok || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("got %v (%v), want %v (%v)", got, ok, tc.want, tc.ok)
			}
		})
	}
	present, ok := parseDefaultsPresent(checktest.ReadParserData(t, "defaults/autologin_user_set.txt"), nil, 0)
	if !present || !ok {
		t.Errorf("autoLoginUser set: got %v (%v)", present, ok)
	}
	present, ok = parseDefaultsPresent(nil, checktest.ReadParserData(t, "defaults/autologin_not_set_stderr.txt"), 1)
	if present || !ok {
		t.Errorf("autoLoginUser not set: got %v (%v)", present, ok)
	}
}

func TestParseLoginwindowPlist(t *testing.T) {
	tests := []struct {
		file      string
		ok        bool
		guest     *bool
		autoLogin bool
	}{
		{"loginwindow/sonoma_default_binary.plist", true, new(false), false},
		{"loginwindow/guest_enabled_binary.plist", true, new(true), false},
		{"loginwindow/autologin_binary.plist", true, new(false), true},
		{"loginwindow/no_guest_key_xml.plist", true, nil, false},
		{"loginwindow/guest_int_1_xml.plist", true, new(true), false},
		{"loginwindow/truncated_binary.plist", false, nil, false},
		{"dscl/unrecognised.txt", false, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			prefs, ok := parseLoginwindowPlist(checktest.ReadParserData(t, tc.file))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if (prefs.guest == nil) != (tc.guest == nil) || (prefs.guest != nil && *prefs.guest != *tc.guest) {
				t.Errorf("guest = %v, want %v", prefs.guest, tc.guest)
			}
			if prefs.autoLogin == nil || *prefs.autoLogin != tc.autoLogin {
				t.Errorf("autoLogin = %v, want %v", prefs.autoLogin, tc.autoLogin)
			}
		})
	}
}

// TestSudoersAskedGroups: on macOS the groups sudoers names are asked of
// the directory (dsmemberutil); admin, already judged, is not asked again.
func TestSudoersAskedGroups(t *testing.T) {
	macStock := "root\tALL = (ALL) ALL\n%admin\tALL = (ALL) ALL\n#includedir /private/etc/sudoers.d\n"
	for _, tc := range []struct {
		name, sudoers string
		want          string
		wantAsked     []string
	}{
		{"stock", macStock, "", nil},
		{"staff", macStock + "%staff ALL=(ALL) ALL\n", viaSudoersGroup, []string{"staff"}},
		{"everyone by gid", "%#12 ALL=(ALL) ALL\n", viaSudoersGroup, []string{"#12"}},
		{"a group the user is not in", "%wheel ALL=(ALL) ALL\n", "", []string{"wheel"}},
		{"root shell for staff", "%staff ALL=(root) /bin/zsh\n", viaSudoersGroup, []string{"staff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			id := identity{Name: "user", UID: 501, GID: -1, Groups: map[string]bool{"admin": false}, GIDs: map[int]bool{}}
			id.memberOf = func(g string) bool {
				asked = append(asked, g)
				return g == "staff" || g == "#12"
			}
			s := newSudoers()
			s.Parse([]byte(tc.sudoers))
			if got := s.AdminVia(id); got != tc.want {
				t.Errorf("AdminVia = %q, want %q", got, tc.want)
			}
			if !slices.Equal(asked, tc.wantAsked) {
				t.Errorf("asked %v, want %v", asked, tc.wantAsked)
			}
		})
	}
}
