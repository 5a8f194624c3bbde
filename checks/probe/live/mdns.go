package live

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Limits of the live mDNS browse.
const (
	// mdnsMaxInterfaces bounds how many interfaces one browse queries on
	// (each costs up to six sockets); hosts with dozens of container
	// bridges are browsed on the interfaces that lead to the network
	// first (see rankInterfaces).
	mdnsMaxInterfaces = 8
	// mdnsMaxInstances bounds the answers kept for one service type.
	mdnsMaxInstances = 256
	// mdnsDeadlineMargin is kept free before the caller's deadline.
	mdnsDeadlineMargin = 50 * time.Millisecond
)

// quietLog swallows hashicorp/mdns's messages: it reports every socket it
// could not open (IPv6 on hosts without it, for example) on the logger,
// which would otherwise be the standard one and print to stderr.
var quietLog = log.New(io.Discard, "", 0)

// browseMDNS sends a DNS-SD browse (a PTR query for service.local.) on every
// multicast-capable interface that is up (see listMDNSInterfaces) and
// collects the instances that answer with an address, a port and a TXT
// record, for at most MDNSBrowseTimeout or until ctx ends, whichever comes
// first.
//
// It asks twice at once. From UDP port 5353 (see queryGroup, Linux only),
// so responders answer to the mDNS group, which host firewalls let in; and
// with github.com/hashicorp/mdns from an ephemeral port, so responders
// answer at once by unicast (RFC 6762 §6.7, "legacy unicast"), which a
// stateful host firewall drops as a new inbound flow. So an empty answer
// is trusted only when the group query went out on the interfaces that
// lead to the network and came back to this computer there through its
// firewall (see queryGroup, mustHear): otherwise the error says nothing
// could be heard, and wraps ErrUnavailable. Instances found are returned
// without error whatever else failed. IPv4 and IPv6 are tried together;
// when that fails (no IPv6 on the host or the interface) IPv4 alone, then
// IPv6 alone. Without any usable multicast interface, or when no query
// could be sent at all, the error wraps ErrUnavailable.
func browseMDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	service = strings.Trim(strings.TrimSpace(service), ".")
	if !validServiceType(service) {
		return nil, fmt.Errorf("mdns browse: %q is not a DNS-SD service type like _googlecast._tcp: %w", service, probe.ErrUnavailable)
	}
	// The browse ends a little before the context does, so what answered
	// is returned rather than lost to a deadline reached at the same time.
	timeout := probe.MDNSBrowseTimeout
	if dl, ok := ctx.Deadline(); ok {
		if rem := time.Until(dl); rem < timeout+mdnsDeadlineMargin {
			timeout = rem - mdnsDeadlineMargin
		}
	}
	if err := ctx.Err(); err != nil || timeout <= 0 {
		return nil, fmt.Errorf("mdns browse for %s: no time left: %w", service, probe.ErrUnavailable)
	}
	set, err := listMDNSInterfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns browse for %s: listing network interfaces: %w: %w", service, err, probe.ErrUnavailable)
	}
	ifaces := set.list
	if len(ifaces) == 0 {
		return nil, fmt.Errorf("mdns browse for %s: no network interface that is up and can multicast: %w", service, probe.ErrUnavailable)
	}

	var (
		mu      sync.Mutex
		found   = map[string]probe.MDNSInstance{}
		sent    int
		direct  = groupQueryResult{sentOn: map[int]bool{}, errs: map[int]error{}}
		lastErr error
		wg      sync.WaitGroup
		group   groupQueryResult
	)
	add := func(inst probe.MDNSInstance) {
		key := strings.ToLower(inst.Name)
		if _, dup := found[key]; !dup && len(found) < mdnsMaxInstances {
			found[key] = inst
		}
	}
	suffix := "." + strings.ToLower(service) + ".local."
	wg.Add(1)
	go func() {
		defer wg.Done()
		group = queryGroup(ctx, service, ifaces, timeout)
	}()
	for _, ifi := range ifaces {
		wg.Add(1)
		go func(ifi net.Interface) {
			defer wg.Done()
			entries, err := queryInterface(ctx, service, &ifi, timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				lastErr = fmt.Errorf("%s: %w", ifi.Name, err)
				direct.errs[ifi.Index] = err
				return
			}
			sent++
			direct.sentOn[ifi.Index] = true
			for _, e := range entries {
				if inst, ok := instanceOf(e, suffix); ok {
					add(inst)
				}
			}
		}(ifi)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mdns browse for %s: %w", service, err)
	}
	for _, inst := range group.found {
		add(inst)
	}
	if sent == 0 && len(group.sentOn) == 0 {
		return nil, fmt.Errorf("mdns browse for %s: no query could be sent: %w: %w", service, lastErr, probe.ErrUnavailable)
	}
	if len(found) == 0 {
		heard := group
		if !groupQuery(runtime.GOOS) {
			// No query from port 5353 here: the direct answers are
			// heard as before (see groupQuery).
			heard = direct
		}
		if err := set.mustHear(heard); err != nil {
			return nil, fmt.Errorf("mdns browse for %s: nothing answered, %w: %w", service, err, probe.ErrUnavailable)
		}
	}
	out := make([]probe.MDNSInstance, 0, len(found))
	for _, inst := range found {
		out = append(out, inst)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// queryInterface runs one hashicorp/mdns query on ifi, falling back from
// dual-stack to IPv4 only to IPv6 only when a mode cannot send.
func queryInterface(ctx context.Context, service string, ifi *net.Interface, timeout time.Duration) ([]*mdns.ServiceEntry, error) {
	modes := []struct{ noV4, noV6 bool }{{false, false}, {false, true}, {true, false}}
	var lastErr error
	start := time.Now()
	for _, m := range modes {
		left := timeout - time.Since(start)
		if left <= 0 || ctx.Err() != nil {
			break
		}
		ch := make(chan *mdns.ServiceEntry, 32)
		var (
			got     []*mdns.ServiceEntry
			done    = make(chan struct{})
			errc    = make(chan error, 1)
			noV4    = m.noV4
			noV6    = m.noV6
			timeout = left
		)
		go func() {
			defer close(done)
			for e := range ch {
				got = append(got, e)
			}
		}()
		go func() {
			err := mdns.QueryContext(ctx, &mdns.QueryParam{
				Service:     service,
				Domain:      "local",
				Timeout:     timeout,
				Interface:   ifi,
				Entries:     ch,
				DisableIPv4: noV4,
				DisableIPv6: noV6,
				Logger:      quietLog,
			})
			// QueryContext has returned: the library sends no more entries.
			close(ch)
			errc <- err
		}()
		// The library only stops at its own timeout; a cancelled context
		// returns at once and leaves the query to wind down (≤ timeout).
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		err := <-errc
		if err == nil {
			return got, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("no time left")
	}
	return nil, lastErr
}

// multicastInterfaces lists the interfaces a browse is sent on (see
// listMDNSInterfaces).
func multicastInterfaces() ([]net.Interface, error) {
	set, err := listMDNSInterfaces()
	return set.list, err
}

// instanceOf turns a hashicorp/mdns entry into an MDNSInstance when it
// belongs to the browsed service (suffix is ".<service>.local.", lower
// case): one client sees every answer on the link, including answers to
// other programs' queries for other service types.
func instanceOf(e *mdns.ServiceEntry, suffix string) (probe.MDNSInstance, bool) {
	if e == nil {
		return probe.MDNSInstance{}, false
	}
	name, ok := instanceName(e.Name, suffix)
	if !ok {
		return probe.MDNSInstance{}, false
	}
	return probe.MDNSInstance{
		Name: name,
		Host: strings.TrimSuffix(e.Host, "."),
		Port: e.Port,
		TXT:  append([]string(nil), e.InfoFields...),
	}, true
}

// instanceName is the instance part of a service instance's full name
// (presentation format, as github.com/miekg/dns gives it) when the name
// ends with suffix (".<service>.local.", lower case), unescaped.
func instanceName(fqdn, suffix string) (string, bool) {
	if len(fqdn) <= len(suffix) || !strings.EqualFold(fqdn[len(fqdn)-len(suffix):], suffix) {
		return "", false
	}
	return unescapeDNSLabel(fqdn[:len(fqdn)-len(suffix)]), true
}

// unescapeDNSLabel undoes the presentation-format escapes of a DNS name
// (\DDD decimal bytes and \X for a literal X), as github.com/miekg/dns
// writes them: "Sam\226\128\153s\ Echo" → "Sam’s Echo".
func unescapeDNSLabel(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validServiceType accepts "_name._tcp" or "_name._udp" (RFC 6763 §7).
func validServiceType(s string) bool {
	name, proto, ok := strings.Cut(s, ".")
	if !ok || (proto != "_tcp" && proto != "_udp") || len(name) < 2 || len(name) > 16 || name[0] != '_' {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !(c == '-' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}
