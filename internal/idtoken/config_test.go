package idtoken

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/setting"
)

// What New accepts as the audience and the issuers, and how a refusal
// reads at the command line (serve's door) and elsewhere.
func TestNewChecksItsSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		audience string
		issuers  []string
		cli      string // "" means accepted
	}{
		{"https://broker.example", nil, ""},
		{"b", []string{"https://token.actions.githubusercontent.com", "https://gitlab.example.com"}, ""},
		{"b", []string{"https://ghes.example/_services/token"}, ""},
		{"b", []string{"https://issuer.example/"}, ""},
		{"b", []string{"http://localhost:8080"}, ""},
		{"b", []string{"http://LOCALHOST:8080"}, ""},
		{"b", []string{"http://127.0.0.1:1"}, ""},
		{"b", []string{"http://127.9.9.9"}, ""},
		{"b", []string{"http://[::1]:9"}, ""},
		{"", nil, "--audience is required: the audience every OIDC token must carry"},
		{" ", nil, "--audience is required"},
		{"b", []string{"http://issuer.example"}, `--issuer "http://issuer.example" must be an https URL (plain http only to a loopback host)`},
		{"b", []string{"http://10.0.0.1"}, "must be an https URL"},
		{"b", []string{"http://localhost.example.com"}, "must be an https URL"},
		{"b", []string{"ftp://issuer.example"}, "must be an https URL"},
		{"b", []string{"token.actions.githubusercontent.com"}, `--issuer "token.actions.githubusercontent.com" is not an issuer URL like https://token.actions.githubusercontent.com`},
		{"b", []string{"https://user:pw@issuer.example"}, `--issuer (a URL with a user name or password, not shown) is not an issuer URL`},
		{"b", []string{"https://issuer.example?x=1"}, "is not an issuer URL"},
		{"b", []string{"https://issuer.example#x"}, "is not an issuer URL"},
		{"b", []string{"https:issuer.example"}, "is not an issuer URL"},
		{"b", []string{"https://issuer.example/%zz"}, "is not an issuer URL"},
		{"b", []string{"https://ok.example", "ghp_" + strings.Repeat("a", 36)}, "--issuer a value of 40 characters (not shown) is not"},
	} {
		v, err := New(Config{Audience: tc.audience, Issuers: tc.issuers})
		if tc.cli == "" {
			if err != nil {
				t.Errorf("%q %q: %v", tc.audience, tc.issuers, err)
				continue
			}
			want := tc.issuers
			if want == nil {
				want = []string{GitHubActions}
			}
			if len(v.issuers) != len(want) {
				t.Errorf("%q: %d issuers", tc.issuers, len(v.issuers))
			}
			for _, iss := range want {
				if v.issuers[iss] == nil {
					t.Errorf("%q: %s missing", tc.issuers, iss)
				}
			}
			continue
		}
		var se *setting.Error
		if !errors.As(err, &se) {
			t.Errorf("%q %q: %v (%T), want a *setting.Error", tc.audience, tc.issuers, err, err)
			continue
		}
		cli, action := se.Render(setting.CLI), se.Render(setting.Action)
		if !strings.Contains(cli, tc.cli) || !strings.HasPrefix(cli, "--") {
			t.Errorf("%q %q:\n%q\nwant %q", tc.audience, tc.issuers, cli, tc.cli)
		}
		if strings.Contains(cli, "pw") || strings.Contains(cli, "ghp_") {
			t.Errorf("%q shows a secret", cli)
		}
		if strings.Contains(action, "--") || !strings.HasPrefix(action, "the broker's ") {
			t.Errorf("outside the command line: %q", action)
		}
	}
}

// The default allowlist is GitHub Actions' issuer alone: a token naming
// it is taken up (and, here, cannot be fetched); any other is not.
func TestDefaultIssuer(t *testing.T) {
	t.Parallel()
	c := newClock()
	v, err := New(Config{Audience: testAudience, Now: c.now, Transport: refuseAll{}})
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": GitHubActions, "sub": "s", "aud": testAudience, "exp": c.now().Unix() + 60}
	testKeys()
	raw := signJWT(t, map[string]any{"alg": "RS256", "kid": "k"}, claims, rsaKey(0))
	_, err = v.Verify(context.Background(), raw)
	refusal(t, err, IssuerUnreachable, raw)
	claims["iss"] = "https://gitlab.com"
	raw = signJWT(t, map[string]any{"alg": "RS256", "kid": "k"}, claims, rsaKey(0))
	_, err = v.Verify(context.Background(), raw)
	refusal(t, err, UnknownIssuer, raw)
}

// refuseAll is a transport that reaches nothing.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("test: no network")
}

// Answers' headers are bounded on this package's transport and on an
// *http.Transport given with no bound or a larger one; a smaller bound or
// another RoundTripper is left as given.
func TestHeaderBound(t *testing.T) {
	t.Parallel()
	bound := func(rt http.RoundTripper) int64 {
		ht, ok := boundHeaders(rt).(*http.Transport)
		if !ok {
			return -1
		}
		return ht.MaxResponseHeaderBytes
	}
	if got := bound(nil); got != MaxAnswerHeaderBytes {
		t.Errorf("own transport: %d", got)
	}
	for _, given := range []int64{0, MaxAnswerHeaderBytes + 1, 1 << 20} {
		ht := &http.Transport{MaxResponseHeaderBytes: given}
		if got := bound(ht); got != MaxAnswerHeaderBytes {
			t.Errorf("given %d: %d", given, got)
		}
		if ht.MaxResponseHeaderBytes != given {
			t.Errorf("the given transport was changed")
		}
	}
	for _, given := range []int64{1, MaxAnswerHeaderBytes} {
		ht := &http.Transport{MaxResponseHeaderBytes: given}
		if boundHeaders(ht) != ht {
			t.Errorf("given %d: replaced", given)
		}
	}
	if bound(refuseAll{}) != -1 {
		t.Error("another RoundTripper was replaced")
	}
}
