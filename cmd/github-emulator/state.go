package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// statePath answers with what the emulator recorded. It is served beside
// the emulator, not by it, so asking does not count as a request to GitHub.
const statePath = "/_emulator/state"

type tokenState struct {
	SHA256         string            `json:"sha256"` // hex; scripts hash the token they hold to find it
	InstallationID int64             `json:"installation_id"`
	Repositories   []string          `json:"repositories"` // null = all the installation reaches
	Permissions    map[string]string `json:"permissions"`
	Revoked        bool              `json:"revoked"`
	RevokedAt      string            `json:"revoked_at,omitempty"`
	ExpiresAt      string            `json:"expires_at"`
}

// contentReadState is one read of the contents API with a live token.
type contentReadState struct {
	Owner          string            `json:"owner"`
	Repo           string            `json:"repo"`
	Path           string            `json:"path"`
	Ref            string            `json:"ref,omitempty"`
	TokenSHA256    string            `json:"token_sha256"`
	InstallationID int64             `json:"installation_id"`
	Repositories   []string          `json:"repositories"` // the token's; null = all the installation reaches
	Permissions    map[string]string `json:"permissions"`
	Status         int               `json:"status"`
	At             string            `json:"at"`
}

// oidcState is what the issuer was asked: discovery and JWKS fetches, and
// the SHA-256 of each token it signed.
type oidcState struct {
	Issuer           string   `json:"issuer"`
	DiscoveryFetches int      `json:"discovery_fetches"`
	JWKSFetches      int      `json:"jwks_fetches"`
	Minted           []string `json:"minted"`
}

type dispatchState struct {
	Kind           string          `json:"kind"`
	Owner          string          `json:"owner"`
	Repo           string          `json:"repo"`
	EventType      string          `json:"event_type,omitempty"`
	Workflow       string          `json:"workflow,omitempty"`
	Ref            string          `json:"ref,omitempty"`
	ClientPayload  json.RawMessage `json:"client_payload,omitempty"`
	Inputs         json.RawMessage `json:"inputs,omitempty"`
	InstallationID int64           `json:"installation_id"`
}

// idTokenRequestState is one request to the runner's OIDC token endpoint.
type idTokenRequestState struct {
	Audience   string `json:"audience"`
	Authorized bool   `json:"authorized"` // the request token was the bearer
}

// stsCallState is one call STS received; granted tells whether it handed
// out credentials.
type stsCallState struct {
	RoleARN                string `json:"role_arn"`
	SessionName            string `json:"session_name"`
	WebIdentityTokenSHA256 string `json:"web_identity_token_sha256"`
	Granted                bool   `json:"granted"`
	AccessKeyID            string `json:"access_key_id,omitempty"`
}

type state struct {
	Tokens     []tokenState    `json:"tokens"`
	Dispatches []dispatchState `json:"dispatches"`
	Requests   int             `json:"requests"` // to GitHub's API only
	// IDTokenRequests and IDTokens (SHA-256 of each OIDC token issued) are
	// the runner's OIDC endpoint's; STSCalls is AWS STS's.
	IDTokenRequests []idTokenRequestState `json:"id_token_requests"`
	IDTokens        []string              `json:"id_tokens"`
	STSCalls        []stsCallState        `json:"sts_calls"`
	ContentReads    []contentReadState    `json:"content_reads"`
	OIDC            oidcState             `json:"oidc"`
}

// stamp is how the state writes a time that scripts compare: fixed width,
// so the strings order as the times do.
const stamp = "2006-01-02T15:04:05.000000000Z07:00"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// stateOf snapshots w without any token or credential value.
func stateOf(w *world) state {
	emu := w.github
	st := state{Tokens: []tokenState{}, Dispatches: []dispatchState{}, Requests: len(emu.Requests()),
		IDTokenRequests: []idTokenRequestState{}, IDTokens: []string{}, STSCalls: []stsCallState{},
		ContentReads: []contentReadState{}, OIDC: oidcState{Issuer: w.issuer.URL(), DiscoveryFetches: w.issuer.DiscoveryFetches(),
			JWKSFetches: w.issuer.JWKSFetches(), Minted: []string{}}}
	for _, t := range emu.Tokens() {
		ts := tokenState{
			SHA256: sha256Hex(t.Token), InstallationID: t.InstallationID,
			Repositories: t.Repositories, Permissions: t.Permissions, Revoked: t.Revoked,
			ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339),
		}
		if t.Revoked {
			ts.RevokedAt = t.RevokedAt.UTC().Format(stamp)
		}
		st.Tokens = append(st.Tokens, ts)
	}
	for _, r := range emu.ContentReads() {
		st.ContentReads = append(st.ContentReads, contentReadState{Owner: r.Owner, Repo: r.Repo, Path: r.Path, Ref: r.Ref,
			TokenSHA256: sha256Hex(r.Token), InstallationID: r.InstallationID, Repositories: r.Repositories,
			Permissions: r.Permissions, Status: r.Status, At: r.At.UTC().Format(stamp)})
	}
	for _, t := range w.issuer.Minted() {
		st.OIDC.Minted = append(st.OIDC.Minted, sha256Hex(t))
	}
	for _, d := range emu.Dispatches() {
		st.Dispatches = append(st.Dispatches, dispatchState{
			Kind: d.Kind, Owner: d.Owner, Repo: d.Repo, EventType: d.EventType, Workflow: d.Workflow,
			Ref: d.Ref, ClientPayload: d.ClientPayload, Inputs: d.Inputs, InstallationID: d.InstallationID,
		})
	}
	for _, r := range w.ids.Requests() {
		st.IDTokenRequests = append(st.IDTokenRequests, idTokenRequestState{Audience: r.Audience, Authorized: r.Authorized})
	}
	for _, t := range w.ids.Issued() {
		st.IDTokens = append(st.IDTokens, sha256Hex(t))
	}
	for _, c := range w.sts.Calls() {
		st.STSCalls = append(st.STSCalls, stsCallState{RoleARN: c.RoleARN, SessionName: c.SessionName,
			WebIdentityTokenSHA256: sha256Hex(c.WebIdentityToken), Granted: c.SecretAccessKey != "", AccessKeyID: c.AccessKeyID})
	}
	return st
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
