package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/sessionguard/sessionguard/server/export"
)

// Data protection: links and forms served by the export handler (see the
// package doc of server/export for its paths and fields).

type exportLink struct {
	Label, CSV, JSON string
}

type dataProtectionView struct {
	Teams   teamSet
	Since   string
	Enabled bool
	Links   []exportLink
	Message string
	Error   string
}

// exportErrors explains the export handler's error codes.
var exportErrors = map[string]string{
	"missing_subject":  "Give a device ID or a practitioner (one of them).",
	"confirm_mismatch": "The confirmation did not match: type the same device ID or practitioner again.",
	"not_found":        "There is no such device or practitioner.",
	"not_exact":        "No practitioner is stored with exactly that spelling, but one is with other capitals or spaces: type it as it is shown on the device's page.",
	"invalid":          "The form was not valid.",
	"failed":           "The server could not do it; nothing was erased. See the server log.",
}

func (d *dashboard) dataProtection(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := d.teamSet(r.Context(), q.Get("team"))
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	v := dataProtectionView{Teams: ts, Since: limitString(q.Get("since"), 40), Enabled: d.o.Exports != nil}
	filter := url.Values{}
	if ts.Chosen != "" {
		filter.Set("team", ts.Chosen)
	}
	if _, err := export.ParseSince(v.Since, time.Now()); err != nil {
		// Links with it would answer a bare 400: say so here, and keep
		// what was typed for correcting.
		v.Error = "Since: write a date (2026-01-31), a date and time (2026-01-31T09:00:00Z) or a number of days back (30d); the links below are for everything."
	} else if v.Since != "" {
		filter.Set("since", v.Since)
	}
	suffix := ""
	if len(filter) > 0 {
		suffix = "?" + filter.Encode()
	}
	for _, kind := range []struct{ label, file string }{{"Devices", "devices"}, {"Check results", "results"}, {"Sessions", "sessions"}} {
		v.Links = append(v.Links, exportLink{Label: kind.label, CSV: "/exports/" + kind.file + ".csv" + suffix, JSON: "/exports/" + kind.file + ".json" + suffix})
	}
	if n := q.Get("erased"); n != "" {
		v.Message = "Erased: " + limitString(n, 10) + " device(s) and everything held about them. The audit log records the erasure without the erased data."
	}
	if code := q.Get("erase_error"); code != "" {
		if v.Error = exportErrors[code]; v.Error == "" {
			v.Error = "The erasure failed."
		}
	}
	d.render(w, r, http.StatusOK, "data_protection", "Exports and data protection", v)
}
