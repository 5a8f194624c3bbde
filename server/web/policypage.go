package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
)

// A team's page: its policy (the settings form of policyform.go beside the
// JSON) and which devices applied it (rollout.go).

type teamView struct {
	Team    store.Team
	Policy  string
	ETag    string
	Message string
	Saved   bool
	// Base is the policy document the settings form was opened on
	// (policymerge.go); empty, the team's.
	Base string
	// Form is the form-based editor; FormMessage its error.
	Form        policyForm
	FormMessage string
	// Rollout: which devices run this version (rollout.go).
	Rollout rolloutView
}

func (d *dashboard) team(w http.ResponseWriter, r *http.Request) {
	t, err := d.st.Team(r.Context(), r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	d.renderTeam(w, r, http.StatusOK, teamView{Team: t, Policy: prettyJSON(t.Policy), ETag: t.ETag,
		Saved: r.URL.Query().Get("saved") != ""})
}

// renderTeam shows the team page; a view without a form gets one showing
// the team's policy.
func (d *dashboard) renderTeam(w http.ResponseWriter, r *http.Request, status int, v teamView) {
	if v.Form.Fields == nil {
		v.Form = newPolicyForm(teamPolicy(v.Team), d.catalog.title)
	}
	if v.Base == "" {
		v.Base = baseDocument(v.Team.Policy)
	}
	rollout, err := d.rollout(r.Context(), v.Team, r.URL.Query())
	if errors.Is(err, store.ErrInvalid) {
		d.renderError(w, r, http.StatusBadRequest, "Bad page link.")
		return
	}
	if err != nil {
		d.serverError(w, r, "reading which devices run the policy", err)
		return
	}
	v.Rollout = rollout
	d.render(w, r, status, "team", v.Team.Name, v)
}

// savePolicy validates the policy as the agents will read it and saves it
// only if nobody changed it since the form was loaded (its ETag).
func (d *dashboard) savePolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := d.st.Team(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	text := strings.TrimSpace(r.PostForm.Get("policy"))
	etag := r.PostForm.Get("etag")
	again := func(status int, msg string) {
		d.renderTeam(w, r, status, teamView{Team: t, Policy: text, ETag: etag, Message: msg})
	}
	if etag == "" {
		again(http.StatusBadRequest, "The form lacks the policy version; reload the page.")
		return
	}
	if _, err := all.ParseTeamPolicy(strings.NewReader(text)); err != nil {
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	}
	d.storePolicy(w, r, t, compact.Bytes(), etag, func(current store.Team) {
		// The page is opened on the version it shows under the text:
		// the text merged by hand saves unless someone saves again.
		t, etag = current, current.ETag
		again(http.StatusConflict, "Someone changed this policy since you opened it. Your text is below; the current policy is shown under it. Merge by hand and save again.")
	})
}

// savePolicyForm saves what the form-based editor changed: each value
// checked as the agents check it (errors shown next to their fields), the
// document as the raw editor's. If someone else saved the policy since the
// form was opened, nothing is saved: the form is shown again with the
// admin's edits merged over the current policy (policymerge.go).
func (d *dashboard) savePolicyForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := d.st.Team(ctx, r.PathValue("id"))
	if !d.found(w, r, err, http.StatusNotFound, "There is no such team.", "reading the team") {
		return
	}
	etag := r.PostForm.Get("etag")
	// The version the form was opened on; a form without a readable one
	// is read over the policy as it stands, and cannot be merged.
	before, base, mergeable := readBase(r.PostForm)
	if !mergeable {
		before, base = teamPolicy(t), baseDocument(t.Policy)
	}
	after, form := readPolicyForm(r.PostForm, before, d.catalog.title)
	again := func(status int, msg string) {
		d.renderTeam(w, r, status, teamView{Team: t, Policy: prettyJSON(t.Policy), ETag: etag, Base: base, Form: form, FormMessage: msg})
	}
	switch {
	case etag == "":
		again(http.StatusBadRequest, "The form lacks the policy version; reload the page.")
		return
	case form.Errors > 0:
		again(http.StatusBadRequest, "The policy was not saved: correct the marked fields.")
		return
	}
	doc, changed, err := mergePolicy(t.Policy, before, after)
	if err == nil && changed {
		_, err = all.ParseTeamPolicy(bytes.NewReader(doc))
	}
	switch {
	case err != nil:
		again(http.StatusBadRequest, "The policy was not saved: "+err.Error())
		return
	case !changed && etag == t.ETag:
		again(http.StatusOK, "Nothing was changed, so nothing was saved.")
		return
	}
	d.storePolicy(w, r, t, doc, etag, func(current store.Team) {
		// The form shown is opened on the current version: saving it
		// saves what differs from that.
		t, etag, base = current, current.ETag, baseDocument(current.Policy)
		if !mergeable {
			form = newPolicyForm(teamPolicy(current), d.catalog.title)
			again(http.StatusConflict, unmergedMessage)
			return
		}
		var edited bool
		var clashes []string
		form, edited, clashes = mergeForm(form, before, after, teamPolicy(current), d.catalog.title)
		again(http.StatusConflict, conflictMessage(edited, clashes))
	})
}

// storePolicy saves a validated policy document if the team's policy is
// still the version etag, records it and shows the team page; conflict
// shows the page again with the current team.
func (d *dashboard) storePolicy(w http.ResponseWriter, r *http.Request, t store.Team, doc []byte, etag string, conflict func(current store.Team)) {
	ctx := r.Context()
	saved, err := d.st.SetTeamPolicy(ctx, t.ID, doc, etag)
	if errors.Is(err, store.ErrConflict) {
		current, _ := d.st.Team(ctx, t.ID)
		conflict(current)
		return
	}
	if err != nil {
		d.serverError(w, r, "saving the policy", err)
		return
	}
	if err := d.record(ctx, Actor(r), "policy.update", t.ID, "team "+t.Name+": "+PolicyChanges(t.Policy, saved.Policy)); err != nil {
		d.renderError(w, r, http.StatusInternalServerError, "The policy was saved, but "+err.Error())
		return
	}
	http.Redirect(w, r, "/teams/"+url.PathEscape(t.ID)+"?saved=1", http.StatusSeeOther)
}
