package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
)

// writeFiles lays out files (OWNER/REPO/PATH → content) under a folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mintOIDC asks the mint endpoint for a token.
func mintOIDC(t *testing.T, url, body string) (int, string) {
	t.Helper()
	code, b := do(t, "POST", url, "", body)
	var answer struct{ Token, Message string }
	_ = json.Unmarshal(b, &answer)
	if code != http.StatusOK {
		return code, answer.Message
	}
	return code, answer.Token
}

// What a broker under test meets, from the command as a container runs it:
// an issuer (discovery and JWKS) that go-oidc trusts, ID tokens minted on
// request in every shape (the runner's job tokens among them), and
// repository files from -files read through the contents API with a
// token, the read recorded by hash in the state, the values only in the
// secrets, nothing in the log.
func TestRunServesIssuerMintAndFiles(t *testing.T) {
	t.Parallel()
	const policy = "issuer: x\nsubject: y\npermissions:\n  contents: read\n"
	files := writeFiles(t, map[string]string{
		"octo-org/.github/.github/chainguard/deploy.sts.yaml": policy,
		"octo-org/app/.github/chainguard/ci.sts.yaml":         "issuer: z\n",
	})
	dir := t.TempDir()
	s := start(t, "-files", files, "-key-out", filepath.Join(dir, "k"), "-info-out", filepath.Join(dir, "i"))
	info := readInfo(t, filepath.Join(dir, "i"))
	base := info["EMULATOR_URL"]
	if info["EMULATOR_OIDC_ISSUER"] != base+"/_services/token" || info["EMULATOR_OIDC_MINT_URL"] != base+"/_emulator/oidc/token" {
		t.Fatalf("info %v", info)
	}

	// The issuer, as go-oidc discovers it.
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, info["EMULATOR_OIDC_ISSUER"])
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	const aud = "https://broker.example"
	v := provider.Verifier(&oidc.Config{ClientID: aud})
	mint := func(body string) string {
		t.Helper()
		code, tok := mintOIDC(t, info["EMULATOR_OIDC_MINT_URL"], body)
		if code != http.StatusOK {
			t.Fatalf("mint %s: %d %s", body, code, tok)
		}
		return tok
	}
	good := mint(`{"audience":"` + aud + `","args":["octo-org/infra"],"claims":{"environment":"prod"}}`)
	idt, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatalf("a minted token does not verify: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	if claims["repository"] != "octo-org/infra" || claims["sub"] != "repo:octo-org/infra:ref:refs/heads/main" || claims["environment"] != "prod" {
		t.Errorf("claims %v", claims)
	}
	minted := []string{good}
	for _, body := range []string{`{"audience":"` + aud + `","alg":"ES256"}`, `{"audience":"` + aud + `","preset":"gitlab","args":["group/project"]}`,
		`{"audience":"` + aud + `","preset":"buildkite"}`, `{"audience":"` + aud + `","preset":"circleci"}`} {
		tok := mint(body)
		minted = append(minted, tok)
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	for body, want := range map[string]string{
		`{"audience":"` + aud + `","form":"none"}`:                                                  "malformed jwt",
		`{"audience":"` + aud + `","form":"hs256-confusion"}`:                                       "malformed jwt",
		`{"audience":"` + aud + `","form":"unknown-key"}`:                                           "failed to verify signature",
		`{"audience":"` + aud + `","kid":"nobody"}`:                                                 "failed to verify signature",
		`{"audience":"` + aud + `","expired_seconds":60}`:                                           "token is expired",
		`{"audience":"` + aud + `","not_before_seconds":600}`:                                       "before the nbf",
		`{"audience":"` + aud + `","remove":["exp"]}`:                                               "token is expired",
		`{"audience":"sts.amazonaws.com"}`:                                                          "expected audience",
		`{"audience":"` + aud + `","claims":{"iss":"https://token.actions.githubusercontent.com"}}`: "different provider",
	} {
		tok := mint(body)
		minted = append(minted, tok)
		if _, err := v.Verify(ctx, tok); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: go-oidc %v, want %q", body, err, want)
		}
	}
	if big := mint(`{"size":20000}`); len(big) < 20000 {
		t.Errorf("size 20000 gave %d bytes", len(big))
	} else {
		minted = append(minted, big)
	}
	for body, want := range map[string]string{`{"preset":"jenkins"}`: "preset", `{"alg":"HS256"}`: "alg", `{"form":"x"}`: "form", `[1]`: "JSON object"} {
		if code, msg := mintOIDC(t, info["EMULATOR_OIDC_MINT_URL"], body); code != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("%s: %d %q", body, code, msg)
		}
	}

	// The runner's job token is the issuer's too.
	code, b := do(t, "GET", info["EMULATOR_URL"]+"/_emulator/secrets", "", "")
	var sec secrets
	_ = json.Unmarshal(b, &sec)
	code, b = do(t, "GET", info["EMULATOR_ID_TOKEN_URL"]+"&audience="+url.QueryEscape(aud), "Bearer "+sec.IDTokenRequestToken, "")
	var job struct{ Value string }
	_ = json.Unmarshal(b, &job)
	if idt, err := v.Verify(ctx, job.Value); code != 200 || err != nil || idt.Subject != oidcSubject {
		t.Errorf("the runner's job token: %d %v", code, err)
	}
	minted = append(minted, job.Value)

	// The files, read through the contents API with a token scoped to the
	// owner's .github repository, which the installation now selects.
	pemBytes, _ := os.ReadFile(filepath.Join(dir, "k"))
	key, _ := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	now := time.Now()
	appJWT, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": info["EMULATOR_CLIENT_ID"], "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}).SignedString(key)
	code, b = do(t, "POST", base+"/app/installations/1001/access_tokens", "Bearer "+appJWT, `{"repositories":[".github"],"permissions":{"contents":"read"}}`)
	var inst struct{ Token string }
	_ = json.Unmarshal(b, &inst)
	if code != 201 {
		t.Fatalf("mint for .github: %d %s", code, b)
	}
	code, b = do(t, "GET", base+"/repos/octo-org/.github/contents/.github/chainguard/deploy.sts.yaml", "token "+inst.Token, "")
	var file struct{ Content, Encoding string }
	_ = json.Unmarshal(b, &file)
	raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(file.Content, "\n", ""))
	if code != 200 || file.Encoding != "base64" || string(raw) != policy {
		t.Errorf("policy: %d %s", code, b)
	}
	if code, _ := do(t, "GET", base+"/repos/octo-org/app/contents/.github/chainguard/ci.sts.yaml", "token "+inst.Token, ""); code != 404 {
		t.Errorf("a repository outside the token's scope: %d", code)
	}
	if code, _ := do(t, "DELETE", base+"/installation/token", "token "+inst.Token, ""); code != 204 {
		t.Errorf("revoke: %d", code)
	}

	code, stateBody := do(t, "GET", base+statePath, "", "")
	var st state
	if err := json.Unmarshal(stateBody, &st); code != 200 || err != nil {
		t.Fatalf("state: %d %v", code, err)
	}
	sum := sha256.Sum256([]byte(inst.Token))
	if len(st.ContentReads) != 2 || st.ContentReads[0].TokenSHA256 != hex.EncodeToString(sum[:]) || st.ContentReads[0].Status != 200 ||
		st.ContentReads[0].Repo != ".github" || st.ContentReads[0].Permissions["contents"] != "read" ||
		len(st.ContentReads[0].Repositories) != 1 || st.ContentReads[1].Status != 404 {
		t.Errorf("content_reads %+v", st.ContentReads)
	}
	if len(st.Tokens) != 1 || !st.Tokens[0].Revoked || st.Tokens[0].RevokedAt < st.ContentReads[1].At {
		t.Errorf("the reading token: %+v", st.Tokens)
	}
	if st.OIDC.Issuer != info["EMULATOR_OIDC_ISSUER"] || st.OIDC.DiscoveryFetches != 1 || st.OIDC.JWKSFetches < 1 ||
		len(st.OIDC.Minted) != len(minted) || st.OIDC.Minted[0] != sha256Hex(good) {
		t.Errorf("oidc state %+v (want %d minted)", st.OIDC, len(minted))
	}
	if st.Requests != 4 {
		t.Errorf("%d requests counted as GitHub's, want 4 (the issuer's and the mint's are not)", st.Requests)
	}
	_, b = do(t, "GET", base+secretsPath, "", "")
	_ = json.Unmarshal(b, &sec)
	if len(sec.OIDCTokens) != len(minted) || sec.OIDCTokens[0] != good || len(sec.InstallationTokens) != 1 || sec.InstallationTokens[0] != inst.Token {
		t.Errorf("secrets: %d OIDC tokens (want %d), %d installation tokens", len(sec.OIDCTokens), len(minted), len(sec.InstallationTokens))
	}

	if err := s.stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	logText := s.stderr.String()
	for _, want := range []string{`GET "/_services/token/.well-known/openid-configuration" 200`, `GET "/_services/token/.well-known/jwks" 200`,
		`POST "/_emulator/oidc/token" 200`, `POST "/_emulator/oidc/token" 400`, `GET "/repos/octo-org/.github/contents/.github/chainguard/deploy.sts.yaml" 200 auth=token`} {
		if !strings.Contains(logText, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, secret := range append(minted, inst.Token, appJWT) {
		if strings.Contains(logText, secret) || strings.Contains(string(stateBody), secret) {
			t.Errorf("a token (%d bytes) appears in the log or the state", len(secret))
		}
	}
}

// Anyone who reaches the mint endpoint can mint what a broker trusts:
// only loopback clients may, and only with POST.
func TestMintIsForLoopbackOnly(t *testing.T) {
	t.Parallel()
	iss, err := githubtest.NewIssuer(githubtest.IssuerConfig{Path: issuerPath})
	if err != nil {
		t.Fatal(err)
	}
	iss.SetBaseURL("http://127.0.0.1:1")
	w := &world{issuer: iss}
	for _, tc := range []struct {
		remote, method string
		status         int
	}{
		{"203.0.113.7:40000", "POST", http.StatusForbidden},
		{"10.0.0.2:40000", "POST", http.StatusForbidden},
		{"[2001:db8::1]:40000", "POST", http.StatusForbidden},
		{"not an address", "POST", http.StatusForbidden},
		{"127.0.0.1:40000", "GET", http.StatusMethodNotAllowed},
		{"127.0.0.1:40000", "POST", http.StatusOK},
		{"[::1]:40000", "POST", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tc.method, mintPath, strings.NewReader(`{}`))
		req.RemoteAddr = tc.remote
		w.serveMint(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.remote, rec.Code, rec.Body, tc.status)
		}
		if tc.status != http.StatusOK && strings.Contains(rec.Body.String(), "token\"") {
			t.Errorf("%s %s: a token was handed out", tc.method, tc.remote)
		}
	}
	if n := len(iss.Minted()); n != 2 {
		t.Errorf("%d tokens minted, want 2 (the loopback POSTs)", n)
	}
}

// -files takes OWNER/REPO/PATH files only.
func TestRunRefusesBadFiles(t *testing.T) {
	t.Parallel()
	top := writeFiles(t, map[string]string{"README.md": "x"})
	shallow := writeFiles(t, map[string]string{"octo-org/README.md": "x"})
	linked := writeFiles(t, map[string]string{"octo-org/app/a": "x"})
	if err := os.Symlink("/etc/hostname", filepath.Join(linked, "octo-org", "app", "link")); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ dir, want string }{
		"a file at the top":  {top, "README.md is not under OWNER/REPO/"},
		"a file of no repo":  {shallow, "octo-org/README.md is not under OWNER/REPO/"},
		"a link":             {linked, "octo-org/app/link is not a regular file"},
		"a folder not there": {filepath.Join(top, "nope"), "-files"},
	} {
		// Were the files taken, it would serve until the deadline and
		// return nil: a refusal missed fails, and never hangs.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var out, errOut syncBuffer
		err := run(ctx, []string{"-files", tc.dir, "-addr", "127.0.0.1:0"}, &out, &errOut)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
