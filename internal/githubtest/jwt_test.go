package githubtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAppJWTAcceptanceAndRejections(t *testing.T) {
	t.Parallel()
	appK, otherK := keys(t)
	iat, exp := t0.Add(-time.Minute).Unix(), t0.Add(9*time.Minute).Unix()
	rs := func(claims jwt.MapClaims) string { return sign(t, appK, jwt.SigningMethodRS256, claims) }

	tests := []struct {
		name    string
		auth    string
		offset  time.Duration // server clock ahead of local
		want    int
		wantMsg string
	}{
		{"client id issuer", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 0, 200, ""},
		{"numeric app id issuer", "Bearer " + rs(jwt.MapClaims{"iss": DefaultAppID, "iat": iat, "exp": exp}), 0, 200, ""},
		{"string app id issuer", "Bearer " + rs(jwt.MapClaims{"iss": "123456", "iat": iat, "exp": exp}), 0, 200, ""},
		{"exactly ten minutes", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": t0.Add(10 * time.Minute).Unix()}), 0, 200, ""},
		{"signed by another key", "Bearer " + sign(t, otherK, jwt.SigningMethodRS256, jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"HS256 with the public modulus", "Bearer " + sign(t, appK.PublicKey.N.Bytes(), jwt.SigningMethodHS256, jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"alg none", "Bearer " + sign(t, jwt.UnsafeAllowNoneSignatureType, jwt.SigningMethodNone, jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"wrong issuer", "Bearer " + rs(jwt.MapClaims{"iss": "654321", "iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"no issuer", "Bearer " + rs(jwt.MapClaims{"iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"malformed", "Bearer not.a.jwt", 0, 401, msgJWTUndecodable},
		{"no credential", "", 0, 401, msgJWTUndecodable},
		{"token scheme", "token " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 0, 401, msgJWTUndecodable},
		{"installation token instead", "Bearer ghs_0123456789abcdefghijABCDEFGHIJ012345", 0, 401, msgJWTUndecodable},
		{"iat in the future", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": t0.Add(time.Second).Unix(), "exp": exp}), 0, 401, msgIATInvalid},
		{"iat missing", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "exp": exp}), 0, 401, msgIATInvalid},
		{"exp too far", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": t0.Add(10*time.Minute + time.Second).Unix()}), 0, 401, msgEXPTooFar},
		{"expired", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": t0.Add(-11 * time.Minute).Unix(), "exp": t0.Add(-time.Minute).Unix()}), 0, 401, msgEXPInvalid},
		{"exp equals now", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": t0.Unix()}), 0, 401, msgEXPInvalid},
		{"exp missing", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat}), 0, 401, msgEXPInvalid},
		// The same well-made JWT against a skewed server clock.
		{"server 2m ahead", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 2 * time.Minute, 200, ""},
		{"server 11m ahead", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), 11 * time.Minute, 401, msgEXPInvalid},
		{"server 30s behind", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), -30 * time.Second, 200, ""},
		{"server 2m behind", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": iat, "exp": exp}), -2 * time.Minute, 401, msgIATInvalid},
		{"server 2m behind, iat adjusted", "Bearer " + rs(jwt.MapClaims{"iss": DefaultClientID, "iat": t0.Add(-3 * time.Minute).Unix(), "exp": exp}), -2 * time.Minute, 401, msgEXPTooFar},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			s.SetClockOffset(tc.offset)
			for _, path := range []string{"/app", "/api/v3/app"} {
				a := call(t, ts, "GET", path, tc.auth, "")
				if a.status != tc.want {
					t.Fatalf("GET %s: status %d, want %d (%s)", path, a.status, tc.want, a.body)
				}
				if tc.want != 200 && a.message(t) != tc.wantMsg {
					t.Errorf("GET %s: message %q, want %q", path, a.message(t), tc.wantMsg)
				}
				if tc.want == 200 && a.json(t)["slug"] != DefaultAppSlug {
					t.Errorf("GET %s: slug %v", path, a.json(t)["slug"])
				}
				if got, want := a.header.Get("Date"), t0.Add(tc.offset).Format(http.TimeFormat); got != want {
					t.Errorf("Date %q, want server clock %q", got, want)
				}
				mustNotContain(t, "answer", a.body, tc.auth[min(len(tc.auth), 7):])
			}
		})
	}
}

func TestJWTEndpointsAllRequireAJWT(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	for _, p := range []struct{ method, path string }{
		{"GET", "/app"}, {"GET", "/app/installations"}, {"GET", "/app/installations/1001"},
		{"POST", "/app/installations/1001/access_tokens"}, {"GET", "/repos/octo-org/app/installation"},
		{"GET", "/orgs/octo-org/installation"}, {"GET", "/users/octocat/installation"},
	} {
		if a := call(t, ts, p.method, p.path, "", ""); a.status != 401 || a.message(t) != msgJWTUndecodable {
			t.Errorf("%s %s without JWT: %d %s", p.method, p.path, a.status, a.body)
		}
	}
}
