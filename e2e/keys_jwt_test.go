package e2e_test

// The jwt input (the command line's --jwt-env): a JWT signed elsewhere mints,
// is masked as it is used, and is checked before any call.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/golang-jwt/jwt/v5"
)

// A JWT signed elsewhere mints, is masked before anything else is printed,
// and is what GitHub receives on every App call.
func TestKeylessJWTMints(t *testing.T) {
	t.Parallel()
	token := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute)
	w := apptest.JWTWorld(t, token)
	res := w.Main()
	apptest.Succeeded(t, res)
	if w.OnlyToken().Repositories[0] != "app" {
		t.Errorf("token scope %v", w.OnlyToken().Repositories)
	}
	if first, _, _ := strings.Cut(res.Stdout, "\n"); first != "::add-mask::"+token {
		t.Errorf("the jwt input is not masked before anything else is printed; first line %q", strings.ReplaceAll(first, token, "<JWT>"))
	}
	if got := w.Emu.JWTs(); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return s != token }) {
		t.Errorf("GitHub received %d App JWTs, not only the given one", len(got))
	}
}

// With no client-id or app-id, the JWT's iss names the App; with app-id,
// iss must be that App ID.
func TestKeylessJWTIssuer(t *testing.T) {
	t.Parallel()
	w := apptest.JWTWorld(t, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 5*time.Minute)).With("client-id", "")
	apptest.Succeeded(t, w.Main())

	w = apptest.JWTWorld(t, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultAppID, 5*time.Minute)).With("client-id", "", "app-id", "123456")
	apptest.Succeeded(t, w.Main())
}

// Every check the jwt input gets happens before any call, and its error
// names the input and what to fix without quoting the token.
func TestKeylessJWTRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	other, _, err := githubtest.NewAppKey()
	if err != nil {
		t.Fatal(err)
	}
	good := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 5*time.Minute)
	for _, tc := range []struct {
		name  string
		with  []string
		token string
		want  []string
	}{
		{"both private-key and jwt", []string{"private-key", apptest.AppPEM}, good, []string{"private-key and jwt", "keep one"}},
		{"both kms-key and jwt", []string{"kms-key", "awskms:///alias/app"}, good, []string{"jwt and kms-key", "keep one"}},
		{"two parts", nil, good[:strings.LastIndex(good, ".")], []string{"input jwt", "three base64url parts"}},
		{"not base64url", nil, good + "!", []string{"input jwt", "part 3 of 3"}},
		{"HS256", nil, signedHS256(t), []string{"input jwt", `alg must be "RS256"`}},
		{"expired", nil, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, -time.Minute), []string{"input jwt expired"}},
		{"lives too long", nil, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, time.Hour), []string{"input jwt expires", "ten minutes"}},
		{"issued in the future", nil, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute, func(c jwt.MapClaims, _ *jwt.Token) {
			c["iat"] = time.Now().Add(5 * time.Minute).Unix()
		}), []string{"input jwt is issued", "in the future"}},
		{"no iat", nil, apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute, func(c jwt.MapClaims, _ *jwt.Token) { delete(c, "iat") }), []string{"no numeric iat"}},
		{"another App's iss", nil, apptest.SignedJWT(t, apptest.AppKey, "Iv23liSomeoneElse", 5*time.Minute), []string{"input jwt is issued for \"Iv23liSomeoneElse\"", "client-id is \"" + githubtest.DefaultClientID + "\""}},
		{"role without kms-key", []string{"aws-role-to-assume", "arn:aws:iam::123456789012:role/app"}, good, []string{"aws-role-to-assume is set but kms-key is not"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.JWTWorld(t, tc.token).With(tc.with...)
			res := w.Main()
			apptest.FailedWith(t, res, tc.want...)
			if calls := w.Calls(); len(calls) > 0 {
				t.Errorf("calls were made: %q", calls)
			}
		})
	}
	t.Run("signed by another key", func(t *testing.T) {
		t.Parallel()
		w := apptest.JWTWorld(t, apptest.SignedJWT(t, other, githubtest.DefaultClientID, 5*time.Minute))
		apptest.FailedWith(t, w.Main(), "input jwt was not signed with the private key of App "+githubtest.DefaultClientID)
	})
}

func signedHS256(t *testing.T) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": githubtest.DefaultClientID}).SignedString([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The jwt input is masked as it will be used: a JWT an earlier step wrote
// with a line break after it is masked without it (the runner matches
// masks within a line, so "JWT\n" would hide nothing). A value too long
// to be a JWT is refused unread, and no line the step prints is as long as
// it (masking it whole would print one).
func TestKeylessJWTMaskedAsUsed(t *testing.T) {
	t.Parallel()
	t.Run("trailing line break", func(t *testing.T) {
		t.Parallel()
		token := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute)
		w := apptest.JWTWorld(t, token+"\n")
		w.Secrets = append(w.Secrets, token)
		res := w.Main()
		apptest.Succeeded(t, res)
		if len(res.Masks) == 0 || res.Masks[0] != token {
			t.Errorf("first mask is not the JWT as used: %d masks", len(res.Masks))
		}
	})
	t.Run("far too long", func(t *testing.T) {
		t.Parallel()
		huge := strings.Repeat("eyJ", 40<<10)
		res := apptest.JWTWorld(t, huge).Main()
		apptest.FailedWith(t, res, "input jwt is far longer than an App JWT")
		for _, line := range strings.Split(res.Stdout+res.Stderr, "\n") {
			if len(line) > 4<<10 {
				t.Fatalf("a line of %d bytes was printed: %.60q", len(line), line)
			}
		}
	})
}

// A line break inside the jwt input passed the check (Go's base64 decoder
// skips line breaks) and failed later as "could not reach GitHub".
func TestJWTWithALineBreakIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	token := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 5*time.Minute)
	for _, at := range []int{10, len(token) / 2, len(token) - 10} {
		for _, brk := range []string{"\n", "\r\n"} {
			w := apptest.JWTWorld(t, token[:at]+brk+token[at:])
			apptest.FailedWith(t, w.Main(), "input jwt", "base64url")
			if calls := w.Calls(); len(calls) != 0 {
				t.Errorf("break at %d: the emulator received %v, want nothing", at, calls)
			}
		}
	}
}

// verifyAppJWT checks that s is one App JWT for the emulated App, signed
// with its key, living ten minutes from iat.
func verifyAppJWT(t *testing.T, s string) {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(s, claims, func(*jwt.Token) (any, error) { return &apptest.AppKey.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"})); err != nil {
		t.Fatalf("not a valid App JWT: %v", err)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if claims["iss"] != githubtest.DefaultClientID || exp.Sub(iat.Time) != 10*time.Minute {
		t.Errorf("claims %v", claims)
	}
}
