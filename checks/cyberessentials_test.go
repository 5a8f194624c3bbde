package checks

import "testing"

func TestEveryCheckMapsToACyberEssentialsControl(t *testing.T) {
	known := map[string]bool{ControlFirewalls: true, ControlSecureConfig: true, ControlSecurityUpdates: true, ControlUserAccess: true, ControlMalwareProtection: true}
	for _, id := range CheckIDs {
		controls := CyberEssentialsControls(id)
		if len(controls) == 0 {
			t.Errorf("%s maps to no Cyber Essentials control", id)
		}
		for _, c := range controls {
			if !known[c] {
				t.Errorf("%s maps to %q, not one of the five controls", id, c)
			}
		}
	}
	if CyberEssentialsControls("no_such_check") != nil {
		t.Error("unknown check mapped to a control")
	}
}

func TestReevaluateJudgesStoredFactsAgain(t *testing.T) {
	type facts struct {
		On bool `json:"on"`
	}
	def := Definition[facts]{CheckID: "firewall", CheckTitle: "Firewall",
		Evaluate: func(f facts, _ Policy) Result {
			if f.On {
				return Result{Status: Pass, Summary: "on"}
			}
			return Result{Status: Fail, Summary: "off", Fix: "Turn it on"}
		}}
	var re Reevaluator = def
	r, err := re.Reevaluate([]byte(`{"on":false}`), Default())
	if err != nil || r.Status != Fail || r.Fix != "Turn it on" || r.ID != "firewall" || !r.Required {
		t.Fatalf("Reevaluate = %+v, %v", r, err)
	}
	if _, err := re.Reevaluate([]byte(`{"on":"yes"}`), Default()); err == nil {
		t.Error("facts of the wrong shape accepted")
	}
	if re.FixWhenUnknown() != GenericUnknownFix {
		t.Errorf("FixWhenUnknown = %q, want the generic text", re.FixWhenUnknown())
	}
	def.UnknownFix = "Open Settings"
	if def.FixWhenUnknown() != "Open Settings" {
		t.Error("the check's own unknown fix not used")
	}
}
