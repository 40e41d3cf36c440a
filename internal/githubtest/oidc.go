package githubtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
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
// bearer and ?audience=, answered with {"value": JWT}. The tokens are
// shaped like GitHub's (RS256-looking JWTs with repository claims) but
// signed by nobody: STS here trusts exactly the tokens issued.
type IDTokens struct {
	// RequestToken is what ACTIONS_ID_TOKEN_REQUEST_TOKEN must hold.
	RequestToken string
	// Subject is the sub claim, e.g. repo:octo-org/app:ref:refs/heads/main.
	Subject string

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
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://token.actions.githubusercontent.com", "aud": req.Audience, "sub": o.Subject,
		"repository": "octo-org/app", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": randomText(16),
	})
	tok := b64(`{"alg":"RS256","typ":"JWT","kid":"emulated"}`) + "." + b64(string(claims)) + "." + randomText(342)
	o.mu.Lock()
	o.issued = append(o.issued, tok)
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"count": len(tok), "value": tok})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// randomText is n base64url characters of randomness.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
