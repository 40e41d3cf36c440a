package githubtest

import (
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, s.world.appJSON(apiBase(r)))
}

func (s *Server) listInstallations(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	lo, hi := paginate(w, r, len(s.world.installs))
	out := make([]installationJSON, 0, hi-lo)
	for _, in := range s.world.installs[lo:hi] {
		out = append(out, s.world.installationJSON(apiBase(r), in))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	s.answerInstallation(w, r, s.installationByPathID(r))
}

func (s *Server) repoInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	var found *installation
	if rp := s.world.findRepo(r.PathValue("owner"), r.PathValue("repo")); rp != nil {
		if in := s.world.installationOn(rp.owner.login); in != nil && in.reaches(rp) {
			found = in
		}
	}
	s.answerInstallation(w, r, found)
}

// orgInstallation answers only for organisations, like GitHub, where a user
// login under /orgs/ is simply not found.
func (s *Server) orgInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	in := s.world.installationOn(r.PathValue("org"))
	if in != nil && in.account.typ != "Organization" {
		in = nil
	}
	s.answerInstallation(w, r, in)
}

func (s *Server) userInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireJWT(w, r) {
		return
	}
	s.answerInstallation(w, r, s.world.installationOn(r.PathValue("username")))
}

func (s *Server) answerInstallation(w http.ResponseWriter, r *http.Request, in *installation) {
	if in == nil {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.world.installationJSON(apiBase(r), in))
}

func (s *Server) installationByPathID(r *http.Request) *installation {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	return s.world.byID[id]
}

// getUser answers without credentials; a credential that is offered must
// be valid, as on GitHub.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	switch AuthKind(r.Header.Get("Authorization")) {
	case "token":
		if _, ok := s.requireToken(w, r); !ok {
			return
		}
	case "jwt":
		if s.checkAppJWT(r, s.clock()) != nil {
			writeError(w, http.StatusUnauthorized, msgBadCredentials)
			return
		}
	}
	name, base := r.PathValue("username"), apiBase(r)
	app := s.world.app
	switch a := s.world.account(name); {
	case app.Slug != "" && strings.EqualFold(name, app.Slug+"[bot]"):
		writeJSON(w, http.StatusOK, publicUser(accountOf(base, app.Slug+"[bot]", app.BotUserID, "Bot")))
	case a != nil && a.typ != AccountEnterprise:
		writeJSON(w, http.StatusOK, publicUser(a.json(base)))
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}
