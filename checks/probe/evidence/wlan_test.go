package evidence

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// beaconTail is an access point's elements as Windows' BSS list gives
// them: SSID, a WPS element with a device name, the WPA and RSN elements
// of a mixed-mode network (hostapd's hwsim test vectors).
const (
	wpaIE      = "dd160050f20101000050f20201000050f20201000050f202"
	rsnIE      = "30140100000fac020100000fac040100000fac020000"
	beaconTail = "00094b69746368656e4150" + "dd130050f204" + "1011000b4a6f73732d526f75746572" + wpaIE + rsnIE
)

// A recorded association replays with the pseudonyms netsh's output gets
// in the same bundle, and only the RSN and WPA elements: the SSID, the
// BSSID and the WPS device name are nowhere in the bundle.
func TestWLANRecordReplay(t *testing.T) {
	ies, _ := hex.DecodeString(beaconTail)
	inner := &fakeWLAN{as: []probe.WLANAssociation{
		{SSID: "KitchenAP", BSSID: "a4:2b:b0:11:22:33", Listed: true, IEs: ies, Security: &probe.WLANSecurity{Enabled: true, Auth: 7, Cipher: 4}},
		{SSID: "Other", BSSID: "a4:2b:b0:44:55:66", Error: "BSS list: not found"},
	}}
	rec := NewRecorder(inner)
	got, err := rec.WLANAssociations()
	if err != nil || len(got) != 2 || !bytes.Equal(got[0].IEs, ies) {
		t.Fatalf("the check must see the live answer: %v %v", got, err)
	}
	out := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, WLANFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"KitchenAP", "a4:2b:b0:11:22:33", "Other", "Joss-Router", hex.EncodeToString([]byte("Joss-Router")), "4b6974636865"} {
		if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(secret))) {
			t.Errorf("%q in %s:\n%s", secret, WLANFile, raw)
		}
	}
	rp, err := OpenReplay(out)
	if err != nil {
		t.Fatal(err)
	}
	as, err := probe.WLANAssociations(rp)
	if err != nil || len(as) != 2 {
		t.Fatalf("%v %v", as, err)
	}
	if want := rec.BundlePseudonym("address", "A4:2B:B0:11:22:33"); as[0].BSSID != want {
		t.Errorf("BSSID %q, want netsh's pseudonym %q", as[0].BSSID, want)
	}
	if want := rec.BundlePseudonym("network", "KitchenAP"); as[0].SSID != want {
		t.Errorf("SSID %q, want %q", as[0].SSID, want)
	}
	if got, want := hex.EncodeToString(as[0].IEs), wpaIE+rsnIE; got != want || !as[0].Listed {
		t.Errorf("IEs %s, want %s", got, want)
	}
	if s := as[0].Security; s == nil || *s != (probe.WLANSecurity{Enabled: true, Auth: 7, Cipher: 4}) {
		t.Errorf("security attributes %+v, want RSNA-PSK CCMP", s)
	}
	if as[1].Listed || len(as[1].IEs) > 0 || as[1].Error == "" || as[1].Security != nil {
		t.Errorf("unlisted association: %+v", as[1])
	}
}

// A denial replays as a denial, a missing WLAN service as not found,
// another failure as that failure; a bundle that never asked (every
// bundle before wlan_bss.json existed) cannot tell, and a probe that
// cannot tell leaves no file.
func TestWLANFailuresReplay(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		want  error
		file  bool
		other bool
	}{
		{"denied", fmt.Errorf("WlanQueryInterface: %w", probe.ErrAccessDenied), probe.ErrAccessDenied, false, false},
		{"no service", fmt.Errorf("wlanapi.dll: %w", probe.ErrNotFound), probe.ErrNotFound, true, false},
		{"rpc", errors.New("WlanEnumInterfaces: The RPC server is unavailable."), nil, true, true},
		{"cannot tell", fmt.Errorf("x: %w", probe.ErrUnavailable), probe.ErrUnavailable, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := NewRecorder(&fakeWLAN{err: tc.err})
			if _, err := rec.WLANAssociations(); !errors.Is(err, tc.err) {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "b")
			if err := rec.WriteBundle(out); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(out, WLANFile)); (err == nil) != tc.file {
				t.Errorf("%s written: %v, want %v", WLANFile, err == nil, tc.file)
			}
			rp, err := OpenReplay(out)
			if err != nil {
				t.Fatal(err)
			}
			_, err = probe.WLANAssociations(rp)
			switch {
			case err == nil:
				t.Fatal("replayed without an error")
			case tc.other && (errors.Is(err, probe.ErrNotFound) || errors.Is(err, probe.ErrAccessDenied) || !strings.Contains(err.Error(), "RPC")):
				t.Errorf("got %v, want the recorded failure", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A corrupt file fails at open.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"`+BundleFormat+`","goos":"windows","recorded_at":"2026-12-01T10:00:00Z"}`), 0o600)
	os.WriteFile(filepath.Join(dir, WLANFile), []byte(`{"associations":[{"listed":true,"ies_hex":"3x"}]}`), 0o600)
	if _, err := OpenReplay(dir); !errors.Is(err, ErrBadBundle) {
		t.Errorf("corrupt ies_hex: %v", err)
	}
}

// fakeWLAN answers WLANAssociations; the rest as fakeKeys (Windows, a
// fixed clock, nobody at the screen).
type fakeWLAN struct {
	fakeKeys
	as  []probe.WLANAssociation
	err error
}

func (f *fakeWLAN) WLANAssociations() ([]probe.WLANAssociation, error) {
	if f.err != nil && errors.Is(f.err, probe.ErrUnavailable) {
		return nil, f.err
	}
	return f.as, f.err
}

// A Wi-Fi profile keeps its structure, switches and numbers; the
// network's and the servers' names and the CA's hash are replaced, a set
// value staying set and an empty one empty.
func TestScrubProfileXML(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16"?>
<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1"><name>Kitchen &amp; Co</name><!-- made by Jo --><useOneX>true</useOneX><Type>25</Type><ServerNames>radius.example.org</ServerNames><TrustedRootCA>a1 b2 c3</TrustedRootCA><Empty></Empty><Note who="Jo" xmlns:v2="urn:x"/></WLANProfile>`
	want := `<?xml version="1.0" encoding="UTF-16"?>
<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1"><name>x</name><useOneX>true</useOneX><Type>25</Type><ServerNames>x</ServerNames><TrustedRootCA>x</TrustedRootCA><Empty></Empty><Note who="x" xmlns:v2="urn:x"/></WLANProfile>`
	if got := ScrubProfileXML(doc); got != want {
		t.Errorf("ScrubProfileXML:\n%s\nwant\n%s", got, want)
	}
	if got := ScrubProfileXML("<a><b>Kitchen</a><c d='Jo"); got != "" {
		t.Errorf("XML whose tokens cannot be read kept: %q", got)
	}
}
