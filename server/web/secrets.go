package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Enrol secrets: the list and a new secret. Revoking one is in audit.go.

type secretRow struct {
	store.EnrollSecret
	TeamName string
}

type secretsView struct {
	Teams   teamSet
	Rows    []secretRow
	Message string
	Headers []header
	Pager   pager
	// The creation form's limits as shown (defaults, or as typed with
	// FormError saying what is wrong).
	Uses, ExpiresDays, FormError string
}

// Defaults of the creation form: a week, no use count.
const defaultSecretDays = "7"

// secretLimits reads the creation form's limits: a number of devices
// and of days, each empty for none.
func secretLimits(form url.Values, now time.Time) (store.SecretLimits, string) {
	var l store.SecretLimits
	if u := strings.TrimSpace(form.Get("uses")); u != "" {
		n, err := strconv.Atoi(u)
		if err != nil || n < 1 || n > 100000 {
			return l, "Enrols at most: a whole number of devices from 1 to 100000, or empty for no limit."
		}
		l.MaxUses = n
	}
	if d := strings.TrimSpace(form.Get("expires_days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 365 {
			return l, "Expires after: a whole number of days from 1 to 365, or empty for never."
		}
		l.ExpiresAt = now.Add(time.Duration(n) * 24 * time.Hour)
	}
	return l, ""
}

var secretCols = []sortCol{{Label: "Reference"}, {Key: "team", Label: "Team"}, {Key: "created", Label: "Created", DescFirst: true},
	{Key: "revoked", Label: "Revoked", DescFirst: true}, {Label: ""}}

// sortSecrets sorts the (short) list of secrets in Go.
func sortSecrets(v *secretsView, q url.Values) {
	s := parseList(q, secretCols, "created")
	switch s.Sort {
	case "team":
		sortRows(v.Rows, s.Desc, func(r secretRow) string { return r.TeamName })
	case "revoked":
		sortRows(v.Rows, s.Desc, func(r secretRow) int64 {
			if r.RevokedAt == nil {
				return 0
			}
			return r.RevokedAt.UnixMicro()
		})
	default:
		sortRows(v.Rows, s.Desc, func(r secretRow) int64 { return r.CreatedAt.UnixMicro() })
	}
	v.Headers, v.Pager = s.headers("/secrets", q, secretCols), pager{Total: len(v.Rows), Noun: "enrol secret"}
}

func (d *dashboard) secretsView(ctx context.Context) (secretsView, error) {
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		return secretsView{}, err
	}
	secrets, err := d.st.EnrollSecrets(ctx, "")
	if err != nil {
		return secretsView{}, err
	}
	v := secretsView{Teams: ts, ExpiresDays: defaultSecretDays}
	for _, s := range secrets {
		v.Rows = append(v.Rows, secretRow{EnrollSecret: s, TeamName: ts.name(s.TeamID)})
	}
	return v, nil
}

func (d *dashboard) secrets(w http.ResponseWriter, r *http.Request) {
	v, err := d.secretsView(r.Context())
	if err != nil {
		d.serverError(w, r, "listing enrol secrets", err)
		return
	}
	if r.URL.Query().Get("revoked") != "" {
		v.Message = "The secret was revoked: it enrols no further devices (devices enrolled with it keep working)."
	}
	sortSecrets(&v, r.URL.Query())
	d.render(w, r, http.StatusOK, "secrets", "Enrol secrets", v)
}

func (d *dashboard) createSecret(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	teamID := r.PostForm.Get("team")
	limits, bad := secretLimits(r.PostForm, time.Now())
	if bad != "" {
		v, err := d.secretsView(ctx)
		if err != nil {
			d.serverError(w, r, "listing enrol secrets", err)
			return
		}
		v.Uses, v.ExpiresDays, v.FormError = r.PostForm.Get("uses"), r.PostForm.Get("expires_days"), bad
		sortSecrets(&v, r.URL.Query())
		d.render(w, r, http.StatusBadRequest, "secrets", "Enrol secrets", v)
		return
	}
	plain, id, err := d.st.CreateLimitedEnrollSecret(ctx, teamID, limits)
	if !d.found(w, r, err, http.StatusBadRequest, "Choose a team for the secret.", "creating the enrol secret") {
		return
	}
	t, _ := d.st.Team(ctx, teamID)
	if err := d.record(ctx, Actor(r), "enroll_secret.create", id, "for team "+t.Name); err != nil {
		_ = d.st.RevokeEnrollSecret(ctx, id)
		d.renderError(w, r, http.StatusInternalServerError, "The secret was not kept: "+err.Error())
		return
	}
	// Shown once, in this answer only (Cache-Control: no-store).
	d.render(w, r, http.StatusOK, "secret_created", "Enrol secret created", struct {
		Secret, ID, TeamName string
	}{plain, id, t.Name})
}
