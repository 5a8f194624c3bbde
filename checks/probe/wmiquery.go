package probe

import (
	"strings"
)

// WMIColumns names, for the WMI classes that describe people (or are slow
// to read whole), the only properties the live probe asks for and a
// Recorder keeps: what the checks read, so that full names, descriptions
// and captions of accounts are never read at all. Classes not listed are
// asked for whole (SELECT *).
var WMIColumns = map[string][]string{
	// user_accounts reads who is a person (SID, RID), whether the account
	// is on and local, whether it may have a blank password
	// (PasswordRequired), and Name/Domain to match group members.
	"win32_useraccount": {"SID", "Name", "Domain", "Disabled", "LocalAccount", "PasswordRequired"},
	"win32_group":       {"SID", "Name", "Domain"},
	"win32_groupuser":   {"GroupComponent", "PartComponent"},
	// os_updates reads when updates were installed; InstalledBy names
	// the account that installed them.
	"win32_quickfixengineering": {"HotFixID", "Description", "InstalledOn"},
	// os_updates reads Windows 10's ESU licence: a few of the many
	// properties, some of which are slow to compute (OfflineInstallationId)
	// or identify the machine (PartialProductKey).
	"softwarelicensingproduct": {"ID", "LicenseStatus"},
	// antivirus reads Defender's exclusion lists and its cloud protection
	// settings, of its many settings.
	"msft_mppreference": {"ExclusionPath", "ExclusionExtension", "ExclusionProcess", "MAPSReporting", "SubmitSamplesConsent", "DisableBlockAtFirstSeen"},
}

// WMIPersonPaths names, per WMI class, the properties that hold paths
// which may be in anybody's folder (C:\Users\<name>\…): a Recorder keeps
// them with the name of every such folder pseudonymised, whoever's it is,
// not only the person at the screen's.
var WMIPersonPaths = map[string][]string{
	"msft_mppreference": {"ExclusionPath", "ExclusionProcess"},
}

// WMIQuery is the WQL query the live probe runs for class: its columns
// from WMIColumns, else every property. class is a WMI class name (letters,
// digits and underscores); anything else is refused by the caller.
func WMIQuery(class string) string {
	cols := WMIColumns[strings.ToLower(class)]
	if len(cols) == 0 {
		return "SELECT * FROM " + class
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + class
}

// ValidWMIClass: a class name that can go into a query as it is.
func ValidWMIClass(class string) bool {
	if class == "" {
		return false
	}
	for _, c := range class {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// WMIKeptColumns is rows with only the columns WMIColumns lists for class
// (row itself when the class is not listed).
func WMIKeptColumns(class string, rows []map[string]any) []map[string]any {
	cols := WMIColumns[strings.ToLower(class)]
	if len(cols) == 0 {
		return rows
	}
	out := make([]map[string]any, len(rows))
	for i, row := range rows {
		kept := make(map[string]any, len(cols))
		for k, v := range row {
			for _, c := range cols {
				if strings.EqualFold(k, c) {
					kept[k] = v
				}
			}
		}
		out[i] = kept
	}
	return out
}
