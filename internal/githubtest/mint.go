package githubtest

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxTokenRepos is GitHub's limit on repositories named for one token.
const maxTokenRepos = 500

type mintRequest struct {
	Repositories  []string          `json:"repositories"`
	RepositoryIDs []int64           `json:"repository_ids"`
	Permissions   map[string]string `json:"permissions"`
}

type mintResponse struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Repositories        []repoJSON        `json:"repositories,omitempty"`
}

// levelRank orders permission levels; 0 means not a level.
func levelRank(l string) int {
	return map[string]int{"read": 1, "write": 2, "admin": 3}[l]
}

// createToken mints an installation token scoped as the body asks, never
// beyond what the installation reaches and was granted.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	in := s.installationByPathID(r)
	if in == nil {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if in.cfg.Suspended {
		writeError(w, http.StatusForbidden, msgSuspended)
		return
	}
	var req mintRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if len(req.Repositories)+len(req.RepositoryIDs) > maxTokenRepos {
		writeError(w, http.StatusUnprocessableEntity, msgTooManyRepos)
		return
	}
	scoped, ok := s.scopeRepos(in, req)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, msgRepoInaccessible)
		return
	}
	perms, ok := scopePermissions(in, req.Permissions)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, msgPermsNotGranted)
		return
	}

	now := s.clock()
	t := &IssuedToken{
		IssuedAt:       now,
		Token:          newTokenValue(s.wantsLong(r)),
		InstallationID: in.cfg.ID,
		Permissions:    perms,
		ExpiresAt:      now.Add(s.ttl).Truncate(time.Second),
	}
	resp := mintResponse{
		Token: t.Token, ExpiresAt: rfc3339(t.ExpiresAt), Permissions: maps.Clone(perms),
		RepositorySelection: in.cfg.RepositorySelection,
	}
	if scoped != nil {
		t.Repositories = make([]string, 0, len(scoped))
		for _, rp := range scoped {
			t.Repositories = append(t.Repositories, rp.name)
		}
		resp.RepositorySelection = "selected"
		resp.Repositories = reposJSON(apiBase(r), scoped)
	}
	s.mu.Lock()
	s.tokens = append(s.tokens, t)
	s.tokenIndex[t.Token] = t
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

// scopeRepos resolves the named repositories and ids, without duplicates,
// in the order asked. nil means the body named none (the token reaches
// everything the installation does); false means one is out of reach.
func (s *Server) scopeRepos(in *installation, req mintRequest) ([]*repo, bool) {
	var out []*repo
	add := func(rp *repo) bool {
		if rp == nil || !in.reaches(rp) {
			return false
		}
		if !slices.Contains(out, rp) {
			out = append(out, rp)
		}
		return true
	}
	for _, n := range req.Repositories {
		if strings.Contains(n, "/") || !add(s.world.findRepo(in.account.login, n)) {
			return nil, false
		}
	}
	for _, id := range req.RepositoryIDs {
		if !add(s.world.reposByID[id]) {
			return nil, false
		}
	}
	return out, true
}

// scopePermissions checks asked against what the installation was granted.
// An empty request means everything granted.
func scopePermissions(in *installation, asked map[string]string) (map[string]string, bool) {
	if len(asked) == 0 {
		return maps.Clone(in.cfg.Permissions), true
	}
	for name, level := range asked {
		rank := levelRank(level)
		if rank == 0 || rank > levelRank(in.cfg.Permissions[name]) {
			return nil, false
		}
	}
	return maps.Clone(asked), true
}

func readBody(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(nil, r.Body, maxBody))
	return b.Bytes(), err
}
