package sitename

import "testing"

func TestNormalise(t *testing.T) {
	cases := []struct{ in, want string }{
		{"zoom.us", "zoom.us"},
		{".Zoom.US", "zoom.us"},
		{"https://us02web.zoom.us/j/123?pwd=x", "us02web.zoom.us"},
		{"meet.google.com/abc-defg-hij", "meet.google.com"},
		{"localhost:8080", "localhost"},
		{"127.0.0.1", "127.0.0.1"},
		{"my_host.example", "my_host.example"}, // ASCII stays as typed
		// Browsers store a name in another script in its ASCII form.
		{"Bücher.Example", "xn--bcher-kva.example"},
		{"https://BÜCHER.example/raum/1", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"ｚｏｏｍ。us", "zoom.us"}, // full-width letters and full stop
		// Not host names: refused, so a clear never runs on a name that
		// matches nothing.
		{"", ""},
		{"zoom us", ""},
		{"*.zoom.us", ""},
		{"a..b", ""},
		{"user@zoom.us", ""},
		{"zoom.us;", ""},
		{"'zoom.us'", ""},
		{"[::1]", ""},
		{"bü_cher.example", ""},
		{"-bü.example", ""},
		// Endings many sites share (the Public Suffix List): refused, so
		// keeping "co.uk" never keeps every British site's cookies.
		{"com", ""},
		{".CO.UK", ""},
		{"us", ""},
		{"github.io", ""},
		{"mybank.co.uk", "mybank.co.uk"},
		{"someone.github.io", "someone.github.io"},
		{"intranet", "intranet"},
	}
	for _, c := range cases {
		got, err := Normalise(c.in)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("Normalise(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestNormaliseSaysWhatToWrite: a wildcard is answered with the name to
// write instead.
func TestNormaliseSaysWhatToWrite(t *testing.T) {
	for in, want := range map[string]string{
		"*.zoom.us":    `"*.zoom.us" is not a site name: write zoom.us, which takes in its subdomains`,
		"*zoom.us":     `"*zoom.us" is not a site name: write zoom.us, which takes in its subdomains`,
		"zoom.*":       `"zoom.*" is not a site name (try e.g. zoom.us)`,
		"user@zoom.us": `"user@zoom.us" is not a site name (try e.g. zoom.us)`,
		"co.uk":        `"co.uk" is an ending many sites share, not a site: write the site itself, such as mybank.co.uk`,
	} {
		if _, err := Normalise(in); err == nil || err.Error() != want {
			t.Errorf("Normalise(%q) = %v, want %q", in, err, want)
		}
	}
}
