package checktest

import (
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
)

// SettingNamed is the setting named name (its JSON name, as in a policy
// file) in cat, as a value of type S (checks.Number, checks.Grade, ...).
// It is how tests outside a check package read or set one of the
// check's settings: the check packages export only ID and Check. It
// panics when there is no such setting or it is of another type, so it
// can initialise a package-level variable.
func SettingNamed[S checks.Setting](cat checks.Catalogue, name string) S {
	for _, s := range cat.Settings() {
		if s.Describe().Name != name {
			continue
		}
		v, ok := s.(S)
		if !ok {
			panic(fmt.Sprintf("checktest: setting %s is a %T, not a %T", name, s, v))
		}
		return v
	}
	panic(fmt.Sprintf("checktest: no setting %s in the catalogue", name))
}
