package appkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// jwtInput names the setting every CheckJWT error is about.
const jwtInput = setting.Input(setting.JWT)

// MaxClockSkew is how far a JWT signed elsewhere may disagree with the
// runner's clock: the minute GitHub's own advice backdates iat by.
const MaxClockSkew = 60 * time.Second

// maxJWTAhead is the furthest in the future GitHub accepts an App JWT's exp.
const maxJWTAhead = 10 * time.Minute

// MaxJWTInput bounds the jwt input: an App JWT is well under 1 KiB.
const MaxJWTInput = 16 << 10

// JWTMask is what to mask of a jwt input before it is checked: the value as
// CheckJWT reads it, trimmed, or "" for a value too long to be a JWT, which
// is refused unread and whose mask would print a line as long.
func JWTMask(raw string) string {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxJWTInput {
		return ""
	}
	return raw
}

// GivenJWT is an App JWT signed elsewhere (the jwt setting), checked by CheckJWT: a
// ghtransport.JWTSource whose every request carries the same JWT, and whose clock cannot be
// corrected.
type GivenJWT struct {
	Raw    string
	Issuer string // the iss claim, as a string
}

// Sign returns the JWT.
func (g *GivenJWT) Sign(context.Context) (string, error) { return g.Raw, nil }

// SetClockOffset does nothing: the JWT is signed already.
func (*GivenJWT) SetClockOffset(time.Duration) {}

// CheckJWT checks an App JWT signed elsewhere before it is sent anywhere:
// three base64url parts, alg RS256, exp in the future and at most ten
// minutes (plus MaxClockSkew) ahead of now, iat not later than now plus
// MaxClockSkew, and, when issuer is not empty, iss equal to it. Its errors
// name the jwt setting first, say what to fix and never quote the token.
func CheckJWT(raw, issuer string, issuerSetting setting.ID, now time.Time) (*GivenJWT, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxJWTInput {
		return nil, setting.Errorf("%s is far longer than an App JWT: pass the JWT alone (header.claims.signature)", jwtInput)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[2] == "" {
		return nil, setting.Errorf("%s is not a signed JWT: it must be three base64url parts, header.claims.signature (see docs/keyless.md)", jwtInput)
	}
	var dec [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		// The decoder skips line breaks; the JWT is sent as a header as
		// given, where a line break is refused long after this check.
		if err != nil || strings.ContainsAny(p, "\r\n") {
			return nil, setting.Errorf("%s: part %d of 3 is not unpadded base64url: assemble the JWT as docs/keyless.md shows", jwtInput, i+1)
		}
		dec[i] = b
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(dec[0], &header) != nil {
		return nil, setting.Errorf("%s: its header is not a JSON object", jwtInput)
	}
	if header.Alg != "RS256" {
		return nil, setting.Errorf(`%s: its header's alg must be "RS256", the only algorithm GitHub accepts for App JWTs`, jwtInput)
	}
	claims := map[string]any{}
	d := json.NewDecoder(bytes.NewReader(dec[1]))
	d.UseNumber()
	if d.Decode(&claims) != nil {
		return nil, setting.Errorf("%s: its claims are not a JSON object", jwtInput)
	}
	exp, okExp := numericDate(claims["exp"])
	iat, okIat := numericDate(claims["iat"])
	switch {
	case !okExp:
		return nil, setting.Errorf("%s has no numeric exp claim: GitHub needs exp, at most ten minutes ahead", jwtInput)
	case !okIat:
		return nil, setting.Errorf("%s has no numeric iat claim: GitHub needs iat, the time it was signed", jwtInput)
	case !exp.After(now):
		return nil, setting.Errorf("%s expired at %s (%s ago): sign it right before %s", jwtInput, exp.UTC().Format(time.RFC3339), now.Sub(exp).Round(time.Second),
			setting.Words{Action: "this step, in the same job", CLI: "this command"})
	case exp.After(now.Add(maxJWTAhead + MaxClockSkew)):
		return nil, setting.Errorf("%s expires %s from now; GitHub refuses App JWTs that live longer than ten minutes: set exp at most 600 seconds after now", jwtInput, exp.Sub(now).Round(time.Second))
	case iat.After(now.Add(MaxClockSkew)):
		return nil, setting.Errorf("%s is issued %s in the future (iat): check the signing machine's clock, or backdate iat by 60 seconds", jwtInput, iat.Sub(now).Round(time.Second))
	}
	iss, ok := issuerClaim(claims["iss"])
	switch {
	case !ok:
		return nil, setting.Errorf("%s has no iss claim: set iss to the App's client ID (or App ID)", jwtInput)
	case !ghtext.IsClientID(iss):
		// The claim names the App in later messages: it is held to the
		// client-id input's alphabet (App IDs' digits included), as
		// GitHub accepts nothing else, before anything is sent.
		return nil, setting.Errorf("%s: its iss claim, %s, is not a client ID or App ID: set iss to the App's client ID (letters and digits, like Iv23liXXXXXXXXXXXXXX) or App ID", jwtInput, secret.Quote(iss))
	case issuer != "" && iss != issuer:
		// Both are names in the client ID alphabet (config checked issuer).
		return nil, setting.Errorf(`%s is issued for "%s", but %s is "%s": sign the JWT with iss set to the same App's %s`, jwtInput, iss, setting.Input(issuerSetting), issuer, issuerSetting)
	}
	return &GivenJWT{Raw: raw, Issuer: iss}, nil
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(math.Floor(f)), 0), true
}

func issuerClaim(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case json.Number:
		return x.String(), true
	}
	return "", false
}
