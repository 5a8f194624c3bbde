package screenlock_test

import (
	"reflect"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func TestParsePowercfgRequests(t *testing.T) {
	awake := []screenlock.PowerRequest{{Kind: "PROCESS", Name: `\Device\HarddiskVolume3\Program Files\PowerToys\PowerToys.Awake.exe`}}
	tests := []struct {
		file string
		want []screenlock.PowerRequest
	}{
		{"requests_awake_display", awake},   // Awake with "Keep screen on"
		{"requests_awake_system_only", nil}, // without: SYSTEM and EXECUTION only
		{"requests_japanese", awake},        // DISPLAY stays English; 実行:, なし。
	}
	for _, tc := range tests {
		data := checktest.ReadParserData(t, "powercfg/"+tc.file+".stdout")
		got, ok := screenlock.ParsePowercfgRequests(string(data))
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v %v", tc.file, got, ok)
		}
		scrubbed := screenlock.Scrub(`C:\Windows\System32\powercfg.exe`, []string{"/requests"}, data)
		if again, ok := screenlock.ParsePowercfgRequests(string(scrubbed)); !ok || len(again) != len(tc.want) {
			t.Errorf("%s scrubbed: %+v %v\n%s", tc.file, again, ok, scrubbed)
		}
	}
	if _, ok := screenlock.ParsePowercfgRequests("You do not have permission to enable or disable device wake.\r\n"); ok {
		t.Error("an error read as requests")
	}
}

func TestClassifyHoldWindows(t *testing.T) {
	tests := []struct{ program, kind, name string }{
		{"PowerToys.Awake", "keep_awake", "PowerToys Awake"},
		{"ms-teams", "call_app", "Microsoft Teams"},
		{"zoom", "call_app", "Zoom"},
		{"msedge", "browser", "Microsoft Edge"},
		{"vlc", "other", ""},
	}
	for _, tc := range tests {
		if h := screenlock.ClassifyHold(tc.program, ""); h.Kind != tc.kind || h.Name != tc.name {
			t.Errorf("%q: %+v, want %s %q", tc.program, h, tc.kind, tc.name)
		}
	}
}
