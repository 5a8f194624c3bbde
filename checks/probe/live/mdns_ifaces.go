package live

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
)

// mdnsInterfaceSet is the interfaces a browse is sent on.
type mdnsInterfaceSet struct {
	// list is the interfaces queried, those leading to the network first
	// (see rankInterfaces), at most mdnsMaxInterfaces.
	list []net.Interface
	// routed is the indexes of the interfaces that carry the default
	// route of IPv4 or IPv6: the way to the network the practitioner is on.
	routed map[int]bool
	// skipped names the interfaces left out by mdnsMaxInterfaces.
	skipped []string
}

// listMDNSInterfaces lists the interfaces a browse is sent on: up,
// multicast-capable, not point-to-point (VPN tunnels), with an address;
// those carrying a default route first, then physical devices, then the
// rest (container and VM bridges) in the order the OS lists them, at most
// mdnsMaxInterfaces. Loopback is used only when nothing else qualifies (an
// isolated network namespace whose lo was given the multicast flag, as
// the tests do).
func listMDNSInterfaces() (mdnsInterfaceSet, error) {
	all, err := net.Interfaces()
	if err != nil {
		return mdnsInterfaceSet{}, err
	}
	var lan, loop []net.Interface
	addrs := map[int][]net.Addr{}
	for _, ifi := range all {
		f := ifi.Flags
		if f&net.FlagUp == 0 || f&net.FlagMulticast == 0 || f&net.FlagPointToPoint != 0 {
			continue
		}
		as, err := ifi.Addrs()
		if err != nil || len(as) == 0 {
			continue
		}
		addrs[ifi.Index] = as
		if f&net.FlagLoopback != 0 {
			loop = append(loop, ifi)
			continue
		}
		lan = append(lan, ifi)
	}
	if len(lan) == 0 {
		lan = loop
	}
	routed := defaultRouteInterfaces(addrs)
	set := mdnsInterfaceSet{list: rankInterfaces(lan, routed, physicalInterface), routed: routed}
	if len(set.list) > mdnsMaxInterfaces {
		for _, ifi := range set.list[mdnsMaxInterfaces:] {
			set.skipped = append(set.skipped, ifi.Name)
		}
		set.list = set.list[:mdnsMaxInterfaces]
	}
	return set, nil
}

// rankInterfaces orders ifaces for the browse: those whose index is in
// routed first, then those physical says are physical devices, then the
// rest, each group in the order given.
func rankInterfaces(ifaces []net.Interface, routed map[int]bool, physical func(name string) bool) []net.Interface {
	rank := func(ifi net.Interface) int {
		switch {
		case routed[ifi.Index]:
			return 0
		case physical(ifi.Name):
			return 1
		}
		return 2
	}
	out := append([]net.Interface(nil), ifaces...)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// physicalInterface says whether name is a physical network device: on
// Linux one with a device behind it in sysfs (/sys/class/net/<name>/device),
// which bridges, veth pairs and other virtual interfaces lack. Elsewhere it
// says false, and the default route alone ranks interfaces.
func physicalInterface(name string) bool {
	if runtime.GOOS != "linux" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return false
	}
	_, err := os.Stat("/sys/class/net/" + name + "/device")
	return err == nil
}

// The destinations whose route is looked up to find the interfaces that
// carry the default route: documentation addresses (RFC 5737, RFC 3849),
// which no network uses, so only a default route leads to them. Nothing is
// sent: connecting a UDP socket only looks the route up.
var defaultRouteProbes = []string{"198.51.100.1:9", "[2001:db8::1]:9"}

// defaultRouteInterfaces returns the indexes, among addrs (interface index
// to its addresses), of the interfaces the kernel would send to the
// internet from, for IPv4 and IPv6: the source address it picks for a
// documentation address belongs to one of them. A family without a default
// route adds nothing.
func defaultRouteInterfaces(addrs map[int][]net.Addr) map[int]bool {
	out := map[int]bool{}
	for _, dst := range defaultRouteProbes {
		c, err := net.Dial("udp", dst)
		if err != nil {
			continue
		}
		local, _ := c.LocalAddr().(*net.UDPAddr)
		c.Close()
		if local == nil {
			continue
		}
		for idx, as := range addrs {
			for _, a := range as {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.Equal(local.IP) {
					out[idx] = true
				}
			}
		}
	}
	return out
}

// mustHear says whether an empty answer can be trusted, given what the
// query from port 5353 did: it must have gone out, on a socket listening
// to the group, on every interface that carries a default route, or, when
// none of those queried does, on every interface queried, none left out;
// and, when the query listened for its own copy (group.unheard not nil),
// that copy must have come back in every family it went out in there:
// otherwise this computer's firewall drops mDNS from the network (see
// queryGroup). Otherwise the error says why the answers may have been
// missed, in words that follow "nothing answered, ".
func (s mdnsInterfaceSet) mustHear(group groupQueryResult) error {
	var need []net.Interface
	for _, ifi := range s.list {
		if s.routed[ifi.Index] {
			need = append(need, ifi)
		}
	}
	if len(need) == 0 {
		if len(s.skipped) > 0 {
			return fmt.Errorf("but this computer has more network connections than are asked (%s left out) and none of those asked leads to the internet, so the one to this network may not have been asked", strings.Join(s.skipped, ", "))
		}
		need = s.list
	}
	var missed, deaf []string
	var errs []error
	for _, ifi := range need {
		if fams := group.unheard[ifi.Index]; group.sentOn[ifi.Index] && len(fams) > 0 {
			deaf = append(deaf, fmt.Sprintf("%s (%s)", ifi.Name, strings.Join(fams, ", ")))
		}
		if group.sentOn[ifi.Index] {
			continue
		}
		missed = append(missed, ifi.Name)
		if err := group.errs[ifi.Index]; err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
		}
	}
	if len(missed) == 0 {
		if len(deaf) > 0 {
			return fmt.Errorf("but SessionGuard's own question never came back to it on %s: a firewall on this computer drops mDNS messages (UDP port 5353 to 224.0.0.251 or ff02::fb) coming in there, so the answers of any speaker would be dropped too; allow mDNS in that firewall (in firewalld, the mdns service)", strings.Join(deaf, ", "))
		}
		return nil
	}
	err := errors.Join(errs...)
	reason := fmt.Sprintf("but SessionGuard could not listen for the answers on %s (the mDNS port, 5353), and a firewall on this computer may block answers sent to it directly", strings.Join(missed, ", "))
	if !groupQuery(runtime.GOOS) {
		reason = fmt.Sprintf("but the question could not be sent on %s", strings.Join(missed, ", "))
	}
	if err != nil {
		reason += ": " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return errors.New(reason)
}
