package appkey

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/setting"
)

// signedAt assembles a JWT from a header and claims (JSON), with a dummy
// signature: CheckJWT checks shape and claims, GitHub the signature.
func signedAt(header, claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString([]byte("signature"))
}

const rs256 = `{"alg":"RS256","typ":"JWT"}`

// CheckJWT takes an App JWT made elsewhere only when GitHub would: RS256,
// exp ahead of now by at most ten minutes (plus the clock skew allowed),
// iat not in the future beyond it, iss the App's; every refusal names the
// jwt setting, says what is wrong, and never quotes the token.
func TestCheckJWT(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	claims := func(iat, exp int64, iss string) string {
		return `{"iat":` + strconv.FormatInt(iat, 10) + `,"exp":` + strconv.FormatInt(exp, 10) + `,"iss":` + iss + `}`
	}
	n := now.Unix()
	good := signedAt(rs256, claims(n-60, n+540, `"Iv23liClient"`))
	tests := []struct {
		name, raw, issuer string
		want              string // "" accepts
		iss               string
	}{
		{"good", good, "Iv23liClient", "", "Iv23liClient"},
		{"good, no issuer to compare", " " + good + "\n", "", "", "Iv23liClient"},
		{"numeric iss", signedAt(rs256, claims(n-60, n+540, `12345`)), "12345", "", "12345"},
		{"exp exactly ten minutes and the skew ahead", signedAt(rs256, claims(n, n+660, `"a"`)), "", "", "a"},
		{"iat exactly the skew ahead", signedAt(rs256, claims(n+60, n+600, `"a"`)), "", "", "a"},
		{"fractional dates", signedAt(rs256, `{"iat":1799999999.9,"exp":1800000500.5,"iss":"a"}`), "", "", "a"},
		{"too long", strings.Repeat("a", MaxJWTInput+1), "", "far longer than an App JWT", ""},
		{"two parts", "a.b", "", "not a signed JWT", ""},
		{"no signature", "a.b.", "", "not a signed JWT", ""},
		{"padded base64", good + "=", "", "part 3 of 3 is not unpadded base64url", ""},
		{"bad first part", "a!." + good[strings.Index(good, ".")+1:], "", "part 1 of 3", ""},
		{"header not JSON", signedAt("nope", claims(n, n+60, `"a"`)), "", "header is not a JSON object", ""},
		{"HS256", signedAt(`{"alg":"HS256"}`, claims(n, n+60, `"a"`)), "", `alg must be "RS256"`, ""},
		{"claims not JSON", signedAt(rs256, "[1]"), "", "claims are not a JSON object", ""},
		{"no exp", signedAt(rs256, `{"iat":1,"iss":"a"}`), "", "no numeric exp claim", ""},
		{"exp a string", signedAt(rs256, `{"iat":1,"exp":"1800000100","iss":"a"}`), "", "no numeric exp claim", ""},
		{"exp absurd", signedAt(rs256, `{"iat":1,"exp":1e12,"iss":"a"}`), "", "no numeric exp claim", ""},
		{"no iat", signedAt(rs256, `{"exp":1800000100,"iss":"a"}`), "", "no numeric iat claim", ""},
		{"expired now", signedAt(rs256, claims(n-600, n, `"a"`)), "", "expired at 2027-01-15T08:00:00Z (0s ago)", ""},
		{"expired", signedAt(rs256, claims(n-600, n-5, `"a"`)), "", "(5s ago)", ""},
		{"lives too long", signedAt(rs256, claims(n, n+661, `"a"`)), "", "expires 11m1s from now", ""},
		{"issued in the future", signedAt(rs256, claims(n+61, n+600, `"a"`)), "", "issued 1m1s in the future", ""},
		{"no iss", signedAt(rs256, `{"iat":1800000000,"exp":1800000100}`), "", "no iss claim", ""},
		{"empty iss", signedAt(rs256, claims(n, n+100, `""`)), "", "no iss claim", ""},
		{"iss an object", signedAt(rs256, claims(n, n+100, `{}`)), "", "no iss claim", ""},
		{"another App", signedAt(rs256, claims(n, n+100, `"Iv23liOther"`)), "Iv23liClient", `issued for "Iv23liOther", but input client-id is "Iv23liClient"`, ""},
		{"hostile iss", signedAt(rs256, claims(n, n+100, `"::error::x"`)), "Iv23liClient", `its iss claim, "::error::x", is not a client ID or App ID`, ""},
		{"hostile iss, no issuer to compare", signedAt(rs256, claims(n, n+100, `"\u001b]52;c;aGk=\u0007\u009b1m\u202e"`)), "", `its iss claim, "\x1b]52;c;aGk=\a\u009b1m\u202e", is not a client ID`, ""},
		{"long iss", signedAt(rs256, claims(n, n+100, `"`+strings.Repeat("i", 101)+`"`)), "", "its iss claim, a value of 101 characters (not shown), is not a client ID", ""},
		{"another App, 100-character iss", signedAt(rs256, claims(n, n+100, `"`+strings.Repeat("i", 100)+`"`)), "x", `"` + strings.Repeat("i", 100) + `"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckJWT(tt.raw, tt.issuer, setting.ClientID, now)
			if tt.want == "" {
				if err != nil || got.Issuer != tt.iss || got.Raw != strings.TrimSpace(tt.raw) {
					t.Fatalf("CheckJWT = %+v, %v; want it taken with issuer %q", got, err, tt.iss)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckJWT took it, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "jwt") {
				t.Errorf("error %q lacks %q or the setting's name", msg, tt.want)
			}
			if len(tt.raw) > 20 && strings.Contains(msg, tt.raw[len(tt.raw)-20:]) {
				t.Errorf("error quotes the token: %q", msg)
			}
		})
	}
}

// A JWT made elsewhere is sent as it is, and cannot follow a clock.
func TestGivenJWT(t *testing.T) {
	t.Parallel()
	s := &GivenJWT{Raw: "eyJ.x.y"}
	s.SetClockOffset(time.Hour)
	if got, err := s.Sign(context.Background()); got != "eyJ.x.y" || err != nil {
		t.Errorf("Sign = %q, %v", got, err)
	}
}

func TestJWTMask(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"a.b.c", "a.b.c"},
		{" a.b.c\n", "a.b.c"},
		{strings.Repeat("a", MaxJWTInput), strings.Repeat("a", MaxJWTInput)},
		{strings.Repeat("a", MaxJWTInput+1), ""},
	} {
		if got := JWTMask(tc.raw); got != tc.want {
			t.Errorf("JWTMask(%d bytes) = %d bytes, want %d", len(tc.raw), len(got), len(tc.want))
		}
	}
}
