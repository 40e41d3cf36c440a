package githubtest

import "net/http"

// routes maps GitHub's endpoints, without the /api/v3 prefix, to handlers.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	// App JWT
	m.HandleFunc("GET /app", s.getApp)
	m.HandleFunc("GET /app/installations", s.listInstallations)
	m.HandleFunc("GET /app/installations/{id}", s.getInstallation)
	m.HandleFunc("POST /app/installations/{id}/access_tokens", s.createToken)
	m.HandleFunc("GET /repos/{owner}/{repo}/installation", s.repoInstallation)
	m.HandleFunc("GET /orgs/{org}/installation", s.orgInstallation)
	m.HandleFunc("GET /users/{username}/installation", s.userInstallation)
	m.HandleFunc("GET /enterprises/{enterprise}/installation", s.enterpriseInstallation)
	// installation token
	m.HandleFunc("DELETE /installation/token", s.revokeToken)
	m.HandleFunc("GET /installation/repositories", s.listTokenRepos)
	m.HandleFunc("POST /repos/{owner}/{repo}/dispatches", s.repositoryDispatch)
	m.HandleFunc("POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", s.workflowDispatch)
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.getContents)
	// any or no credential
	m.HandleFunc("GET /users/{username}", s.getUser)
	return m
}
