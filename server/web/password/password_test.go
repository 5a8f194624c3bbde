package password

import (
	"errors"
	"strings"
	"testing"
)

// fast keeps the tests quick; the format and the comparison are the same.
var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := Hash("correct horse battery", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
		{strings.Repeat("x", MaxLength+1), false},
	} {
		got, err := Verify(c.pw, h)
		if err != nil || got != c.want {
			t.Errorf("Verify(%.20q) = %v, %v; want %v", c.pw, got, err, c.want)
		}
	}
}

func TestDefaultParamsRoundTrip(t *testing.T) {
	h, err := Hash("pw", Default)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=19456,t=2,p=1$") {
		t.Errorf("default hash %q does not carry the default parameters", h)
	}
	if ok, err := Verify("pw", h); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}
}

func TestVerifyRefusesMalformed(t *testing.T) {
	good, _ := Hash("pw", fast)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$2a$10$abcdefghijklmnopqrstuv",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=64", "m=99999999", 1),
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$!!!",
		"$argon2id$v=19$m=64,t=1,p=1$$" + parts[5],
	} {
		ok, err := Verify("pw", bad)
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", bad, ok, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(), Generate()
	if len(a) != 20 || a == b || len(a) < MinLength {
		t.Errorf("Generate: %q, %q", a, b)
	}
	if strings.ContainsAny(a, "0O1lI") {
		t.Errorf("Generate used a look-alike character: %q", a)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery staple", Default); err != nil {
			b.Fatal(err)
		}
	}
}
