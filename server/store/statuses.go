package store

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// devices.latest_statuses holds the statuses of a device's latest check
// run in one short text, "|antivirus=pass|firewall=fail|", entries sorted by
// check ID, so the fleet figures read 100k short device rows instead of
// joining 800k results:
//
//   - compliance per check groups devices by the whole text (a fleet has few
//     distinct combinations) and adds the groups up in Go;
//   - "devices failing check X" is a substring test for "|X=fail|" or
//     "|X=unknown|" on each device row.
//
// Check IDs and statuses are escaped (% | = as %25 %7C %3D) so an entry's
// bounds are unambiguous. Migration 00005 builds the same text in SQL for
// the devices that reported before it; the two must agree.

// statusEscaper escapes the characters that delimit latest_statuses.
var statusEscaper = strings.NewReplacer("%", "%25", "|", "%7C", "=", "%3D")

// statusUnescaper undoes statusEscaper.
var statusUnescaper = strings.NewReplacer("%25", "%", "%7C", "|", "%3D", "=")

// encodeStatuses is the latest_statuses text of a run's results.
func encodeStatuses(results []report.CheckResult) string {
	entries := make([]string, 0, len(results))
	for _, r := range results {
		entries = append(entries, statusEscaper.Replace(r.ID)+"="+statusEscaper.Replace(string(r.Status)))
	}
	slices.Sort(entries)
	var b strings.Builder
	b.WriteByte('|')
	for _, e := range entries {
		b.WriteString(e)
		b.WriteByte('|')
	}
	return b.String()
}

// notPassingChecks is the IDs of the results that are not passing (the
// rows of devices_not_passing), each once.
func notPassingChecks(results []report.CheckResult) []string {
	var ids []string
	for _, r := range results {
		if slices.Contains(notPassing, r.Status) && !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// statusEntry is the substring of latest_statuses that says check id had
// status.
func statusEntry(id string, status checks.Status) string {
	return "|" + statusEscaper.Replace(id) + "=" + statusEscaper.Replace(string(status)) + "|"
}

// eachStatus calls fn with every check ID and status in a latest_statuses
// text.
func eachStatus(text string, fn func(id string, status checks.Status)) {
	for e := range strings.SplitSeq(strings.Trim(text, "|"), "|") {
		id, status, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		fn(statusUnescaper.Replace(id), checks.Status(statusUnescaper.Replace(status)))
	}
}
