package githubtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// IDTokenRequest is one request to the runner's OIDC token endpoint.
type IDTokenRequest struct {
	Audience   string
	Authorized bool // the runner's request token was sent as a bearer
}

// IDTokens emulates the runner's OIDC token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL): a GET with the job's request token as a
// bearer and ?audience=, answered with {"value": JWT}. Without an Issuer
// the tokens are shaped like GitHub's (RS256-looking JWTs with repository
// claims) but signed by nobody: STS here trusts exactly the tokens issued.
// With one, each is that issuer's GitHub Actions token (Issuer.GitHubActions
// for Repository, with Subject and the audience asked for), so it verifies
// at a broker that trusts the issuer; STS still admits exactly those issued.
type IDTokens struct {
	// RequestToken is what ACTIONS_ID_TOKEN_REQUEST_TOKEN must hold.
	RequestToken string
	// Subject is the sub claim, e.g. repo:octo-org/app:ref:refs/heads/main.
	Subject string
	// Issuer, when set, signs the tokens; Repository ("" = octo-org/app)
	// is the job's repository then, and Claims (if any) are set last.
	Issuer     *Issuer
	Repository string
	Claims     Claims

	mu       sync.Mutex
	requests []IDTokenRequest
	issued   []string
}

// NewIDTokens returns an endpoint with a fresh request token.
func NewIDTokens(subject string) *IDTokens {
	return &IDTokens{RequestToken: randomText(48), Subject: subject}
}

// Requests returns what the endpoint received.
func (o *IDTokens) Requests() []IDTokenRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]IDTokenRequest(nil), o.requests...)
}

// Issued returns every OIDC token handed out.
func (o *IDTokens) Issued() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.issued...)
}

func (o *IDTokens) issuedToken(tok string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Contains(o.issued, tok)
}

func (o *IDTokens) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := IDTokenRequest{Audience: r.URL.Query().Get("audience"), Authorized: r.Header.Get("Authorization") == "Bearer "+o.RequestToken}
	o.mu.Lock()
	o.requests = append(o.requests, req)
	o.mu.Unlock()
	if r.Method != http.MethodGet || !req.Authorized {
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	tok := o.token(req.Audience)
	o.mu.Lock()
	o.issued = append(o.issued, tok)
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"count": len(tok), "value": tok})
}

// token is the job's OIDC token for audience.
func (o *IDTokens) token(audience string) string {
	if o.Issuer != nil {
		repo := o.Repository
		if repo == "" {
			repo = "octo-org/app"
		}
		c := o.Issuer.GitHubActions(repo)
		if o.Subject != "" {
			c["sub"] = o.Subject
		}
		if audience != "" { // else GitHub's default, the owner's URL
			c["aud"] = audience
		}
		maps.Copy(c, o.Claims)
		return o.Issuer.Mint(c)
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://token.actions.githubusercontent.com", "aud": audience, "sub": o.Subject,
		"repository": "octo-org/app", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": randomText(16),
	})
	return b64(`{"alg":"RS256","typ":"JWT","kid":"emulated"}`) + "." + b64(string(claims)) + "." + randomText(342)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// randomText is n base64url characters of randomness.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
