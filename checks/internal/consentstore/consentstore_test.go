package consentstore

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/internal/regquery"
	"github.com/sessionguard/sessionguard/checks/probe"
)

var (
	errNotFound = fmt.Errorf("registry: %w", probe.ErrNotFound)
	errDenied   = fmt.Errorf("registry: %w", probe.ErrAccessDenied)
)

func TestParseConsent(t *testing.T) {
	tests := []struct {
		v       any
		err     error
		want    string
		wantErr bool
	}{
		{"Allow", nil, Allow, false},
		{"Deny", nil, Deny, false},
		{"Prompt", nil, Prompt, false},
		{nil, errNotFound, NotSet, false},
		{"Zulassen", nil, Unknown, true}, // the store is never localised
		{uint64(1), nil, Unknown, true},
		{nil, errDenied, Unknown, true},
	}
	for _, tt := range tests {
		got, err := ParseConsent(tt.v, tt.err)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseConsent(%v, %v) = %q, %v; want %q", tt.v, tt.err, got, err, tt.want)
		}
	}
}

func TestInUse(t *testing.T) {
	tests := []struct {
		start, stop       any
		startErr, stopErr error
		want              string
		wantErr           bool
	}{
		{uint64(134060316071893442), uint64(0), nil, nil, InUseYes, false},
		{uint64(134060316071893442), uint64(134060319440137515), nil, nil, InUseNo, false},
		// A start after the last stop: in use again (or ended without a stop).
		{uint64(134060319440137515), uint64(134060316071893442), nil, nil, InUseYes, false},
		{nil, nil, errNotFound, errNotFound, InUseNo, false},
		{uint64(134060316071893442), nil, nil, errNotFound, InUseYes, false},
		{uint64(0), nil, nil, errNotFound, InUseNo, false},
		{"gestern", uint64(0), nil, nil, InUseUnknown, true},
		{"(null)", "(null)", nil, nil, InUseUnknown, true}, // Wine 8's reg prints QWORDs so
		{nil, nil, errDenied, errDenied, InUseUnknown, true},
		{uint64(134060316071893442), nil, nil, errDenied, InUseUnknown, true},
	}
	for _, tt := range tests {
		got, err := InUse(tt.start, tt.startErr, tt.stop, tt.stopErr)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("InUse(%v, %v) = %q, %v; want %q", tt.start, tt.stop, got, err, tt.want)
		}
	}
}

func read(t *testing.T, name string) []regquery.Key {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := regquery.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// The Windows layout of `reg query HKU\<SID>\…\ConsentStore /s`: packaged
// apps by family, desktop programs by file name and full path (the path,
// which holds the user's name, only to tell where a program is installed),
// in use when the start is after the stop.
func TestAppsWindows(t *testing.T) {
	keys := read(t, "win11_hku_reg_query_s.txt")
	root := regquery.NormaliseRoot(`HKU\S-1-5-21-3623811015-3361044348-30300820-1013` + Suffix)
	mic := Apps(keys, root, "microphone")
	want := []App{
		{Name: "Microsoft.WindowsSoundRecorder_8wekyb3d8bbwe", Packaged: true, InUse: InUseYes},
		{Name: "Zoom.exe", Path: `C:\Users\Sam\AppData\Roaming\Zoom\bin\Zoom.exe`, InUse: InUseNo},
		{Name: "obs64.exe", Path: `C:\Program Files\obs-studio\bin\64bit\obs64.exe`, InUse: InUseYes},
	}
	if !slices.Equal(mic, want) {
		t.Errorf("microphone apps %+v, want %+v", mic, want)
	}
	cam := Apps(keys, root, "webcam")
	if !slices.Equal(cam, []App{{Name: "MSTeams_8wekyb3d8bbwe", Packaged: true, InUse: InUseYes}}) {
		t.Errorf("webcam apps %+v", cam)
	}
	if got := Apps(keys, root, "graphicsCaptureProgrammatic"); len(got) != 0 {
		t.Errorf("screen capture apps %+v, want none", got)
	}
	if v := keys[0].Values["value"]; v != "Allow" {
		t.Errorf("microphone Value %v", v)
	}
}

// Real output of Wine 8's reg.exe (keys written with `wine reg add`): the
// same layout, but its QWORDs print as "(null)", which is no time: unknown.
func TestAppsWine(t *testing.T) {
	keys := read(t, "wine8_reg_query_s.txt")
	root := `HKEY_CURRENT_USER` + Suffix
	mic := Apps(keys, root, "microphone")
	if len(mic) != 3 {
		t.Fatalf("microphone apps %+v, want 3", mic)
	}
	for _, a := range mic {
		if a.InUse != InUseUnknown {
			t.Errorf("%s in use %q, want unknown", a.Name, a.InUse)
		}
	}
	if mic[1].Name != "obs64.exe" || mic[1].Packaged {
		t.Errorf("second app %+v", mic[1])
	}
}
