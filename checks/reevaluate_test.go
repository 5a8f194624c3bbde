package checks

import "testing"

func TestReevaluateJudgesStoredFactsAgain(t *testing.T) {
	type facts struct {
		On bool `json:"on"`
	}
	def := Definition[facts]{CheckID: "firewall", CheckTitle: "Firewall", Meta: Meta{Required: true},
		Evaluate: func(f facts, _ Policy) Result {
			if f.On {
				return Result{Status: Pass, Summary: "on"}
			}
			return Result{Status: Fail, Summary: "off", Fix: "Turn it on"}
		}}
	var re Reevaluator = def
	r, err := re.Reevaluate([]byte(`{"on":false}`), Catalogue{def}.Default())
	if err != nil || r.Status != Fail || r.Fix != "Turn it on" || r.ID != "firewall" || !r.Required {
		t.Fatalf("Reevaluate = %+v, %v", r, err)
	}
	if _, err := re.Reevaluate([]byte(`{"on":"yes"}`), Catalogue{def}.Default()); err == nil {
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
