package config

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/setting"
)

// randomPEM is PEM-shaped text with 20 lines of random base64: the check
// reads the key's text, not the key.
func randomPEM(t *testing.T) (pem string, lines []string) {
	t.Helper()
	der := make([]byte, 20*48)
	if _, err := rand.Read(der); err != nil {
		t.Fatal(err)
	}
	body := base64.StdEncoding.EncodeToString(der)
	for len(body) > 0 {
		lines = append(lines, body[:64])
		body = body[64:]
	}
	return "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END RSA PRIVATE KEY-----\n", lines
}

// The key counts in every form it is read in, and a JWT as written; honest
// values, short or long, never match.
func TestSecretPieceIn(t *testing.T) {
	t.Parallel()
	pem, lines := randomPEM(t)
	b64 := base64.StdEncoding.EncodeToString([]byte(pem))
	escaped := strings.ReplaceAll(pem, "\n", `\n`)
	const clientID = "Iv23liABCDEFGHIJKLMN"
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+clientID+`","iat":1,"exp":2}`)) + "." + strings.ReplaceAll(lines[3], "+", "-")
	for _, tt := range []struct {
		name     string
		key, jwt string
		v        string
		want     setting.ID
	}{
		{"a body line", pem, "", lines[2], setting.PrivateKey},
		{"20 characters of a line", pem, "", lines[5][30:50], setting.PrivateKey},
		{"19 characters of a line", pem, "", lines[5][30:49], 0},
		{"a piece across two lines", pem, "", lines[6][50:] + lines[7][:10], setting.PrivateKey},
		{"a line, key \\n-escaped", escaped, "", lines[1], setting.PrivateKey},
		{"a piece of the key's base64", pem, "", b64[200:224], setting.PrivateKey},
		{"a piece of its base64 across the armour's line break", pem, "", b64[30:60], setting.PrivateKey},
		{"a piece of the base64 the key is given as", b64, "", b64[300:330], setting.PrivateKey},
		{"a line of the PEM the key is given base64-encoded as", b64, "", lines[9], setting.PrivateKey},
		{"the JWT's signature", "", jwt, lines[3][10:40], setting.JWT},
		{"the client ID the JWT names", pem, jwt, clientID, 0},
		{"an owner", pem, jwt, "a", 0},
		{"an App ID", pem, jwt, "123", 0},
		{"a list of repositories", pem, jwt, "octo-org/app,octo-org/infra,octo-org/website,octo-org/docs", 0},
		{"no secrets", "", "", lines[2], 0},
	} {
		s := FromInputs(fakeReader{in: map[string]string{InPrivateKey: tt.key, "jwt": tt.jwt}})
		if got := SecretPieceIn(s, tt.v); got != tt.want {
			t.Errorf("%s: SecretPieceIn = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Every setting but the secrets themselves is checked, a new one
// included, and refused without being shown or quoted by a later problem.
func TestPieceOfTheKeyInAnySettingIsRefused(t *testing.T) {
	t.Parallel()
	pem, lines := randomPEM(t)
	piece := lines[4][8:40]
	for _, id := range setting.All() {
		if id == setting.PrivateKey || id == setting.JWT {
			continue
		}
		_, err := read(t, map[string]string{InPrivateKey: pem, id.Input(): piece})
		if err == nil {
			t.Errorf("%s: a piece of the key was taken", id)
			continue
		}
		for _, d := range []setting.Door{setting.Action, setting.CLI} {
			msg := setting.Render(err, d)
			if strings.Contains(msg, piece[:20]) || !strings.Contains(msg, "holds a piece of") {
				t.Errorf("%s: %s", id, msg)
			}
		}
	}
	_, err := read(t, map[string]string{"jwt": "eyJhbGciOiJSUzI1NiJ9.e30." + lines[0], InPrivateKey: "<unset>", InClientID: lines[0][5:40]})
	if msg := setting.Render(err, setting.CLI); !strings.Contains(msg, "--client-id holds a piece of the JWT from --jwt-env (not shown): remove it") || strings.Contains(msg, "rotate") {
		t.Errorf("a piece of the JWT: %s", msg)
	}
}
