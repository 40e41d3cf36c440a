package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// The OIDC issuer a broker under test trusts: discovery and JWKS under
// issuerPath (GitHub Enterprise Server's issuer path), the runner's job
// tokens signed by it, and an admin endpoint where a harness mints ID
// tokens of any shape, valid or hostile.
const (
	issuerPath = "/_services/token"
	mintPath   = "/_emulator/oidc/token"
)

// maxMintBody bounds what the mint endpoint reads.
const maxMintBody = 1 << 20

// mintRequest is the body of POST /_emulator/oidc/token; every field may be
// left out.
type mintRequest struct {
	// Preset is the CI whose token it is: github-actions (the default),
	// gitlab, circleci or buildkite; Args are its preset's arguments
	// (github-actions: OWNER/REPO; gitlab: GROUP/PROJECT; circleci:
	// ORG_ID, PROJECT_ID, USER_ID; buildkite: ORG, PIPELINE).
	Preset string   `json:"preset"`
	Args   []string `json:"args"`
	// Audience is the aud claim; "" keeps the preset's default.
	Audience string `json:"audience"`
	// Claims are set last (a null sets null); Remove leaves claims out,
	// even iss, iat, nbf, exp and jti.
	Claims map[string]any `json:"claims"`
	Remove []string       `json:"remove"`
	Alg    string         `json:"alg"` // RS256 (default) or ES256
	// KID puts this kid in the header instead of the signing key's.
	KID *string `json:"kid"`
	// Form makes a hostile token: "none" (unsigned), "hs256-confusion"
	// (HS256 keyed with the RSA public key's PEM), "unknown-key" (signed
	// by a key no JWKS holds).
	Form string `json:"form"`
	// ExpiredSeconds makes it expired that long ago; NotBeforeSeconds
	// valid only from that long after now; Size at least that many bytes.
	ExpiredSeconds   int `json:"expired_seconds"`
	NotBeforeSeconds int `json:"not_before_seconds"`
	Size             int `json:"size"`
}

// claims is the preset's claims with the request's changes.
func (m mintRequest) claims(iss *githubtest.Issuer) (githubtest.Claims, error) {
	arg := func(i int, def string) string {
		if i < len(m.Args) {
			return m.Args[i]
		}
		return def
	}
	var c githubtest.Claims
	switch m.Preset {
	case "", "github-actions":
		c = iss.GitHubActions(arg(0, "octo-org/app"))
	case "gitlab":
		c = iss.GitLab(arg(0, "octo-org/app"))
	case "circleci":
		c = iss.CircleCI(arg(0, "c0ffee00-1111-4222-8333-444455556666"), arg(1, "77778888-9999-4aaa-8bbb-ccccddddeeee"),
			arg(2, "12345678-90ab-4cde-8f01-234567890abc"))
	case "buildkite":
		c = iss.Buildkite(arg(0, "octo-org"), arg(1, "app"))
	default:
		return nil, fmt.Errorf("preset %q: want github-actions, gitlab, circleci or buildkite", m.Preset)
	}
	if m.Audience != "" {
		c["aud"] = m.Audience
	}
	for k, v := range m.Claims {
		c[k] = v
	}
	return c.Without(m.Remove...), nil
}

// options are the request's token options.
func (m mintRequest) options() ([]githubtest.TokenOption, error) {
	var opts []githubtest.TokenOption
	switch m.Alg {
	case "", githubtest.RS256, githubtest.ES256:
		if m.Alg != "" {
			opts = append(opts, githubtest.WithAlg(m.Alg))
		}
	default:
		return nil, fmt.Errorf("alg %q: want RS256 or ES256", m.Alg)
	}
	switch m.Form {
	case "":
	case "none":
		opts = append(opts, githubtest.Unsigned())
	case "hs256-confusion":
		opts = append(opts, githubtest.AlgConfusion())
	case "unknown-key":
		alg := m.Alg
		if alg == "" {
			alg = githubtest.RS256
		}
		k, err := githubtest.NewIssuerKey(alg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, githubtest.WithKey(k))
	default:
		return nil, fmt.Errorf("form %q: want none, hs256-confusion or unknown-key", m.Form)
	}
	if m.KID != nil {
		opts = append(opts, githubtest.WithKID(*m.KID))
	}
	if m.ExpiredSeconds > 0 {
		opts = append(opts, githubtest.Expired(time.Duration(m.ExpiredSeconds)*time.Second))
	}
	if m.NotBeforeSeconds > 0 {
		opts = append(opts, githubtest.NotYetValid(time.Duration(m.NotBeforeSeconds)*time.Second))
	}
	if m.Size > 0 {
		opts = append(opts, githubtest.Padded(m.Size))
	}
	return opts, nil
}

// serveMint answers POST /_emulator/oidc/token with {"token": ...}, to
// loopback clients only: anyone who reaches it can mint the tokens a
// broker under test trusts.
func (w *world) serveMint(rw http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		mintError(rw, http.StatusForbidden, "the mint endpoint answers loopback clients only")
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		mintError(rw, http.StatusMethodNotAllowed, "POST a JSON body")
		return
	}
	var req mintRequest
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxMintBody))
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		mintError(rw, http.StatusBadRequest, "the body is not a JSON object of the mint request's fields")
		return
	}
	claims, err := req.claims(w.issuer)
	if err != nil {
		mintError(rw, http.StatusBadRequest, err.Error())
		return
	}
	opts, err := req.options()
	if err != nil {
		mintError(rw, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(rw, map[string]string{"token": w.issuer.Mint(claims, opts...)})
}

func mintError(rw http.ResponseWriter, status int, msg string) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(map[string]string{"message": msg})
}
