package firewall

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/winfw"
	"github.com/sessionguard/sessionguard/checks/internal/wsc"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Windows sources.
const (
	standardCimv2      = winfw.StandardCimv2
	firewallProfileCls = "MSFT_NetFirewallProfile"
	connectionProfile  = winfw.ConnectionProfileClass
	securityCenter2    = `root\SecurityCenter2`
	firewallProductCls = "FirewallProduct"
	// cimv2 and ServiceCls list the services with their state.
	cimv2      = `root\cimv2`
	serviceCls = "Win32_Service"
	// servicesKey holds each service's Start type (2 automatic, 3
	// manual, 4 disabled), the fallback when Win32_Service is unreadable.
	servicesKey = `HKLM\SYSTEM\CurrentControlSet\Services`
)

// The services Windows Firewall needs: Windows Defender Firewall (MpsSvc)
// and the Base Filtering Engine (BFE) it depends on. With either stopped
// or disabled the profiles' settings protect nothing.
const (
	serviceFirewall = "MpsSvc"
	serviceBFE      = "BFE"
)

var firewallServices = []string{serviceBFE, serviceFirewall} // BFE first: MpsSvc needs it, so it is the cause when both are off

// service is the state of one service Windows Firewall needs.
type service struct {
	Name string `json:"name"`
	// State is Win32_Service's State ("Running", "Stopped", ...); empty
	// when only the registry was read.
	State string `json:"state,omitempty"`
	// StartMode is "Auto", "Manual", "Disabled", ... (from the registry
	// Start value when Win32_Service was unreadable).
	StartMode string `json:"start_mode,omitempty"`
	// Source is "wmi" or "registry"; "missing" when Win32_Service lists
	// no such service.
	Source string `json:"source"`
}

// Profile names.
const (
	profileDomain  = winfw.ProfileDomain
	profilePrivate = winfw.ProfilePrivate
	profilePublic  = winfw.ProfilePublic
)

var profileNames = winfw.ProfileNames

// MSFT_NetFirewallProfile GpoBoolean values of Enabled.
const (
	gpoFalse         = 0
	gpoTrue          = 1
	gpoNotConfigured = 2
)

// MSFT_NetFirewallProfile DefaultInboundAction values.
const (
	actionNotConfigured = 0
	actionAllow         = 2
	actionBlock         = 4
)

// windowsFacts is what was seen on Windows.
type windowsFacts struct {
	// Profiles are the firewall profiles with their state.
	Profiles []profile `json:"profiles,omitempty"`
	// ProfilesSource is "wmi", "registry" or "netsh".
	ProfilesSource string `json:"profiles_source,omitempty"`
	// ActiveProfiles are the profiles of the networks the PC is connected
	// to, nil when not known.
	ActiveProfiles []string `json:"active_profiles,omitempty"`
	// Connections are the network adapters in use with their network's
	// profile (MSFT_NetConnectionProfile), nil when not known.
	Connections []connection `json:"connections,omitempty"`
	// ExclusionsRead is true when each profile's excluded adapters
	// (MSFT_NetFirewallProfile DisabledInterfaceAliases) were read; the
	// registry and netsh fallbacks cannot tell them, nor could an older
	// agent.
	ExclusionsRead bool `json:"exclusions_read,omitempty"`
	// InboundRules are the firewall's rules for incoming connections, from
	// the stores a judged profile that is on and blocks by default
	// enforces (nil when there is no such profile).
	InboundRules *inboundRules `json:"inbound_rules,omitempty"`
	// Services are the states of MpsSvc and BFE.
	Services []service `json:"services,omitempty"`
	// ThirdParty are firewalls registered with Windows Security Center,
	// read only when Windows Firewall itself does not pass.
	ThirdParty []product `json:"third_party,omitempty"`
	// SecurityCenter is "read", "absent" (no root\SecurityCenter2, as on
	// Windows Server), "unread" (could not be read) or "" (not asked).
	SecurityCenter string `json:"security_center,omitempty"`
	// Errors say why sources could not be read.
	Errors []string `json:"errors,omitempty"`
}

// profile is one Windows Firewall profile.
type profile struct {
	// Name is Domain, Private or Public; "Current" when netsh named a
	// profile in a language not recognised.
	Name string `json:"name"`
	// Enabled is whether the firewall is on for the profile (Windows'
	// default, on, when not configured); nil when not read.
	Enabled *bool `json:"enabled,omitempty"`
	// InboundAllowed is true when the profile lets in every incoming
	// connection no rule blocks (DefaultInboundAction Allow).
	InboundAllowed bool `json:"inbound_allowed,omitempty"`
	// GroupPolicy is true when the organisation decides Enabled (Group
	// Policy or device management).
	GroupPolicy bool `json:"group_policy,omitempty"`
	// InboundUnread is true when a setting that decides the profile (the
	// registry's DefaultInboundAction, a policy's EnableFirewall or
	// DefaultInboundAction) exists but could not be read.
	InboundUnread bool `json:"inbound_unread,omitempty"`
	// RulesIgnored is true when the profile blocks every incoming
	// connection, the allow rules too ("Block all incoming connections,
	// including those in the list of allowed apps").
	RulesIgnored bool `json:"rules_ignored,omitempty"`
	// LocalRulesIgnored is true when Group Policy enforces only its own
	// rules (AllowLocalPolicyMerge off).
	LocalRulesIgnored bool `json:"local_rules_ignored,omitempty"`
	// ExcludedAdapters are the network adapters the profile's firewall
	// does not apply to at all (Set-NetFirewallProfile
	// -DisabledInterfaceAliases; INetFwPolicy2::ExcludedInterfaces).
	ExcludedAdapters []string `json:"excluded_adapters,omitempty"`
}

// connection is a network adapter in use and its network's profile.
type connection struct {
	Adapter string `json:"adapter"`
	Profile string `json:"profile"`
	// ReachesInternet is true when Windows finds the Internet through
	// the adapter (IPv4Connectivity or IPv6Connectivity 4, "Internet"),
	// or when neither could be read.
	ReachesInternet bool `json:"reaches_internet,omitempty"`
}

// connectivityInternet is MSFT_NetConnectionProfile's IPv4Connectivity
// and IPv6Connectivity value for Internet access (0 Disconnected, 1
// NoTraffic, 2 Subnet, 3 LocalNetwork, 4 Internet).
const connectivityInternet = 4

// product is a firewall registered with Windows Security Center.
type product struct {
	Name         string `json:"name"`
	ProductState int64  `json:"product_state"`
	Enabled      bool   `json:"enabled"`
}

// productEnabled reports whether Security Center's productState says the
// product protects: on, not off, snoozed, expired or unrecognised.
func productEnabled(state int64) bool { return wsc.Decode(state).Protecting() }

// collectWindows reads Windows Firewall (its services, then its profiles)
// and asks Security Center for a third-party firewall only when Windows
// Firewall alone does not pass: the two are routes either of which
// protects.
func collectWindows(ctx context.Context, p probe.Probe) *windowsFacts {
	f := &windowsFacts{}
	addErr := func(err error) { f.Errors = append(f.Errors, err.Error()) }

	f.Services = collectServices(p, f)
	collectProfiles(ctx, p, f)
	f.InboundRules = collectRules(p, f)
	if windowsFirewallRoute(*f).Status == checks.Pass {
		return f
	}
	rows, err := p.WMI(securityCenter2, firewallProductCls)
	switch {
	case err == nil:
		f.SecurityCenter = "read"
		for _, r := range rows {
			state, ok := probe.AsInt(r["productState"])
			if !ok {
				continue
			}
			name, _ := probe.AsString(r["displayName"])
			f.ThirdParty = append(f.ThirdParty, product{Name: name, ProductState: state, Enabled: productEnabled(state)})
		}
	case errors.Is(err, probe.ErrNotFound):
		f.SecurityCenter = "absent" // Windows Server has no Security Center
	default:
		f.SecurityCenter = "unread"
		addErr(err)
	}
	return f
}

// collectServices reads MpsSvc and BFE from Win32_Service, else their
// registry Start types.
func collectServices(p probe.Probe, f *windowsFacts) []service {
	rows, err := p.WMI(cimv2, serviceCls)
	if err == nil {
		var out []service
		for _, name := range firewallServices {
			s := service{Name: name, Source: "missing"}
			for _, r := range rows {
				if n, _ := probe.AsString(r["Name"]); strings.EqualFold(n, name) {
					s.State, _ = probe.AsString(r["State"])
					s.StartMode, _ = probe.AsString(r["StartMode"])
					s.Source = "wmi"
					break
				}
			}
			out = append(out, s)
		}
		return out
	}
	f.Errors = append(f.Errors, err.Error())
	var out []service
	for _, name := range firewallServices {
		v, err := p.Registry(servicesKey+`\`+name, "Start")
		if err != nil {
			f.Errors = append(f.Errors, err.Error())
			continue
		}
		n, ok := probe.AsInt(v)
		if !ok {
			f.Errors = append(f.Errors, fmt.Sprintf("%s\\%s Start: not a number: %v", servicesKey, name, v))
			continue
		}
		out = append(out, service{Name: name, StartMode: startMode(n), Source: "registry"})
	}
	return out
}

// startMode names a service's registry Start value as Win32_Service does.
func startMode(n int64) string {
	switch n {
	case 0:
		return "Boot"
	case 1:
		return "System"
	case 2:
		return "Auto"
	case 3:
		return "Manual"
	case 4:
		return "Disabled"
	}
	return fmt.Sprintf("Start=%d", n)
}

// collectProfiles reads the profiles from WMI, else the registry, else
// netsh, and lays the organisation's policies over them.
func collectProfiles(ctx context.Context, p probe.Probe, f *windowsFacts) {
	addErr := func(err error) { f.Errors = append(f.Errors, err.Error()) }
	if rows, err := p.WMI(standardCimv2, firewallProfileCls); err == nil {
		f.Profiles = profilesFromWMI(rows)
		if len(f.Profiles) > 0 {
			f.ProfilesSource, f.ExclusionsRead = "wmi", true
		} else {
			addErr(fmt.Errorf("%s lists no profile", firewallProfileCls))
		}
	} else {
		addErr(err)
	}
	if len(f.Profiles) == 0 {
		f.Profiles = profilesFromRegistry(p, f)
		if len(f.Profiles) > 0 {
			f.ProfilesSource = "registry"
		}
	}
	if len(f.Profiles) > 0 {
		applyPolicies(p, f.Profiles)
		if rows, err := p.WMI(standardCimv2, connectionProfile); err == nil {
			f.ActiveProfiles = activeProfilesFromWMI(rows)
			f.Connections = connectionsFromWMI(rows)
		} else {
			addErr(err)
		}
		return
	}

	out, err := p.Run(ctx, probe.CmdNetsh, "advfirewall", "show", "currentprofile")
	if err != nil {
		addErr(err)
		return
	}
	text := probe.ConsoleText(p, out.Stdout) + "\n" + probe.ConsoleText(p, out.Stderr)
	profiles, err := parseNetshProfiles(text)
	if err != nil {
		addErr(err)
		return
	}
	// What netsh shows is read as the PC's own settings, as the other
	// two sources are: the policies decide over them as Windows lets them.
	applyPolicies(p, profiles)
	f.Profiles, f.ProfilesSource = profiles, "netsh"
	for _, pr := range profiles {
		f.ActiveProfiles = append(f.ActiveProfiles, pr.Name)
	}
}

// profilesFromWMI reads MSFT_NetFirewallProfile rows.
func profilesFromWMI(rows []map[string]any) []profile {
	var out []profile
	for _, r := range rows {
		name, _ := probe.AsString(r["Name"])
		name = winfw.CanonicalProfile(name)
		if name == "" {
			continue
		}
		pr := profile{Name: name}
		if n, ok := probe.AsInt(r["Enabled"]); ok {
			switch n {
			case gpoTrue, gpoNotConfigured:
				pr.Enabled = boolPtr(true)
			case gpoFalse:
				pr.Enabled = boolPtr(false)
			}
		} else if b, ok := probe.AsBool(r["Enabled"]); ok {
			pr.Enabled = &b
		}
		if n, ok := probe.AsInt(r["DefaultInboundAction"]); ok && n == actionAllow {
			pr.InboundAllowed = true
		}
		if n, ok := probe.AsInt(r["AllowInboundRules"]); ok && n == gpoFalse {
			pr.RulesIgnored = true
		}
		pr.ExcludedAdapters = excludedAdapters(r["DisabledInterfaceAliases"])
		out = append(out, pr)
	}
	sortProfiles(out)
	return out
}

// profilesFromRegistry reads the local EnableFirewall and
// DefaultInboundAction values. A profile whose value is absent is not
// listed; one whose value exists but cannot be read is listed unread, so it
// is judged unknown rather than skipped. Nothing listed when no profile's
// value was found at all.
func profilesFromRegistry(p probe.Probe, f *windowsFacts) []profile {
	var out []profile
	found := false
	for _, name := range profileNames {
		key := winfw.LocalProfileKey(name)
		pr := profile{Name: name}
		v, err := p.Registry(key, "EnableFirewall")
		if err != nil {
			f.Errors = append(f.Errors, err.Error())
			if !errors.Is(err, probe.ErrNotFound) {
				out = append(out, pr)
			}
			continue
		}
		n, ok := probe.AsInt(v)
		if !ok {
			f.Errors = append(f.Errors, fmt.Sprintf("%s EnableFirewall: not a number: %v", key, v))
			out = append(out, pr)
			continue
		}
		found = true
		pr.Enabled = boolPtr(n != 0)
		v, err = p.Registry(key, "DefaultInboundAction")
		switch {
		case err == nil:
			if n, ok := probe.AsInt(v); ok && n == 0 {
				pr.InboundAllowed = true // 0 allow, 1 block
			}
		case !errors.Is(err, probe.ErrNotFound):
			// Absent is Windows' default, block; unreadable is unknown.
			f.Errors = append(f.Errors, err.Error())
			pr.InboundUnread = true
		}
		pr.RulesIgnored = slices.Contains(dwordValues(p, []string{key}, []string{"DoNotAllowExceptions"}), 1)
		out = append(out, pr)
	}
	if !found {
		return nil
	}
	return out
}

// applyPolicies lays the organisation's settings over the local ones:
// Group Policy's, and device management's (Intune's Firewall CSP, kept
// under FirewallPolicy\Mdm with the local store's profile names). Which of
// the two wins where both set a value is not documented for the firewall,
// so the one that protects less is taken (off over on, allow over
// block): a false fail at worst, never a false pass. A setting that
// exists but cannot be read leaves the profile unread.
func applyPolicies(p probe.Probe, profiles []profile) {
	for i := range profiles {
		pr := &profiles[i]
		// For a profile netsh named in a language not recognised
		// ("Current"), every profile's (the least protective taken).
		keys := winfw.PolicyProfileKeys(pr.Name)
		// Whether the allow rules count at all (Group Policy's
		// DoNotAllowExceptions, Intune's Shielded: 1 blocks even allowed
		// apps) and whether the PC's own rules do (AllowLocalPolicyMerge):
		// an explicit setting that lets rules count wins, the less
		// protective reading again.
		switch shields := dwordValues(p, keys, []string{"DoNotAllowExceptions", "Shielded"}); {
		case slices.Contains(shields, 0):
			pr.RulesIgnored = false
		case slices.Contains(shields, 1):
			pr.RulesIgnored = true
		}
		merge := dwordValues(p, keys, []string{"AllowLocalPolicyMerge"})
		pr.LocalRulesIgnored = slices.Contains(merge, 0) && !slices.Contains(merge, 1)
		var enabled, allowed []bool
		unread := false
		for _, key := range keys {
			for _, value := range []string{"EnableFirewall", "DefaultInboundAction"} {
				v, err := p.Registry(key, value)
				n, ok := probe.AsInt(v)
				switch {
				case errors.Is(err, probe.ErrNotFound):
				case err != nil || !ok:
					unread = true
				case value == "EnableFirewall":
					enabled = append(enabled, n != 0)
				default:
					allowed = append(allowed, n == 0) // 0 allow, 1 block
				}
			}
		}
		if len(enabled) > 0 {
			pr.Enabled, pr.GroupPolicy = boolPtr(!slices.Contains(enabled, false)), true
		}
		if len(allowed) > 0 {
			pr.InboundAllowed = slices.Contains(allowed, true)
		}
		pr.InboundUnread = pr.InboundUnread || unread
		applyLegacyStandardProfile(p, pr)
	}
}

// legacyStandardProfileKey holds the Windows XP-era Administrative
// Template's "Standard Profile" policies (Network\Network Connections\
// Windows Firewall\Standard Profile). Windows applies them to the Private
// and Public profiles (Microsoft KB947229); the template's Domain Profile
// shares its key with Group Policy's DomainProfile, already read.
const legacyStandardProfileKey = winfw.GroupPolicyKey + `\StandardProfile`

// applyLegacyStandardProfile lays the legacy Standard Profile policy over
// a Private or Public profile (every profile's reading for netsh's
// "Current"). How it ranks against Group Policy's PrivateProfile and
// PublicProfile keys is not documented, so it only counts where it
// protects less: EnableFirewall 0 turns the profile off, and
// DoNotAllowExceptions 0 lets the allow rules count; its 1s change
// nothing. A value that exists but cannot be read leaves the profile
// unread.
func applyLegacyStandardProfile(p probe.Probe, pr *profile) {
	if pr.Name == profileDomain {
		return
	}
	for _, value := range []string{"EnableFirewall", "DoNotAllowExceptions"} {
		v, err := p.Registry(legacyStandardProfileKey, value)
		n, ok := probe.AsInt(v)
		switch {
		case errors.Is(err, probe.ErrNotFound):
		case err != nil || !ok:
			pr.InboundUnread = true
		case n != 0:
		case value == "EnableFirewall":
			pr.Enabled, pr.GroupPolicy = boolPtr(false), true
		default:
			pr.RulesIgnored = false
		}
	}
}

// dwordValues are the values of the named DWORD settings read under the
// keys; settings absent or unread add nothing (so an unread setting never
// switches rules off: they are judged).
func dwordValues(p probe.Probe, keys, values []string) []int64 {
	var out []int64
	for _, key := range keys {
		for _, value := range values {
			if v, err := p.Registry(key, value); err == nil {
				if n, ok := probe.AsInt(v); ok {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// excludedAdapters reads DisabledInterfaceAliases, a list of adapter names
// ("NotConfigured" when none is set, as Get-NetFirewallProfile shows it).
func excludedAdapters(v any) []string {
	var out []string
	add := func(x any) {
		if s, ok := x.(string); ok && strings.TrimSpace(s) != "" && !strings.EqualFold(strings.TrimSpace(s), "NotConfigured") {
			out = append(out, strings.TrimSpace(s))
		}
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			add(e)
		}
	case []string:
		for _, e := range x {
			add(e)
		}
	default:
		add(x)
	}
	return out
}

// connectionsFromWMI reads each MSFT_NetConnectionProfile row's adapter
// (InterfaceAlias), profile (from NetworkCategory) and whether it reaches
// the Internet.
func connectionsFromWMI(rows []map[string]any) []connection {
	var out []connection
	for _, r := range rows {
		alias, _ := probe.AsString(r["InterfaceAlias"])
		v4, ok4 := probe.AsInt(r["IPv4Connectivity"])
		v6, ok6 := probe.AsInt(r["IPv6Connectivity"])
		internet := !ok4 && !ok6 || v4 == connectivityInternet || v6 == connectivityInternet
		if prof := winfw.ActiveProfiles([]map[string]any{r}); alias != "" && len(prof) == 1 {
			out = append(out, connection{Adapter: alias, Profile: prof[0], ReachesInternet: internet})
		}
	}
	return out
}

// activeProfilesFromWMI maps MSFT_NetConnectionProfile NetworkCategory
// (0 Public, 1 Private, 2 DomainAuthenticated) to profile names.
func activeProfilesFromWMI(rows []map[string]any) []string { return winfw.ActiveProfiles(rows) }

func sortProfiles(ps []profile) {
	order := map[string]int{profileDomain: 0, profilePrivate: 1, profilePublic: 2}
	sort.SliceStable(ps, func(i, j int) bool { return order[ps[i].Name] < order[ps[j].Name] })
}
