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
		"googlecast": serviceGoogleCast,
		"airplay":    serviceAirPlay,
		"raop":       serviceRAOP,
		"amzn-wplay": serviceAmazon,
	}
	tests := []struct {
		file, kind, model string
	}{
		{"googlecast/nest_mini_tcpdump_zolder.txt", kindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_mini_casting_keuken.txt", kindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_mini_reversed_order.txt", kindGoogleSpeaker, "Google Nest Mini"},
		{"googlecast/nest_audio_tcpdump_slaapkamer.txt", kindGoogleSpeaker, "Nest Audio"},
		{"googlecast/nest_audio_stereo_left.txt", kindGoogleSpeaker, "Nest Audio"},
		{"googlecast/home_mini_hashicorp_log.txt", kindGoogleSpeaker, "Google Home Mini"},
		{"googlecast/home_mini_empty_rm.txt", kindGoogleSpeaker, "Google Home Mini"},
		{"googlecast/nest_hub_avahi_czech.txt", kindGoogleSpeaker, "Google Nest Hub"},
		{"googlecast/chromecast_audio_not_speaker.txt", kindGoogleCastOther, "Chromecast Audio"},
		{"googlecast/cast_group_not_device.txt", kindGoogleCastGroup, "Google Cast Group"},
		{"googlecast/chromecast_ultra_tv.txt", kindGoogleCastOther, "Chromecast Ultra"},
		{"googlecast/philips_tv_cast_builtin.txt", kindGoogleCastOther, "TPM191E"},
		{"googlecast/no_model_key.txt", kindGoogleCastOther, ""},

		{"airplay/homepod_2nd_gen.txt", kindAppleHomePod, "AudioAccessory6,1"},
		{"airplay/homepod_1st_gen_dns_sd.txt", kindAppleHomePod, "AudioAccessory1,1"},
		{"airplay/homepod_mini_uppercase_key.txt", kindAppleHomePod, "AudioAccessory5,1"},
		{"airplay/apple_tv_4k.txt", kindAppleOther, "AppleTV14,1"},
		{"airplay/macbook.txt", kindAppleOther, "Mac17,2"},
		{"airplay/samsung_tv.txt", kindAirPlayOther, "UAU7000"},
		{"airplay/sonos_amp_avahi.txt", kindSonosOther, "Amp"},
		{"airplay/sonos_five.txt", kindSonosOther, "Five"},
		{"airplay/sonos_unknown_model.txt", kindSonosOther, "Bookshelf"},
		{"airplay/sonos_arc.txt", kindSonosMicrophone, "Arc"},
		{"airplay/sonos_one.txt", kindSonosMicrophone, "One"},

		{"raop/homepod_mini_610.txt", kindAppleHomePod, "AudioAccessory5,1"},
		{"raop/homepod_mini_980.txt", kindAppleHomePod, "AudioAccessory5,1"},
		{"raop/homepod_mini_670.txt", kindAppleHomePod, "AudioAccessory5,1"},
		{"raop/sonos_bookshelf.txt", kindAirPlayOther, "Bookshelf"},
		{"raop/linkplay_no_model.txt", kindAirPlayOther, ""},

		{"amzn-wplay/fire_tv_stick_dns_sd.txt", kindAmazonOther, "A2LWARUGJLBYEW"},
		{"amzn-wplay/fire_tv_no_device_type.txt", kindAmazonOther, ""},
		{"amzn-wplay/echo_dot_3_assumed.txt", kindAmazonEcho, "A32DOYMUN6DTXA"},
		{"amzn-wplay/echo_show_5_lowercase.txt", kindAmazonEcho, "A4ZP7ZC4PI6TO"},
		{"amzn-wplay/fire_tv_cube_listens.txt", kindAmazonEcho, "A2JKHJ0PX4J3L3"},
		{"amzn-wplay/echo_dot_5_assumed.txt", kindAmazonEcho, "A4ZXE0RM7LQ7A"},
		{"amzn-wplay/garbage.txt", kindAmazonOther, ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			seen[tt.file] = true
			svc := dirService[filepath.Dir(tt.file)]
			kind, model := classifyTXT(svc, readTXT(t, filepath.Join("testdata", "parsers", tt.file)))
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
		{"unknown service", "_spotify-connect._tcp", []string{"CPath=/zc"}, kindUnrecognised, ""},
		{"service with final dot", "_googlecast._tcp.", []string{"md=Google Home"}, kindGoogleSpeaker, "Google Home"},
		{"third-party assistant speaker", serviceGoogleCast, []string{"md=JBL LINK 20"}, kindGoogleSpeaker, "JBL LINK 20"},
		{"Google TV streamer", serviceGoogleCast, []string{"md=Google TV Streamer"}, kindGoogleCastOther, "Google TV Streamer"},
		{"no TXT at all", serviceAirPlay, nil, kindAirPlayOther, ""},
		{"control characters dropped", serviceGoogleCast, []string{"md=Nest\x00 Audio\x1b"}, kindGoogleSpeaker, "Nest Audio"},
		{"long model clipped", serviceGoogleCast, []string{"md=" + strings.Repeat("x", 200)}, kindGoogleCastOther, strings.Repeat("x", maxModelLen)},
		{"value with =", serviceAirPlay, []string{"model=AudioAccessory5,1=x"}, kindAppleHomePod, "AudioAccessory5,1=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, model := classifyTXT(tt.service, tt.txt)
			if kind != tt.kind || model != tt.model {
				t.Errorf("ClassifyTXT = %q, %q; want %q, %q", kind, model, tt.kind, tt.model)
			}
		})
	}
}
