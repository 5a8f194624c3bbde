package wifisecurity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// iwctlTimeout bounds iwctl, which waits for iwd when it is not running.
const iwctlTimeout = 3 * time.Second

// sourceNote tracks what the sources said, for an unknown result.
type sourceNote struct {
	denied, unrecognised bool
}

func (n *sourceNote) runErr(f *facts, tool string, err error) {
	f.Tried = append(f.Tried, tool+": "+errWord(err))
	if errors.Is(err, probe.ErrAccessDenied) {
		n.denied = true
	}
}

func (n *sourceNote) finish(f *facts) {
	f.WiFi = stateUnknown
	switch {
	case n.denied:
		f.Problem = problemAccessDenied
	case n.unrecognised:
		f.Problem = problemUnrecognised
	default:
		f.Problem = problemNoSource
	}
}

func errWord(err error) string {
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return "not installed"
	case errors.Is(err, probe.ErrAccessDenied):
		return "access denied"
	case errors.Is(err, probe.ErrNotAllowed):
		return "not allowed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "could not run"
}

// linuxWirelessInterfaces lists the Wi-Fi interfaces in /sys/class/net. ok
// is false when the directory could not be listed; uncertain counts the
// interfaces whose type could not be read (uevent unreadable and no
// wireless/ directory), any of which may be Wi-Fi.
func linuxWirelessInterfaces(p probe.Probe) (names []string, uncertain int, ok bool) {
	all, err := p.ReadDir("/sys/class/net")
	if err != nil {
		return nil, 0, false
	}
	for _, name := range all {
		if name == "lo" {
			continue
		}
		dir := "/sys/class/net/" + name
		ue, ueErr := p.ReadFile(dir + "/uevent")
		if ueErr == nil && sysfsWireless(ue) {
			names = append(names, name)
			continue
		}
		// Drivers with only the old wireless extensions have no DEVTYPE
		// but a wireless/ directory.
		_, wErr := p.ReadDir(dir + "/wireless")
		switch {
		case wErr == nil:
			names = append(names, name)
		case ueErr != nil || !errors.Is(wErr, probe.ErrNotFound):
			uncertain++
		}
	}
	return names, uncertain, true
}

func collectLinux(ctx context.Context, p probe.Probe) facts {
	f := facts{OS: "linux"}
	var note sourceNote
	// The listing decides "no Wi-Fi" (not applicable), which devices iwctl
	// and iw are asked about, whether wpa_cli's one interface is all there
	// is and whether NetworkManager's connections can be all there are
	// (it lists only the devices it manages). When it cannot be read, the
	// tools are asked all the same, and none can pass.
	ifaces, uncertain, known := linuxWirelessInterfaces(p)
	switch {
	case !known:
		f.Tried = append(f.Tried, "sysfs: network interfaces not readable")
	case uncertain > 0:
		f.WirelessInterfaces = intp(len(ifaces))
		f.Tried = append(f.Tried, fmt.Sprintf("sysfs: the type of %d network interface(s) could not be read", uncertain))
	default:
		f.WirelessInterfaces = intp(len(ifaces))
		if len(ifaces) == 0 {
			f.WiFi, f.Source = stateNone, "sysfs"
			return f
		}
	}

	// NetworkManager.
	out, err := p.Run(ctx, probe.CmdNmcli, "-t", "-f", nmcliFields, "dev", "wifi", "list", "--rescan", "no")
	switch {
	case err != nil:
		note.runErr(&f, "nmcli", err)
	case out.ExitCode == 8:
		f.Tried = append(f.Tried, "nmcli: NetworkManager is not running")
	case out.ExitCode != 0:
		f.Tried = append(f.Tried, fmt.Sprintf("nmcli: exit status %d", out.ExitCode))
	default:
		list := parseNmcliWifiList(out.Stdout)
		if !list.Recognised {
			note.unrecognised = true
			f.Tried = append(f.Tried, "nmcli: output not recognised")
			break
		}
		f.Source = "nmcli"
		if len(list.Active) == 0 {
			// NetworkManager drops the access points of a device it does
			// not manage, so nmcli lists nothing for it: each interface
			// is read by its own association.
			f.WiFi = stateNotConnected
			gradeOutsideNM(ctx, p, &f, ifaces)
			if hasEnterprise(f.Connections) {
				readEAPProfiles(ctx, p, &f)
			}
			return f
		}
		f.WiFi, f.Connections = stateConnected, list.Active
		checkNmcliCiphers(ctx, p, &f, ifaces)
		if hasEnterprise(f.Connections) {
			readEAPProfiles(ctx, p, &f)
		}
		if !known || uncertain > 0 {
			f.Unread = append(f.Unread, "nmcli: reports only the Wi-Fi interfaces NetworkManager manages, and not every network interface could be checked for Wi-Fi")
		}
		return f
	}

	// wpa_supplicant without NetworkManager.
	if st, ok := runWpaCli(ctx, p, &f, &note); ok {
		f.Source = "wpa_cli"
		switch {
		case st.Connected:
			f.WiFi, f.Connections = stateConnected, []connection{st.Conn}
			// wpa_cli status speaks for one interface only.
			if !known || uncertain > 0 || len(ifaces) > 1 {
				f.Unread = append(f.Unread, "wpa_cli: reports one Wi-Fi interface, and there may be others")
			}
			return f
		case notConnectedWpaState[st.State] && known && uncertain == 0 && len(ifaces) <= 1:
			f.WiFi = stateNotConnected
			return f
		}
		// Not connected on an interface that may not be the only one,
		// or a state on the way to connecting.
		f.Source = ""
		f.Tried = append(f.Tried, "wpa_cli: state "+st.State)
	}

	// iwd: asked about each Wi-Fi interface sysfs listed, so its answer
	// is only complete when the listing is.
	collectIwd(ctx, p, &f, &note, ifaces)
	if f.WiFi == stateConnected {
		if !known || uncertain > 0 {
			f.Unread = append(f.Unread, "iwctl: not every network interface could be checked for Wi-Fi")
		}
		return f
	}
	if f.WiFi == stateNotConnected && known && uncertain == 0 {
		return f
	}
	f.WiFi, f.Source, f.Connections = "", "", nil
	note.finish(&f)
	return f
}

// collectIwd asks iwd about every Wi-Fi interface in ifaces. WiFi is
// connected when one is (an interface that did not answer is an unknown
// connection), not_connected when every one answered disconnected.
func collectIwd(ctx context.Context, p probe.Probe, f *facts, note *sourceNote, ifaces []string) {
	var conns []connection
	disconnected, failed := 0, 0
	for _, dev := range ifaces {
		ictx, cancel := context.WithTimeout(ctx, iwctlTimeout)
		out, err := p.Run(ictx, probe.CmdIwctl, "station", dev, "show")
		cancel()
		if err != nil {
			note.runErr(f, "iwctl", err)
			failed++
			break
		}
		st := parseIwctlStation(out.Stdout, out.Stderr)
		switch {
		case st.NotRunning:
			f.Tried = append(f.Tried, "iwctl: iwd is not running")
		case !st.Recognised:
			note.unrecognised = true
			f.Tried = append(f.Tried, "iwctl: output not recognised")
		case st.Connected:
			conns = append(conns, iwdWithIEs(ctx, p, f, dev, st.Conn))
			continue
		case st.State == "disconnected":
			disconnected++
			continue
		default:
			f.Tried = append(f.Tried, "iwctl: state "+st.State)
		}
		failed++
		if st.NotRunning {
			break
		}
	}
	switch {
	case len(conns) > 0:
		f.Source, f.WiFi = "iwctl", stateConnected
		f.Connections = conns
		if failed > 0 || disconnected+len(conns) < len(ifaces) {
			f.Unread = append(f.Unread, "iwctl: not every Wi-Fi interface answered")
		}
	case disconnected > 0 && disconnected == len(ifaces):
		f.Source, f.WiFi = "iwctl", stateNotConnected
	}
}

// notConnectedWpaState are the wpa_state values of an interface that is
// not connected and not about to be.
var notConnectedWpaState = map[string]bool{
	"DISCONNECTED": true, "INACTIVE": true, "SCANNING": true, "INTERFACE_DISABLED": true,
}

func runWpaCli(ctx context.Context, p probe.Probe, f *facts, note *sourceNote) (wpaCliStatus, bool) {
	out, err := p.Run(ctx, probe.CmdWpaCli, "status")
	if err != nil {
		note.runErr(f, "wpa_cli", err)
		return wpaCliStatus{}, false
	}
	st := parseWpaCliStatus(out.Stdout, out.Stderr)
	switch {
	case st.Recognised:
		return st, true
	case st.Denied:
		note.denied = true
		f.Tried = append(f.Tried, "wpa_cli: permission denied")
	case out.ExitCode != 0:
		f.Tried = append(f.Tried, "wpa_cli: wpa_supplicant not reachable")
	default:
		note.unrecognised = true
		f.Tried = append(f.Tried, "wpa_cli: output not recognised")
	}
	return st, false
}

// iwdWithIEs adds the kernel's view of the access point to iwd's: iwctl's
// Security row names the negotiated key management only ("WPA2-Personal"
// on a WPA/WPA2 mixed-mode network too), so a WPA2 connection is graded by
// the access point's RSN and WPA elements, and is unverified (a pass
// cannot stand) when they cannot be read.
func iwdWithIEs(ctx context.Context, p probe.Probe, f *facts, dev string, c connection) connection {
	if !needsIEs(c) {
		return c
	}
	bss, ok, denied, why := runIw(ctx, p, dev)
	if ok {
		return withIEs(c, bss)
	}
	if why == "" {
		why = notInCache
	}
	cipherUnverified(f, "iwctl names the key management only", why, denied)
	return c
}

// checkNmcliCiphers checks the NetworkManager connections against the
// kernel's scan cache (iw), which holds the access points' own RSN and WPA
// elements: those whose grade rests on a group cipher, and, when there are
// more Wi-Fi interfaces than NetworkManager reports connections, every
// interface. NetworkManager lists only the interfaces it manages (a USB
// adapter left to its own wpa_supplicant or iwd is invisible to nmcli),
// while the kernel marks, per interface, the access point that interface
// is associated with. Without iw, NetworkManager's flags stand only when
// it drives wpa_supplicant (which reads them from the access point); with
// iwd they are made up, and wpa_supplicant's own report (wpa_cli status,
// which names the group cipher) is the one other source.
func checkNmcliCiphers(ctx context.Context, p probe.Probe, f *facts, ifaces []string) {
	beyondNM := len(ifaces) > len(f.Connections)
	if !beyondNM && !slices.ContainsFunc(f.Connections, needsIEs) {
		return
	}
	k := readAssociations(ctx, p, ifaces)
	if beyondNM && gradeBeyondNM(f, k) {
		return
	}
	if !slices.ContainsFunc(f.Connections, needsIEs) {
		return
	}
	assoc, denied, why := k.assoc, k.denied, k.why
	switch {
	case len(ifaces) == 0:
		why = "iw: no Wi-Fi interface to ask about"
	case why != "":
	case len(assoc) == 1 && len(f.Connections) == 1:
		f.Connections[0] = withIEs(f.Connections[0], assoc[0])
		return
	case len(assoc) == len(f.Connections):
		// Several Wi-Fi connections: the kernel's view of each
		// associated access point stands in for NetworkManager's.
		for i, b := range assoc {
			f.Connections[i] = withIEs(connection{Raw: "nmcli"}, b)
		}
		return
	case len(assoc) == 0:
		why = notInCache
	default:
		// Which association is which cannot be told.
		interfaceUnread(f, countMismatch, false)
		return
	}
	backend, bwhy := nmBackend(p)
	f.NMBackend = backend
	switch {
	case backend == "wpa_supplicant":
		f.Tried = append(f.Tried, why)
		if f.Connections[0].Cipher == "" {
			refineWithWpaCli(ctx, p, f, false)
		}
		return
	case backend == "":
		if refineWithWpaCli(ctx, p, f, true) {
			f.Tried = append(f.Tried, why, "NetworkManager's Wi-Fi backend: "+bwhy)
			return
		}
		why += "; NetworkManager's Wi-Fi backend: " + bwhy
	}
	what := "NetworkManager with iwd makes up the access point's cipher flags"
	if backend == "" {
		what = "NetworkManager's cipher flags are made up when it uses iwd, and which it uses is not known"
	}
	cipherUnverified(f, what, why, denied)
}

// countMismatch is why, when the kernel lists some associated access
// points, but not as many as NetworkManager reports connections.
const countMismatch = "iw: the kernel lists another number of associated access points than NetworkManager"

// kernelAssociations is what iw read of every Wi-Fi interface.
type kernelAssociations struct {
	// assoc are the associated access points, one per associated
	// interface.
	assoc []iwBSS
	// read and unread count the interfaces whose cache was and could
	// not be read; why is the first unread one's reason, denied whether
	// it was refused.
	read, unread int
	denied       bool
	why          string
}

// readAssociations reads the kernel's scan cache of every interface in
// ifaces.
func readAssociations(ctx context.Context, p probe.Probe, ifaces []string) kernelAssociations {
	var k kernelAssociations
	for _, dev := range ifaces {
		b, ok, denied, why := runIw(ctx, p, dev)
		if why != "" {
			if k.unread == 0 {
				k.denied, k.why = denied, why
			}
			k.unread++
			continue
		}
		k.read++
		if ok {
			k.assoc = append(k.assoc, b)
		}
	}
	return k
}

// gradeBeyondNM grades a machine with more Wi-Fi interfaces than
// NetworkManager reports connections, whose other interfaces may be
// associated without NetworkManager. cfg80211 holds an associated access
// point in its cache, so each of NetworkManager's associations is among
// the kernel's: more associations there are ones NetworkManager does not
// report, and every one is graded by its own elements (NetworkManager's
// connections that are not secure are kept, so its verdict is never
// weakened). An interface that could not be read, or fewer associations
// than NetworkManager's, keeps a pass from standing; an insecure
// association the kernel shows still decides. It reports whether the
// connections are settled; when not, the caller refines NetworkManager's
// as on a machine with one Wi-Fi interface.
func gradeBeyondNM(f *facts, k kernelAssociations) bool {
	settled := false
	switch {
	case k.unread > 0:
		interfaceUnread(f, fmt.Sprintf("%s (could not read %d of %d Wi-Fi interfaces; NetworkManager does not report the ones it does not manage)",
			k.why, k.unread, k.unread+k.read), k.denied)
	case len(k.assoc) > len(f.Connections):
		var conns []connection
		for _, c := range f.Connections {
			if gradeOf(c) != gradeSecure {
				conns = append(conns, c)
			}
		}
		for _, b := range k.assoc {
			conns = append(conns, b.Conn)
		}
		f.Connections = conns
		return true
	case len(k.assoc) > 0 && len(k.assoc) < len(f.Connections):
		interfaceUnread(f, countMismatch, false)
		settled = true
	default:
		return false
	}
	for _, b := range k.assoc {
		if gradeOf(b.Conn) == gradeInsecure {
			f.Connections = append(f.Connections, b.Conn)
		}
	}
	return settled
}

// gradeOutsideNM grades, when NetworkManager reports no active Wi-Fi
// connection, every Wi-Fi interface whose link is not down by the access
// point the kernel marks it associated with (iw): an interface
// NetworkManager does not manage (Debian leaves those named in
// /etc/network/interfaces to ifupdown; another wpa_supplicant or iwd)
// may be connected all the same. An interface whose link is down
// (operstate "down": no carrier, so not associated) is not asked; one
// whose link is up, dormant or unreadable and that iw cannot read keeps
// the state from being not connected.
func gradeOutsideNM(ctx context.Context, p probe.Probe, f *facts, ifaces []string) {
	var conns []connection
	unreadCount, why, denied := 0, "", false
	for _, dev := range ifaces {
		if wifiLinkDown(p, dev) {
			continue
		}
		b, ok, d, w := runIw(ctx, p, dev)
		switch {
		case w != "":
			if unreadCount == 0 {
				why, denied = w, d
			}
			unreadCount++
		case ok:
			conns = append(conns, b.Conn)
		}
	}
	if unreadCount > 0 {
		why = fmt.Sprintf("%s; could not read %d Wi-Fi interface(s) whose link is not down, and NetworkManager, which reports no Wi-Fi connection, does not report the interfaces it does not manage", why, unreadCount)
	}
	switch {
	case len(conns) > 0:
		f.WiFi, f.Connections = stateConnected, conns
		if unreadCount > 0 {
			interfaceUnread(f, why, denied)
		}
	case unreadCount > 0:
		f.WiFi, f.Problem = stateUnknown, problemInterfaceUnread
		if denied {
			f.Problem = problemAccessDenied
		}
		f.Tried = append(f.Tried, why)
	}
}

// wifiLinkDown reports whether a network interface's operational state
// is "down" (/sys/class/net/<dev>/operstate): a Wi-Fi interface without
// carrier, which cfg80211 drivers give it until it is associated.
func wifiLinkDown(p probe.Probe, dev string) bool {
	b, err := p.ReadFile("/sys/class/net/" + dev + "/operstate")
	return err == nil && strings.TrimSpace(string(b)) == "down"
}

// interfaceUnread notes that a Wi-Fi interface's association could not be
// read: a pass cannot stand.
func interfaceUnread(f *facts, why string, denied bool) {
	unread(f, why, denied, problemInterfaceUnread)
}

// unread notes what could not be read (why), so a pass cannot stand, and
// the problem it makes: denied access, else problem unless one is set.
func unread(f *facts, why string, denied bool, problem string) {
	f.Unread = append(f.Unread, why)
	if denied {
		f.Problem = problemAccessDenied
	} else if f.Problem == "" {
		f.Problem = problem
	}
}

// cipherUnverified notes that a connection's group cipher could not be
// read: a pass cannot stand on it.
func cipherUnverified(f *facts, what, why string, denied bool) {
	f.Unread = append(f.Unread, what+"; "+why)
	if denied {
		f.Problem = problemAccessDenied
	} else if f.Problem == "" {
		f.Problem = problemCipherUnverified
	}
}

// refineWithWpaCli replaces the one connection NetworkManager reports with
// wpa_supplicant's own view of it (key management, pairwise and group
// cipher: a TKIP group key is mixed mode). needGroup asks for a reported
// group cipher. False when wpa_cli could not say.
func refineWithWpaCli(ctx context.Context, p probe.Probe, f *facts, needGroup bool) bool {
	if len(f.Connections) != 1 {
		return false
	}
	c := f.Connections[0]
	out, err := p.Run(ctx, probe.CmdWpaCli, "status")
	if err != nil {
		return false
	}
	st := parseWpaCliStatus(out.Stdout, out.Stderr)
	if !st.Connected || st.Conn.Security == "" || (needGroup && wpaCipher(st.Group) == "") {
		return false
	}
	refined := st.Conn
	refined.Raw = c.Raw + " / " + st.Conn.Raw
	refined.Mixed = refined.Mixed || c.Mixed
	f.Connections[0] = refined
	return true
}
