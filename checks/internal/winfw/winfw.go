// Package winfw reads Windows Firewall's rules as the registry keeps them,
// for the checks that judge what they let in (firewall: a rule that lets
// everyone in; remote_access: a rule that lets Remote Desktop in).
//
// The rules live in four stores, each a registry key with one value per
// rule: the value's name is the rule's id, its data a string of
// name=value fields ("v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|
// LPort=3389|…|", [MS-GPFAS] 2.2.2.19). A field may repeat
// (Profile=Private|Profile=Public, LPort=80|LPort=443), and a field
// missing means any. The stores are the computer's own rules, those of
// Store apps (AppIso), Group Policy's and an MDM server's (Intune); the
// firewall enforces all of them, the first two only where Group Policy's
// AllowLocalPolicyMerge is not 0. A store whose key is absent holds no
// rules. A key's values are listed whole (probe.RegistryValues): rules
// read one by one could miss the one that matters.
//
// It also names the keys of each profile's settings (the computer's own,
// Group Policy's, device management's) and tells which profiles the
// networks in use have, for the checks that read a profile's settings
// (firewall; smart_speakers: whether direct answers are let in), and reads
// whether a profile lets connections in without a rule (ReadProfile;
// remote_access: Remote Desktop with the firewall off).
package winfw

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Store is a registry key holding rules.
type Store struct {
	// Name is how facts name the store.
	Name string
	Key  string
	// Title names it for a person ("this computer's own rules").
	Title string
	// Local stores hold the computer's own rules, which Group Policy's
	// AllowLocalPolicyMerge=0 switches off.
	Local bool
}

// The keys the firewall's local and Group Policy settings live under (the
// profiles' settings too).
const (
	LocalPolicyKey = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy`
	GroupPolicyKey = `HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall`
)

// Stores are every store the firewall enforces rules from.
var Stores = []Store{
	{Name: "local", Key: LocalPolicyKey + `\FirewallRules`, Local: true, Title: "this computer's own rules"},
	{Name: "apps", Key: LocalPolicyKey + `\RestrictedServices\AppIso\FirewallRules`, Local: true, Title: "Store apps' rules"},
	{Name: "group_policy", Key: GroupPolicyKey + `\FirewallRules`, Title: "Group Policy's rules"},
	{Name: "mdm", Key: LocalPolicyKey + `\Mdm\FirewallRules`, Title: "device management's rules"},
}

// StoreNamed is the store facts name name (a store of that name and
// title when there is none).
func StoreNamed(name string) Store {
	i := slices.IndexFunc(Stores, func(s Store) bool { return s.Name == name })
	if i < 0 {
		return Store{Name: name, Title: name}
	}
	return Stores[i]
}

// Profile names, as rules and the firewall's profiles spell them.
const (
	ProfileDomain  = "Domain"
	ProfilePrivate = "Private"
	ProfilePublic  = "Public"
)

// ProfileNames are the profiles in the firewall's order.
var ProfileNames = []string{ProfileDomain, ProfilePrivate, ProfilePublic}

// CanonicalProfile spells a profile name as ProfileNames do; "" when it
// is none of them.
func CanonicalProfile(name string) string {
	for _, n := range ProfileNames {
		if strings.EqualFold(name, n) {
			return n
		}
	}
	return ""
}

// Rule is one rule's fields, in order, with lower-cased names. A rule has
// a dozen fields, so finding one by a walk beats a map, and reading a rule
// allocates once.
type Rule []Field

// Field is one name=value field of a rule.
type Field struct{ Name, Value string }

// Parse reads a rule string; false when it is not one ("v2.33|" and
// name=value fields; a later major version is read the same way as long
// as its fields are name=value).
func Parse(s string) (Rule, bool) {
	s = strings.TrimSuffix(s, "|")
	version, rest, ok := strings.Cut(s, "|")
	if !ok || len(version) < 2 || version[0] != 'v' || version[1] < '2' || version[1] > '9' {
		return nil, false
	}
	r := make(Rule, 0, strings.Count(rest, "|")+1)
	for part := range strings.SplitSeq(rest, "|") {
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, false
		}
		if lower, known := fieldNames[name]; known {
			name = lower
		} else {
			name = strings.ToLower(name)
		}
		r = append(r, Field{name, value})
	}
	return r, true
}

// fieldNames are the fields as Windows writes them, lower-cased once (a
// firewall's 600 rules of some 10 fields each are read every check run).
var fieldNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"Action", "Active", "Dir", "Protocol", "Profile", "LPort", "RPort", "LPort2_10", "RPort2_10", "LPort2_20",
		"LA4", "LA6", "RA4", "RA6", "RA42", "RA62", "App", "Svc", "Name", "Desc", "EmbedCtxt", "Edge", "Defer", "ICMP4", "ICMP6",
		"Platform", "Platform2", "PCross", "LUOwn", "LUAuth", "RUAuth", "RMAuth", "AppPkgId", "Security", "Security2", "Security2_9",
		"IF", "IFType", "TTK", "TTK2_22", "TTK2_27", "TTK2_28", "LSM", "NNm", "SecurityRealmId", "AuthByPassOut", "SkipVer"} {
		m[n] = strings.ToLower(n)
	}
	return m
}()

// First is the first value of field name (lower case), "" when it is
// missing.
func (r Rule) First(name string) string {
	for _, f := range r {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// All are the values of the fields names, in the rule's order.
func (r Rule) All(names ...string) []string {
	var out []string
	for _, f := range r {
		if slices.Contains(names, f.Name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// Is reports whether field name holds want (ignoring case).
func (r Rule) Is(name, want string) bool {
	return strings.EqualFold(r.First(name), want)
}

// AllowsIn reports whether the rule is enabled, inbound and allows.
func (r Rule) AllowsIn() bool {
	return r.Is("active", "true") && r.Is("action", "allow") && r.Is("dir", "in")
}

// Profiles are the profiles the rule names, nil when it names none (it
// applies to all) or one not known (read as all, so it is never missed).
func (r Rule) Profiles() []string {
	var out []string
	for _, v := range r.All("profile") {
		name := CanonicalProfile(v)
		if name == "" {
			return nil
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == len(ProfileNames) {
		return nil
	}
	return out
}

// IsAny reports whether a port or address value is the one every port
// or address matches ("*", "Any").
func IsAny(v string) bool { return v == "*" || strings.EqualFold(v, "any") }

// IsServiceHost reports whether a rule's program is svchost.exe, which
// hosts most Windows services (a rule narrows to one through Svc).
func IsServiceHost(app string) bool {
	return strings.HasSuffix(strings.ToLower(app), `\svchost.exe`)
}

// ErrNotARule: a store holds a value this package cannot read as a rule,
// which may be one that lets everyone in.
var ErrNotARule = errors.New("not a firewall rule SessionGuard can read")

// ReadStore lists a store's rules by id. An absent store is an error
// wrapping probe.ErrNotFound (no rules); one that cannot be read another
// error. Values that are not rules are an error wrapping ErrNotARule,
// counting them (not naming them: a rule's id may hold a program's path
// under a person's folder, and errors go into the facts), returned with
// every rule that was read: the store is not known whole, yet what it
// holds still counts.
func ReadStore(p probe.Probe, s Store) (map[string]Rule, error) {
	values, err := probe.RegistryValues(p, s.Key)
	if err != nil {
		return nil, err
	}
	rules := make(map[string]Rule, len(values))
	notRules := 0
	for id, v := range values {
		text, ok := v.(string)
		r, parsed := Parse(text)
		if !ok || !parsed {
			notRules++
			continue
		}
		rules[id] = r
	}
	if notRules > 0 {
		err = fmt.Errorf("%s: %d of its %d values: %w", s.Key, notRules, len(values), ErrNotARule)
	}
	return rules, err
}

// The profiles' settings keys: the computer's own under LocalPolicyKey
// (where the Private profile is StandardProfile), Group Policy's under
// GroupPolicyKey, device management's (Intune's Firewall CSP) under
// LocalPolicyKey\Mdm with the local names.
var (
	localProfileKeys  = map[string]string{ProfileDomain: "DomainProfile", ProfilePrivate: "StandardProfile", ProfilePublic: "PublicProfile"}
	policyProfileKeys = map[string]string{ProfileDomain: "DomainProfile", ProfilePrivate: "PrivateProfile", ProfilePublic: "PublicProfile"}
)

// LocalProfileKey is the key of the computer's own settings for the
// named profile ("" for a name that is no profile).
func LocalProfileKey(name string) string {
	if k, ok := localProfileKeys[name]; ok {
		return LocalPolicyKey + `\` + k
	}
	return ""
}

// PolicyProfileKeys are the keys of Group Policy's and device
// management's settings for the named profile, in that order; for a name
// that is no profile (netsh's "Current" in a language not recognised),
// every profile's.
func PolicyProfileKeys(name string) []string {
	names := []string{name}
	if _, known := localProfileKeys[name]; !known {
		names = ProfileNames
	}
	var keys []string
	for _, n := range names {
		keys = append(keys, GroupPolicyKey+`\`+policyProfileKeys[n], LocalPolicyKey+`\Mdm\`+localProfileKeys[n])
	}
	return keys
}

// The WMI class listing the networks the computer is connected to, with
// each one's category (which firewall profile applies to it).
const (
	StandardCimv2          = `root\StandardCimv2`
	ConnectionProfileClass = "MSFT_NetConnectionProfile"
)

// ActiveProfiles are the profiles of the networks in use, in the
// firewall's order, from ConnectionProfileClass rows: NetworkCategory 0
// Public, 1 Private, 2 DomainAuthenticated.
func ActiveProfiles(rows []map[string]any) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		n, ok := probe.AsInt(r["NetworkCategory"])
		if !ok {
			continue
		}
		switch n {
		case 0:
			seen[ProfilePublic] = true
		case 1:
			seen[ProfilePrivate] = true
		case 2:
			seen[ProfileDomain] = true
		}
	}
	var out []string
	for _, name := range ProfileNames {
		if seen[name] {
			out = append(out, name)
		}
	}
	return out
}

// ProfileState is how one profile treats incoming connections as a
// whole, before any rule.
type ProfileState struct {
	// Off: the firewall filters nothing on the profile (EnableFirewall 0).
	Off bool
	// InboundAllowed: every connection no rule blocks comes in
	// (DefaultInboundAction 0, allow).
	InboundAllowed bool
}

// Open reports whether the profile lets a connection in without an
// allow rule.
func (s ProfileState) Open() bool { return s.Off || s.InboundAllowed }

// legacyStandardProfileKey holds the Windows XP-era Administrative
// Template's "Standard Profile" policies, which Windows applies to the
// Private and Public profiles (Microsoft KB947229).
const legacyStandardProfileKey = GroupPolicyKey + `\StandardProfile`

// ReadProfile reads the named profile's EnableFirewall and
// DefaultInboundAction as Windows applies them: a value Group Policy or
// device management sets (PolicyProfileKeys; the less protective where
// both do, since which wins is not documented) decides over the
// computer's own (LocalProfileKey); for Private and Public, the legacy
// Standard Profile policy's EnableFirewall 0 turns the firewall off too.
// A value set nowhere is Windows' default: on, block. An error, with
// what was read, when a value that could decide exists but cannot be
// read.
func ReadProfile(p probe.Probe, name string) (ProfileState, error) {
	var unread error
	read := func(keys []string, value string) []int64 {
		var out []int64
		for _, key := range keys {
			v, err := p.Registry(key, value)
			n, ok := probe.AsInt(v)
			switch {
			case errors.Is(err, probe.ErrNotFound):
			case err != nil:
				unread = errors.Join(unread, err)
			case !ok:
				unread = errors.Join(unread, fmt.Errorf(`%s\%s: not a number: %v`, key, value, v))
			default:
				out = append(out, n)
			}
		}
		return out
	}
	policy, local := PolicyProfileKeys(name), []string{LocalProfileKey(name)}
	decide := func(value string) []int64 {
		if set := read(policy, value); len(set) > 0 {
			return set
		}
		return read(local, value)
	}
	var s ProfileState
	s.Off = slices.Contains(decide("EnableFirewall"), 0)
	if name == ProfilePrivate || name == ProfilePublic {
		s.Off = s.Off || slices.Contains(read([]string{legacyStandardProfileKey}, "EnableFirewall"), 0)
	}
	s.InboundAllowed = slices.Contains(decide("DefaultInboundAction"), 0)
	return s, unread
}
