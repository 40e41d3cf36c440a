package githubtest

import (
	"maps"
	"time"
)

// The JSON objects below carry the fields of GitHub's schemas that a client
// of the App API reads; they decode into go-github's types.

type accountJSON struct {
	Login   string `json:"login,omitempty"` // an enterprise has none
	Slug    string `json:"slug,omitempty"`  // an enterprise's name in URLs
	Name    string `json:"name,omitempty"`
	ID      int64  `json:"id"`
	NodeID  string `json:"node_id"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url"`
}

type repoJSON struct {
	ID       int64       `json:"id"`
	NodeID   string      `json:"node_id"`
	Name     string      `json:"name"`
	FullName string      `json:"full_name"`
	Private  bool        `json:"private"`
	Owner    accountJSON `json:"owner"`
	URL      string      `json:"url"`
	HTMLURL  string      `json:"html_url"`
}

type installationJSON struct {
	ID                  int64             `json:"id"`
	Account             accountJSON       `json:"account"`
	AppID               int64             `json:"app_id"`
	AppSlug             string            `json:"app_slug"`
	ClientID            string            `json:"client_id"`
	TargetID            int64             `json:"target_id"`
	TargetType          string            `json:"target_type"`
	RepositorySelection string            `json:"repository_selection"`
	Permissions         map[string]string `json:"permissions"`
	Events              []string          `json:"events"`
	AccessTokensURL     string            `json:"access_tokens_url"`
	RepositoriesURL     string            `json:"repositories_url"`
	HTMLURL             string            `json:"html_url"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
	SingleFileName      *string           `json:"single_file_name"`
	SuspendedAt         *string           `json:"suspended_at"`
	SuspendedBy         *accountJSON      `json:"suspended_by"`
}

type appJSON struct {
	ID                 int64             `json:"id"`
	Slug               string            `json:"slug"`
	NodeID             string            `json:"node_id"`
	ClientID           string            `json:"client_id"`
	Owner              accountJSON       `json:"owner"`
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	ExternalURL        string            `json:"external_url"`
	HTMLURL            string            `json:"html_url"`
	CreatedAt          string            `json:"created_at"`
	UpdatedAt          string            `json:"updated_at"`
	Permissions        map[string]string `json:"permissions"`
	Events             []string          `json:"events"`
	InstallationsCount int               `json:"installations_count"`
}

// created is the fixed creation time shown for every object; nothing the
// action does depends on it.
const created = "2024-01-02T03:04:05Z"

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func accountOf(base string, login string, id int64, typ string) accountJSON {
	return accountJSON{
		Login: login, ID: id, Type: typ, NodeID: "EMU_U_" + itoa(id),
		URL: base + "/users/" + login, HTMLURL: "https://github.com/" + login,
	}
}

func (a *account) json(base string) accountJSON {
	if a.typ == AccountEnterprise {
		return enterpriseOf(a)
	}
	return accountOf(base, a.login, a.id, a.typ)
}

func (r *repo) json(base string) repoJSON {
	return repoJSON{
		ID: r.id, NodeID: "EMU_R_" + itoa(r.id), Name: r.name, FullName: r.fullName(),
		Owner: r.owner.json(base), URL: base + "/repos/" + r.fullName(),
		HTMLURL: "https://github.com/" + r.fullName(),
	}
}

func reposJSON(base string, rs []*repo) []repoJSON {
	out := make([]repoJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.json(base))
	}
	return out
}

func (w *world) installationJSON(base string, in *installation) installationJSON {
	j := installationJSON{
		ID: in.cfg.ID, Account: in.account.json(base), AppID: w.app.ID, AppSlug: w.app.Slug,
		ClientID: w.app.ClientID, TargetID: in.account.id, TargetType: in.account.typ,
		RepositorySelection: in.cfg.RepositorySelection, Permissions: maps.Clone(in.cfg.Permissions),
		Events:          []string{},
		AccessTokensURL: base + "/app/installations/" + itoa(in.cfg.ID) + "/access_tokens",
		RepositoriesURL: base + "/installation/repositories",
		HTMLURL:         "https://github.com/settings/installations/" + itoa(in.cfg.ID),
		CreatedAt:       created, UpdatedAt: created,
	}
	if j.Permissions == nil {
		j.Permissions = map[string]string{}
	}
	if in.cfg.Suspended {
		at := rfc3339(in.suspendedAt)
		j.SuspendedAt = &at
		by := in.account.json(base)
		j.SuspendedBy = &by
	}
	return j
}

func (w *world) appJSON(base string) appJSON {
	perms := map[string]string{}
	for _, in := range w.installs {
		for k, v := range in.cfg.Permissions {
			if levelRank(v) > levelRank(perms[k]) {
				perms[k] = v
			}
		}
	}
	owner := accountOf(base, w.app.Owner, 0, "Organization")
	if a := w.account(w.app.Owner); a != nil {
		owner = a.json(base)
	}
	return appJSON{
		ID: w.app.ID, Slug: w.app.Slug, NodeID: "EMU_A_" + itoa(w.app.ID), ClientID: w.app.ClientID,
		Owner: owner, Name: w.app.Name, ExternalURL: "https://example.com",
		HTMLURL:   "https://github.com/apps/" + w.app.Slug,
		CreatedAt: created, UpdatedAt: created, Permissions: perms, Events: []string{},
		InstallationsCount: len(w.installs),
	}
}
