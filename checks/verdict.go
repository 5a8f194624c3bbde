package checks

import "strings"

// The rule every check keeps: a verdict is Pass only when the evidence that
// would show a failure was read and shows none. AllOf and AnyOf combine the
// parts of a verdict (protocol families, settings, volumes, products) so
// that no check has to re-derive it: neither can return Pass while a part
// that matters is Unknown, and both let a part whose known value already
// decides (a fail that nothing else can undo) decide even when other parts
// could not be read.

// AllOf combines parts the machine needs every one of (IPv4 and IPv6
// filtered; the lock enabled and its delay within the limit). Not-applicable
// parts are left out. The verdict is the worst part's, in the order Fail,
// Unknown, Warn, Pass: a failing part decides even when others are unknown.
// Summary and Fix come from the first part with that status; the Reasons of
// unknown parts are joined. With no part that applies, NotApplicable.
func AllOf(parts ...Result) Result {
	return combine(parts, []Status{Fail, Unknown, Warn, Pass, NotApplicable})
}

// AnyOf combines routes any one of which protects the machine (a third-party
// firewall or Windows Firewall; one anti-virus product of several). The
// verdict is the best route's, in the order Pass, Warn, Unknown, Fail: an
// unknown route keeps the verdict unknown rather than fail, since it may be
// the one that protects. Summary and Fix come from the first route with
// that status. With no route that applies, NotApplicable.
func AnyOf(routes ...Result) Result {
	return combine(routes, []Status{Pass, Warn, Unknown, Fail, NotApplicable})
}

func combine(parts []Result, order []Status) Result {
	for _, st := range order {
		var out *Result
		var reasons []string
		for i := range parts {
			if parts[i].Status != st {
				continue
			}
			if out == nil {
				out = &parts[i]
			}
			if st == Unknown && parts[i].Reason != "" {
				// Each clause once: two parts read by one source (the
				// firewall's IPv4 and IPv6 from one nft) fail alike.
				for _, clause := range strings.Split(parts[i].Reason, "; ") {
					if !containsStr(reasons, clause) {
						reasons = append(reasons, clause)
					}
				}
			}
		}
		if out != nil {
			r := *out
			if st == Unknown {
				r.Reason = strings.Join(reasons, "; ")
			}
			return r
		}
	}
	return Result{Status: NotApplicable, Summary: "Nothing here to check."}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
