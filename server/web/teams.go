package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/server/store"
)

// Teams: the list and a new team. A team's page, its policy, is in
// policypage.go.

var teamCols = []sortCol{{Key: "name", Label: "Team"}, {Label: "Policy version"}, {Key: "changed", Label: "Changed", DescFirst: true}}

type teamsView struct {
	Teams   teamSet
	Message string
	Headers []header
	Pager   pager
}

// teamsView lists every team (a short list, sorted here).
func (d *dashboard) teamsView(ctx context.Context, q url.Values, msg string) (teamsView, error) {
	ts, err := d.teamSet(ctx, "")
	if err != nil {
		return teamsView{}, err
	}
	s := parseList(q, teamCols, "name")
	if s.Sort == "changed" {
		ts.List = slices.Clone(ts.List)
		sortRows(ts.List, s.Desc, func(t store.Team) int64 { return t.UpdatedAt.UnixMicro() })
	} else if s.Desc {
		ts.List = slices.Clone(ts.List)
		slices.Reverse(ts.List)
	}
	return teamsView{Teams: ts, Message: msg, Headers: s.headers("/teams", q, teamCols), Pager: pager{Total: len(ts.List), Noun: "team"}}, nil
}

func (d *dashboard) teams(w http.ResponseWriter, r *http.Request) {
	v, err := d.teamsView(r.Context(), r.URL.Query(), "")
	if err != nil {
		d.serverError(w, r, "listing teams", err)
		return
	}
	d.render(w, r, http.StatusOK, "teams", "Teams", v)
}

func (d *dashboard) createTeam(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("name"))
	fail := func(status int, msg string) {
		v, _ := d.teamsView(ctx, nil, msg)
		d.render(w, r, status, "teams", "Teams", v)
	}
	if name == "" || len(name) > 100 {
		fail(http.StatusBadRequest, "A team needs a name of 1 to 100 characters.")
		return
	}
	t, err := d.st.CreateTeam(ctx, name, nil)
	if errors.Is(err, store.ErrConflict) {
		fail(http.StatusConflict, "A team with that name exists already.")
		return
	}
	if err != nil {
		d.serverError(w, r, "creating the team", err)
		return
	}
	if err := d.record(ctx, Actor(r), "team.create", t.ID, "team "+t.Name); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The team was created, but "+err.Error())
		return
	}
	http.Redirect(w, r, "/teams/"+url.PathEscape(t.ID), http.StatusSeeOther)
}
