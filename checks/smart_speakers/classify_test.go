package smartspeakers

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTXT reads a parser case: one TXT string per line, # lines are notes.
func readTXT(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var txt []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		txt = append(txt, line)
	}
	return txt
}

func TestClassifyTXT(t *testing.T) {
	dirService := map[string]string{
		"googlecast": ServiceGoogleCast,
		"airplay":    ServiceAirPlay,
		"raop":       ServiceRAOP,
		"amzn-wplay": ServiceAmazon,
	}
	tests := []struct {
		file, kind, model string
	}{
		{"googlecast/nest_mini_tcpdump_zolder.txt", KindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_mini_casting_keuken.txt", KindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_mini_reversed_order.txt", KindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_audio_tcpdump_slaapkamer.txt", KindGoogleSpeaker, "Nest Audio"},
		{"googlecast/nest_audio_stereo_left.txt", KindGoogleSpeaker, "Nest Audio"},
		{"googlecast/home_mini_hashicorp_log.txt", KindGoogleSpeaker, "Google Home Mini"},
		{"googlecast/home_mini_empty_rm.txt", KindGoogleSpeaker, "Google Home Mini"},
		{"googlecast/nest_hub_avahi_czech.txt", KindGoogleSpeaker, "Google Nest Hub"},
		{"googlecast/chromecast_audio_not_speaker.txt", KindGoogleCastOther, "Chromecast Audio"},
		{"googlecast/cast_group_not_device.txt", KindGoogleCastGroup, "Google Cast Group"},
		{"googlecast/chromecast_ultra_tv.txt", KindGoogleCastOther, "Chromecast Ultra"},
		{"googlecast/philips_tv_cast_builtin.txt", KindGoogleCastOther, "TPM191E"},
		{"googlecast/no_model_key.txt", KindGoogleCastOther, ""},

		{"airplay/homepod_2nd_gen.txt", KindAppleHomePod, "AudioAccessory6,1"},
		{"airplay/homepod_1st_gen_dns_sd.txt", KindAppleHomePod, "AudioAccessory1,1"},
		{"airplay/homepod_mini_uppercase_key.txt", KindAppleHomePod, "AudioAccessory5,1"},
		{"airplay/apple_tv_4k.txt", KindAppleOther, "AppleTV14,1"},
		{"airplay/macbook.txt", KindAppleOther, "Mac17,2"},
		{"airplay/samsung_tv.txt", KindAirPlayOther, "UAU7000"},
		{"airplay/sonos_amp_avahi.txt", KindSonosOther, "Amp"},
		{"airplay/sonos_five.txt", KindSonosOther, "Five"},
		{"airplay/sonos_unknown_model.txt", KindSonosOther, "Bookshelf"},
		{"airplay/sonos_arc.txt", KindSonosMicrophone, "Arc"},
		{"airplay/sonos_one.txt", KindSonosMicrophone, "One"},

		{"raop/homepod_mini_610.txt", KindAppleHomePod, "AudioAccessory5,1"},
		{"raop/homepod_mini_980.txt", KindAppleHomePod, "AudioAccessory5,1"},
		{"raop/homepod_mini_670.txt", KindAppleHomePod, "AudioAccessory5,1"},
		{"raop/sonos_bookshelf.txt", KindAirPlayOther, "Bookshelf"},
		{"raop/linkplay_no_model.txt", KindAirPlayOther, ""},

		{"amzn-wplay/fire_tv_stick_dns_sd.txt", KindAmazonOther, "A2LWARUGJLBYEW"},
		{"amzn-wplay/fire_tv_no_device_type.txt", KindAmazonOther, ""},
		{"amzn-wplay/echo_dot_3_assumed.txt", KindAmazonEcho, "A32DOYMUN6DTXA"},
		{"amzn-wplay/echo_show_5_lowercase.txt", KindAmazonEcho, "A4ZP7ZC4PI6TO"},
		{"amzn-wplay/fire_tv_cube_listens.txt", KindAmazonEcho, "A2JKHJ0PX4J3L3"},
		{"amzn-wplay/echo_dot_5_assumed.txt", KindAmazonEcho, "A4ZXE0RM7LQ7A"},
		{"amzn-wplay/garbage.txt", KindAmazonOther, ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			seen[tt.file] = true
			svc := dirService[filepath.Dir(tt.file)]
			kind, model := ClassifyTXT(svc, readTXT(t, filepath.Join("testdata", "parsers", tt.file)))
			if kind != tt.kind || model != tt.model {
				t.Errorf("ClassifyTXT = %q, %q; want %q, %q", kind, model, tt.kind, tt.model)
			}
			for _, txt := range readTXT(t, filepath.Join("testdata", "parsers", tt.file)) {
				for _, key := range []string{"fn=", "n="} {
					if strings.HasPrefix(txt, key) && model != "" && strings.Contains(model, strings.TrimPrefix(txt, key)) {
						t.Errorf("model %q carries the friendly name %q", model, txt)
					}
				}
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "parsers", "*", "*.txt"))
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join("testdata", "parsers"), f)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("parser case %s has no expectation", rel)
		}
	}
}

func TestClassifyTXTEdgeCases(t *testing.T) {
	tests := []struct {
		name, service string
		txt           []string
		kind, model   string
	}{
		{"unknown service", "_spotify-connect._tcp", []string{"CPath=/zc"}, KindUnrecognised, ""},
		{"service with final dot", "_googlecast._tcp.", []string{"md=Google Home"}, KindGoogleSpeaker, "Google Home"},
		{"third-party assistant speaker", ServiceGoogleCast, []string{"md=JBL LINK 20"}, KindGoogleSpeaker, "JBL LINK 20"},
		{"Google TV streamer", ServiceGoogleCast, []string{"md=Google TV Streamer"}, KindGoogleCastOther, "Google TV Streamer"},
		{"no TXT at all", ServiceAirPlay, nil, KindAirPlayOther, ""},
		{"control characters dropped", ServiceGoogleCast, []string{"md=Nest\x00 Audio\x1b"}, KindGoogleSpeaker, "Nest Audio"},
		{"long model clipped", ServiceGoogleCast, []string{"md=" + strings.Repeat("x", 200)}, KindGoogleCastOther, strings.Repeat("x", maxModelLen)},
		{"value with =", ServiceAirPlay, []string{"model=AudioAccessory5,1=x"}, KindAppleHomePod, "AudioAccessory5,1=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, model := ClassifyTXT(tt.service, tt.txt)
			if kind != tt.kind || model != tt.model {
				t.Errorf("ClassifyTXT = %q, %q; want %q, %q", kind, model, tt.kind, tt.model)
			}
		})
	}
}
