package runnertest

import (
	"strings"
	"testing"
)

const (
	keyLine = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
	jwt     = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJJdjIzIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"
)

// Any 20-character piece of a secret is a leak; 19 characters are not;
// a short secret is looked for whole.
func TestSecretsFindPieces(t *testing.T) {
	t.Parallel()
	s := NewSecrets(keyLine, JWTSignature(jwt), "", "pw123")
	for _, text := range []string{
		"line " + keyLine + " end",
		"cut " + keyLine[30:50] + "…",
		"tail:" + keyLine[44:],
		"sig " + JWTSignature(jwt)[5:25],
		"proxy pw123 refused",
	} {
		if s.In(text) == "" {
			t.Errorf("no leak found in %q", text)
		}
	}
	for _, text := range []string{"short " + keyLine[10:29], "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJJdjIzIn0 header and claims", "", "pw12"} {
		if p := s.In(text); p != "" {
			t.Errorf("found %q in %q", p, text)
		}
	}
	var none *Secrets
	if none.In(keyLine) != "" || NewSecrets().In(keyLine) != "" {
		t.Error("an empty check found something")
	}
	s.Add("another-secret-of-some-length")
	if s.In("x another-secret-of-some y") == "" {
		t.Error("Add did not teach the check")
	}
}

func TestJWTSignature(t *testing.T) {
	t.Parallel()
	if got := JWTSignature(jwt); got != "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU" {
		t.Errorf("JWTSignature = %q", got)
	}
	if got := JWTSignature("not.a-jwt"); got != "not.a-jwt" {
		t.Errorf("JWTSignature of a non-JWT = %q", got)
	}
}

// The leak check reads pieces in every place it looks.
func TestLeaksFindsPiecesEverywhere(t *testing.T) {
	t.Parallel()
	const tok = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	res := &Result{
		Stdout:  "::add-mask::" + tok + "\nsaid " + tok[3:23] + "\n",
		Stderr:  "key " + keyLine[5:25],
		Summary: "sig " + JWTSignature(jwt)[1:21],
		Outputs: map[string]string{"token": tok, "app-slug": tok[10:30]},
		State:   map[string]string{"token": tok},
	}
	got := strings.Join(res.Leaks([]string{tok}, keyLine, JWTSignature(jwt)), "; ")
	want := `job summary; output app-slug; stderr; stdout line "said <SECRET>"`
	if got != want {
		t.Errorf("Leaks = %s\nwant %s", got, want)
	}
}
