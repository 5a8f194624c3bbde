package unixlogin

import (
	"slices"
	"strconv"
	"strings"
)

// A PAM stack is read here as Linux-PAM runs it (libpam's
// _pam_dispatch_aux) for a person who gives no password: each auth rule's
// module returns a value, the rule's control maps the value to an action
// (pam.conf(5)), and the actions decide whether the stack lets the person
// in. What each module returns for such a person is modelled (moduleKind):
// pam_permit succeeds, pam_deny fails, pam_succeed_if as its conditions
// judge the person, a module that checks a credential (pam_unix, pam_sss,
// a fingerprint, …) fails, and a module that checks none (pam_env,
// pam_nologin, …) succeeds. Where a module's answer is not certain (a
// condition not judged here, a module not known) both answers are
// followed, and a stack that lets the person in only on the uncertain one
// is "could not tell", never "asks for a password".

// PAM return values (pam_modules(3)) the model gives modules.
const (
	retSuccess         = "success"
	retIgnore          = "ignore"
	retAuthErr         = "auth_err"
	retUserUnknown     = "user_unknown"
	retAuthinfoUnavail = "authinfo_unavail"
	retPermDenied      = "perm_denied"
)

// Actions of a control (pam.conf(5)); a number is a jump over that many
// rules.
const (
	actOK     = "ok"
	actDone   = "done"
	actBad    = "bad"
	actDie    = "die"
	actIgnore = "ignore"
	actReset  = "reset"
)

// keywordControls are the one-word controls as Linux-PAM expands them
// (libpam's pam_handlers.c): value → action, "default" for the others.
var keywordControls = map[string]map[string]string{
	"required":   {retSuccess: actOK, "new_authtok_reqd": actOK, retIgnore: actIgnore, "default": actBad},
	"requisite":  {retSuccess: actOK, "new_authtok_reqd": actOK, retIgnore: actIgnore, "default": actDie},
	"optional":   {retSuccess: actOK, "new_authtok_reqd": actOK, "default": actIgnore},
	"sufficient": {retSuccess: actDone, "new_authtok_reqd": actDone, "default": actIgnore},
}

// alwaysBad are the actions of a rule PAM refuses to run (a control not
// understood, an include it could not load): whatever it returns is bad.
var alwaysBad = map[string]string{"default": actBad}

// parseControl reads a control: a keyword (any case, as Linux-PAM compares
// them) or a bracket of value=action pairs, whose values not named take
// the default= action, or bad. A control not understood is a rule PAM
// refuses to run: it always fails (ok false).
func parseControl(control string) (actions map[string]string, ok bool) {
	control = strings.ToLower(control)
	if kw, isKeyword := keywordControls[control]; isKeyword {
		return kw, true
	}
	if !strings.HasPrefix(control, "[") || !strings.HasSuffix(control, "]") {
		return nil, false
	}
	inner := control[1 : len(control)-1]
	actions = map[string]string{}
	for _, pair := range strings.Fields(inner) {
		value, action, found := strings.Cut(pair, "=")
		if !found || value == "" || action == "" {
			return nil, false
		}
		actions[value] = action
	}
	return actions, true
}

// action is what the rule does when its module returns ret.
func (r AuthRule) action(ret string) string {
	if a, ok := r.actions[ret]; ok {
		return a
	}
	if a, ok := r.actions["default"]; ok {
		return a
	}
	return actBad
}

// Kinds of module, by what they return for a person who gives no
// password.
type moduleKind int

const (
	// kindUnknown (the zero kind): not known here; followed both ways.
	_ moduleKind = iota
	// kindCredential checks a password, key, token, fingerprint or face:
	// it fails (the person gives none).
	kindCredential
	// kindPassThrough checks no credential and normally succeeds.
	kindPassThrough
	// kindCondition succeeds or fails on who the person is or where they
	// sign in (a local account, a regular user, a listed terminal):
	// both are followed as certain.
	kindCondition
	// kindNeverGrants succeeds only for accounts this package does not
	// judge (pam_selinux_permit: the SELinux users sepermit.conf lists);
	// read as not succeeding.
	kindNeverGrants
)

// moduleKinds are the modules known here, by base name.
var moduleKinds = map[string]moduleKind{}

func init() {
	for kind, names := range map[moduleKind]string{
		kindCredential: "pam_unix pam_unix2 pam_sss pam_sss_gss pam_ldap pam_krb5 pam_winbind pam_fprintd pam_fprintd_grosshack " +
			"pam_u2f pam_yubico pam_google_authenticator pam_oath pam_systemd_home pam_pkcs11 pam_p11 pam_howdy pam_userdb " +
			"pam_pwdfile pam_radius_auth pam_tacplus pam_ssh_agent_auth pam_duo pam_smbpass pam_afs_session",
		kindPassThrough: "pam_env pam_nologin pam_faildelay pam_faillock pam_tally pam_tally2 pam_cap pam_gnome_keyring " +
			"pam_kwallet pam_kwallet5 pam_mount pam_ecryptfs pam_fscrypt pam_selinux pam_echo pam_motd pam_mail pam_lastlog " +
			"pam_limits pam_keyinit pam_loginuid pam_namespace pam_warn pam_umask pam_xauth pam_systemd pam_systemd_loadkey " +
			"pam_gdm pam_group pam_issue",
		kindCondition:   "pam_localuser pam_usertype pam_shells pam_securetty pam_listfile pam_access pam_time",
		kindNeverGrants: "pam_selinux_permit pam_sepermit",
	} {
		for _, n := range strings.Fields(names) {
			moduleKinds[n+".so"] = kind
		}
	}
}

// outcome is a value a module may return, and whether the model is sure
// of it.
type outcome struct {
	ret  string
	sure bool
}

// anyone is the subject of a first look at a stack, before the accounts
// are read: pam_succeed_if may go either way for them.
var anyone = &subject{}

// outcomes are the values a rule's module may return for the subject
// (nil: nobody to judge pam_succeed_if for: it is read as failing).
func outcomes(r AuthRule, sub *subject) []outcome {
	switch r.Module {
	case failedInclude.Module:
		return []outcome{{retPermDenied, true}}
	case "pam_permit.so":
		return []outcome{{retSuccess, true}}
	case "pam_deny.so":
		return []outcome{{retAuthErr, true}}
	case "pam_succeed_if.so":
		switch sub {
		case nil:
			return []outcome{{retAuthErr, true}}
		case anyone:
			return []outcome{{retAuthErr, true}, {retSuccess, true}}
		}
		switch r.succeedIf.judge(*sub) {
		case holds:
			return []outcome{{retSuccess, true}}
		case notJudged:
			return []outcome{{retAuthErr, true}, {retSuccess, false}}
		}
		return []outcome{{retAuthErr, true}}
	}
	switch moduleKinds[r.Module] {
	case kindCredential:
		if r.Module == "pam_unix.so" {
			// A local account: its password is asked for (an empty one
			// is EmptyPasswordAccepted's).
			return []outcome{{retAuthErr, true}}
		}
		return []outcome{{retAuthErr, true}, {retUserUnknown, true}, {retAuthinfoUnavail, true}}
	case kindPassThrough:
		return []outcome{{retSuccess, true}, {retIgnore, true}, {retAuthErr, false}}
	case kindCondition:
		return []outcome{{retSuccess, true}, {retAuthErr, true}, {retPermDenied, true}}
	case kindNeverGrants:
		return []outcome{{retIgnore, true}, {retAuthErr, true}}
	}
	return []outcome{{retAuthErr, true}, {retSuccess, false}}
}

// grants reports whether the rule's module succeeding is what lets a
// person in without a password (the rule a finding names).
func (r AuthRule) grants() bool {
	return r.Module == "pam_permit.so" || r.Module == "pam_succeed_if.so"
}

// stackEntry is a rule of a service's stack as Linux-PAM lays it out:
// included files' rules in place, a substack's one level deeper.
type stackEntry struct {
	rule  AuthRule
	file  string
	level int
}

// Stack states (libpam's impression and status).
type pamState int8

const (
	stateUndecided pamState = iota // _PAM_UNDEF
	stateGranted                   // _PAM_POSITIVE with PAM_SUCCESS
	stateRefused                   // _PAM_POSITIVE with a failure
	stateDenied                    // _PAM_NEGATIVE
)

// pathEnd is one way a stack can end for the subject, from some rule on:
// whether it lets them in, whether every module's answer on the way was
// certain, the first rule whose granting module ended the stack or jumped
// (grantor), the last one that granted otherwise (fallback), and the
// first uncertain answer's rule (each -1: none).
type pathEnd struct {
	granted  bool
	sure     bool
	grantor  int
	fallback int
	unsure   int
}

// walker follows every way through a stack for one subject.
type walker struct {
	entries []stackEntry
	sub     *subject
	memo    map[walkKey][]pathEnd
}

// walkKey is where a walk stands: the next rule, the state, the level of
// the rule before it and the states saved on entering each substack level
// (restored by reset).
type walkKey struct {
	pos, prevLevel int
	state          pamState
	saved          [maxIncludeDepth + 2]pamState
}

// walk returns the ways the stack can end from k on.
func (w *walker) walk(k walkKey) []pathEnd {
	if k.pos >= len(w.entries) {
		return []pathEnd{{granted: k.state == stateGranted, sure: true, grantor: -1, fallback: -1, unsure: -1}}
	}
	if ends, ok := w.memo[k]; ok {
		return ends
	}
	e := w.entries[k.pos]
	saved := k.saved
	if k.prevLevel < e.level {
		saved[e.level] = k.state
	}
	var ends []pathEnd
	for _, o := range outcomes(e.rule, w.sub) {
		state, next := w.step(k.pos, k.state, saved, o.ret)
		for _, end := range w.walk(walkKey{pos: next, prevLevel: e.level, state: state, saved: saved}) {
			if o.ret == retSuccess && e.rule.grants() {
				if a := e.rule.action(retSuccess); a == actDone || isJump(a) {
					end.grantor = k.pos
				} else if end.fallback < 0 {
					end.fallback = k.pos
				}
			}
			if !o.sure {
				end.sure, end.unsure = false, k.pos
			}
			if !slices.Contains(ends, end) {
				ends = append(ends, end)
			}
		}
	}
	w.memo[k] = ends
	return ends
}

// step applies the rule at pos's action for ret to state, as libpam does,
// and returns the new state and the next rule to run.
func (w *walker) step(pos int, state pamState, saved [maxIncludeDepth + 2]pamState, ret string) (pamState, int) {
	level := w.entries[pos].level
	action := w.entries[pos].rule.action(ret)
	switch action {
	case actReset:
		return saved[level], pos + 1
	case actOK, actDone:
		if (state == stateUndecided || state == stateGranted) && ret != retIgnore {
			state = stateRefused
			if ret == retSuccess {
				state = stateGranted
			}
		}
		if action == actDone && (state == stateGranted || state == stateRefused) {
			return state, w.levelEnd(pos)
		}
		return state, pos + 1
	case actBad, actDie:
		state = stateDenied
		if action == actDie {
			return state, w.levelEnd(pos)
		}
		return state, pos + 1
	case actIgnore:
		return state, pos + 1
	}
	if !isJump(action) {
		// Not an action: PAM refuses the rule.
		return stateDenied, pos + 1
	}
	n, _ := strconv.Atoi(action)
	// Skip n rules of this level, a deeper substack counting as one.
	i := pos
	for n > 0 && i+1 < len(w.entries) && w.entries[i+1].level >= level {
		i++
		for i+1 < len(w.entries) && w.entries[i+1].level > level {
			i++
		}
		n--
	}
	if n > 0 {
		return stateDenied, i + 1 // a jump past the end: "bad jump in stack"
	}
	return state, i + 1
}

// isJump reports whether an action is a jump over rules.
func isJump(action string) bool {
	n, err := strconv.Atoi(action)
	return err == nil && n > 0
}

// levelEnd is the rule after the rest of pos's level (done and die end a
// substack, or the stack).
func (w *walker) levelEnd(pos int) int {
	level := w.entries[pos].level
	i := pos
	for i+1 < len(w.entries) && w.entries[i+1].level >= level {
		i++
	}
	return i + 1
}

// judgeStack follows every way through the stack for the subject: the
// entry of the rule that lets them in without a password when a way
// certainly does (-1 and found with no such rule: the stack asks for no
// password at all), else the entry whose uncertain answer would (unsure,
// -1 when none).
func judgeStack(entries []stackEntry, sub *subject) (grantor int, found bool, unsure int) {
	w := &walker{entries: entries, sub: sub, memo: map[walkKey][]pathEnd{}}
	grantor, unsure = -1, -1
	for _, end := range w.walk(walkKey{}) {
		switch {
		case !end.granted:
		case end.sure && end.grantor >= 0:
			return end.grantor, true, -1
		case end.sure:
			grantor, found = end.fallback, true
		case unsure < 0:
			unsure = end.unsure
		}
	}
	if found {
		return grantor, true, -1
	}
	return -1, false, unsure
}
