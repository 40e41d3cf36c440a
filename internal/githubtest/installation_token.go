package githubtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
)

// revokeToken is DELETE /installation/token: the token revokes itself.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	t, ok := s.requireToken(w, r)
	if !ok {
		return
	}
	now := s.clock()
	s.mu.Lock()
	s.tokenIndex[t.Token].Revoked, s.tokenIndex[t.Token].RevokedAt = true, now
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listTokenRepos(w http.ResponseWriter, r *http.Request) {
	t, ok := s.requireToken(w, r)
	if !ok {
		return
	}
	reach := s.tokenReach(t)
	sel := "selected"
	if t.Repositories == nil {
		sel = s.world.byID[t.InstallationID].cfg.RepositorySelection
	}
	lo, hi := paginate(w, r, len(reach))
	writeJSON(w, http.StatusOK, map[string]any{
		"total_count":          len(reach),
		"repository_selection": sel,
		"repositories":         reposJSON(apiBase(r), reach[lo:hi]),
	})
}

// tokenRepo resolves {owner}/{repo} for a token-authenticated request and
// checks the token may use it with permission perm at level write: 404 when
// the token cannot see the repository, 403 when it lacks the permission.
func (s *Server) tokenRepo(w http.ResponseWriter, r *http.Request, perm string) (*IssuedToken, *repo, bool) {
	t, ok := s.requireToken(w, r)
	if !ok {
		return nil, nil, false
	}
	rp := s.world.findRepo(r.PathValue("owner"), r.PathValue("repo"))
	if rp == nil || !slices.Contains(s.tokenReach(t), rp) {
		writeError(w, http.StatusNotFound, msgNotFound)
		return nil, nil, false
	}
	if levelRank(t.Permissions[perm]) < levelRank("write") {
		writeError(w, http.StatusForbidden, msgNotAccessible)
		return nil, nil, false
	}
	return t, rp, true
}

func (s *Server) repositoryDispatch(w http.ResponseWriter, r *http.Request) {
	t, rp, ok := s.tokenRepo(w, r, "contents")
	if !ok {
		return
	}
	var body struct {
		EventType     string          `json:"event_type"`
		ClientPayload json.RawMessage `json:"client_payload"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.EventType == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"event_type\" wasn't supplied.")
		return
	}
	s.record(Dispatch{
		Kind: "repository_dispatch", Owner: rp.owner.login, Repo: rp.name,
		EventType: body.EventType, ClientPayload: body.ClientPayload, InstallationID: t.InstallationID,
	})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) workflowDispatch(w http.ResponseWriter, r *http.Request) {
	t, rp, ok := s.tokenRepo(w, r, "actions")
	if !ok {
		return
	}
	var body struct {
		Ref    string          `json:"ref"`
		Inputs json.RawMessage `json:"inputs"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Ref == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.")
		return
	}
	s.record(Dispatch{
		Kind: "workflow_dispatch", Owner: rp.owner.login, Repo: rp.name,
		Workflow: r.PathValue("workflow"), Ref: body.Ref, Inputs: body.Inputs, InstallationID: t.InstallationID,
	})
	w.WriteHeader(http.StatusNoContent)
}

// decodeBody reads a JSON object body into v, answering 400 "Problems
// parsing JSON" like GitHub when it is not one.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, _ := readBody(r)
	if len(bytes.TrimSpace(b)) == 0 {
		return true
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, http.StatusBadRequest, msgBadJSON)
		return false
	}
	return true
}

func (s *Server) record(d Dispatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatches = append(s.dispatches, d)
}
