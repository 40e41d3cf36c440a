package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
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

type state struct {
	Tokens     []tokenState    `json:"tokens"`
	Dispatches []dispatchState `json:"dispatches"`
	Requests   int             `json:"requests"`
}

// stateOf snapshots emu without any token value.
func stateOf(emu *githubtest.Server) state {
	st := state{Tokens: []tokenState{}, Dispatches: []dispatchState{}, Requests: len(emu.Requests())}
	for _, t := range emu.Tokens() {
		sum := sha256.Sum256([]byte(t.Token))
		st.Tokens = append(st.Tokens, tokenState{
			SHA256: hex.EncodeToString(sum[:]), InstallationID: t.InstallationID,
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
	return st
}

// withState serves GET /_emulator/state and passes everything else to emu.
func withState(emu *githubtest.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != statePath {
			emu.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(stateOf(emu))
	})
}
