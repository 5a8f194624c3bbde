package anypath

import "testing"

func TestBase(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Program Files\Zoom\bin\zoom.exe`: "zoom.exe",
		"/opt/zoom/zoom":                     "zoom",
		`\Device\HarddiskVolume3\Program Files\PowerToys\PowerToys.Awake.exe`: "PowerToys.Awake.exe",
		"caffeinate":     "caffeinate",
		`C:/mixed\sep/x`: "x",
		"/trailing/":     "",
		"":               "",
	} {
		if got := Base(in); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
}
