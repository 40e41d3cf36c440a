package main

import (
	"net/http"
	"strings"

	"github.com/app-token/app-token/internal/githubtest"
)

// What aws-role-to-assume reaches besides GitHub: the runner's OIDC token
// endpoint and AWS STS. They share the emulator's listener under paths of
// their own, so a script starts one server and a container on the host
// network reaches all of them.
const (
	// idTokenPath is the runner's OIDC token endpoint
	// (ACTIONS_ID_TOKEN_REQUEST_URL), shaped like the runner's own.
	idTokenPath = "/_apis/distributedtask/idtoken"
	// stsPath is where AWS_ENDPOINT_URL_STS points; the AWS SDK keeps an
	// endpoint's path and posts the query protocol's form to it.
	stsPath = "/_aws/sts"
	// secretsPath answers with the credentials handed out, for the
	// scripts' leak checks and for ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	secretsPath = "/_emulator/secrets"
)

// defaultRole is the role the emulated STS admits unless -role says
// otherwise: one in local-kms's account.
const defaultRole = "arn:aws:iam::" + githubtest.KMSAccount + ":role/app-token-signer"

// oidcSubject is the sub claim of the job's OIDC tokens: the job the
// scripts play, a run of octo-org/app on main.
const oidcSubject = "repo:octo-org/app:ref:refs/heads/main"

// world is everything the emulator serves.
type world struct {
	github *githubtest.Server
	ids    *githubtest.IDTokens
	sts    *githubtest.STS
	issuer *githubtest.Issuer
}

// newWorld serves github, and the runner's OIDC endpoint whose tokens
// issuer signs (STS admits them for role).
func newWorld(github *githubtest.Server, role string, issuer *githubtest.Issuer) *world {
	ids := githubtest.NewIDTokens(oidcSubject)
	ids.Issuer = issuer
	return &world{github: github, ids: ids, sts: &githubtest.STS{Role: role, Tokens: ids}, issuer: issuer}
}

// secrets is what GET /_emulator/secrets answers: values, unlike the state.
type secrets struct {
	IDTokenRequestToken string   `json:"id_token_request_token"`
	IDTokens            []string `json:"id_tokens"`
	// STSSecrets holds each access key ID, secret access key and session
	// token STS gave, in that order.
	STSSecrets []string `json:"sts_secrets"`
	// OIDCTokens holds every token the issuer signed: the runner's job
	// tokens (also in IDTokens) and those the mint endpoint gave.
	OIDCTokens []string `json:"oidc_tokens"`
	// InstallationTokens holds every installation token minted, in the
	// order of the state's tokens (a broker's policy-reading tokens too).
	InstallationTokens []string `json:"installation_tokens"`
}

func (w *world) secrets() secrets {
	var minted []string
	for _, t := range w.github.Tokens() {
		minted = append(minted, t.Token)
	}
	return secrets{IDTokenRequestToken: w.ids.RequestToken, IDTokens: nonNil(w.ids.Issued()), STSSecrets: nonNil(w.sts.Secrets()),
		OIDCTokens: nonNil(w.issuer.Minted()), InstallationTokens: nonNil(minted)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ServeHTTP routes to the state, the runner's OIDC endpoint, STS, and
// GitHub for everything else: only GitHub's requests are counted as such.
func (w *world) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && p == statePath:
		writeJSON(rw, stateOf(w))
	case r.Method == http.MethodGet && p == secretsPath:
		writeJSON(rw, w.secrets())
	case p == idTokenPath:
		w.ids.ServeHTTP(rw, r)
	case strings.HasPrefix(p, issuerPath+"/"):
		w.issuer.ServeHTTP(rw, r)
	case p == mintPath:
		w.serveMint(rw, r)
	case p == stsPath || strings.HasPrefix(p, stsPath+"/"):
		w.sts.ServeHTTP(rw, r)
	default:
		w.github.ServeHTTP(rw, r)
	}
}
