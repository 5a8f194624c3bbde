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
