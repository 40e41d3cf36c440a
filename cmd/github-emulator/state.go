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
	ExpiresAt      string            `json:"expires_at"`
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
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// stateOf snapshots w without any token or credential value.
func stateOf(w *world) state {
	emu := w.github
	st := state{Tokens: []tokenState{}, Dispatches: []dispatchState{}, Requests: len(emu.Requests()),
		IDTokenRequests: []idTokenRequestState{}, IDTokens: []string{}, STSCalls: []stsCallState{}}
	for _, t := range emu.Tokens() {
		st.Tokens = append(st.Tokens, tokenState{
			SHA256: sha256Hex(t.Token), InstallationID: t.InstallationID,
			Repositories: t.Repositories, Permissions: t.Permissions, Revoked: t.Revoked,
			ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339),
		})
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
