package checks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// No check owns a list-of-names setting yet (the remote-access check will);
// these pin how one validates, documents and reads its value.
func TestNamesSetting(t *testing.T) {
	s := Names{Name: "allowed_tools", Label: "Allowed tools", Default: []string{"RustDesk"}, MaxNames: 2}

	doc := s.Describe()
	if doc.Kind != NamesSetting || doc.Name != "allowed_tools" || string(doc.Default) != `["RustDesk"]` {
		t.Errorf("Describe = %+v", doc)
	}
	if got := string((Names{Name: "x"}).DefaultJSON()); got != `[]` {
		t.Errorf("DefaultJSON without a default = %s, want []", got)
	}

	for raw, ok := range map[string]bool{
		`[]`:                                    true,
		`["TeamViewer", "AnyDesk"]`:             true,
		`["Chrome Remote Desktop (beta) & co"]`: true,
		`["a", "b", "c"]`:                       false, // more than MaxNames
		`["<script>"]`:                          false,
		`[" "]`:                                 false,
		`["` + strings.Repeat("x", 101) + `"]`:  false,
		`"TeamViewer"`:                          false,
	} {
		if err := s.Check(json.RawMessage(raw)); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want ok=%v", raw, err, ok)
		}
	}

	if got := s.Of(Policy{}); !slices.Equal(got, []string{"RustDesk"}) {
		t.Errorf("Of(no setting) = %q, want the default", got)
	}
	if got := s.Of(Policy{Settings: map[string]json.RawMessage{"allowed_tools": json.RawMessage(`["AnyDesk"]`)}}); !slices.Equal(got, []string{"AnyDesk"}) {
		t.Errorf("Of(set) = %q, want [AnyDesk]", got)
	}
	if got := s.Of(Policy{Settings: map[string]json.RawMessage{"allowed_tools": json.RawMessage(`["<bad>"]`)}}); !slices.Equal(got, []string{"RustDesk"}) {
		t.Errorf("Of(invalid) = %q, want the default", got)
	}
}
