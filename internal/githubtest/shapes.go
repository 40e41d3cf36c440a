package githubtest

import (
	"maps"
	"time"
)

// The JSON objects below carry the fields of GitHub's schemas that a client
// of the App API reads; they decode into go-github's types.

type accountJSON struct {
	Login     string `json:"login,omitempty"` // an enterprise has none
	Slug      string `json:"slug,omitempty"`  // an enterprise's name in URLs
	Name      string `json:"name,omitempty"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Type      string `json:"type,omitempty"` // an enterprise has none
	URL       string `json:"url,omitempty"`
	HTMLURL   string `json:"html_url"`
	AvatarURL string `json:"avatar_url"`
	*userLinks
	CreatedAt string `json:"created_at,omitempty"` // an enterprise's
	UpdatedAt string `json:"updated_at,omitempty"`
}

// userLinks are the fields GitHub's simple-user schema requires besides
// those above; an enterprise has none of them.
type userLinks struct {
	GravatarID        string `json:"gravatar_id"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	SiteAdmin         bool   `json:"site_admin"`
}

// publicUserJSON is GET /users/{username}: a simple user and its profile.
type publicUserJSON struct {
	accountJSON
	Name        *string `json:"name"`
	Company     *string `json:"company"`
	Blog        *string `json:"blog"`
	Location    *string `json:"location"`
	Email       *string `json:"email"`
	Hireable    *bool   `json:"hireable"`
	Bio         *string `json:"bio"`
	PublicRepos int     `json:"public_repos"`
	PublicGists int     `json:"public_gists"`
	Followers   int     `json:"followers"`
	Following   int     `json:"following"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

// repoJSON is GitHub's repository schema, which requires some eighty
// fields: the API links, counts and flags a repository always shows.
type repoJSON map[string]any

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
	u := base + "/users/" + login
	return accountJSON{
		Login: login, ID: id, Type: typ, NodeID: "EMU_U_" + itoa(id),
		URL: u, HTMLURL: "https://github.com/" + login,
		AvatarURL: "https://avatars.githubusercontent.com/u/" + itoa(id) + "?v=4",
		userLinks: &userLinks{
			FollowersURL: u + "/followers", FollowingURL: u + "/following{/other_user}",
			GistsURL: u + "/gists{/gist_id}", StarredURL: u + "/starred{/owner}{/repo}",
			SubscriptionsURL: u + "/subscriptions", OrganizationsURL: u + "/orgs",
			ReposURL: u + "/repos", EventsURL: u + "/events{/privacy}",
			ReceivedEventsURL: u + "/received_events",
		},
	}
}

func (a *account) json(base string) accountJSON {
	if a.typ == AccountEnterprise {
		return enterpriseOf(a)
	}
	return accountOf(base, a.login, a.id, a.typ)
}

// publicUser is what GET /users/{username} shows of an account.
func publicUser(a accountJSON) publicUserJSON {
	return publicUserJSON{accountJSON: a, CreatedAt: created, UpdatedAt: created}
}

// repoLinks are the repository's API links, relative to its URL.
var repoLinks = map[string]string{
	"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
	"blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
	"collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
	"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
	"contents_url": "/contents/{+path}", "contributors_url": "/contributors",
	"deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
	"forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}",
	"git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}",
	"issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}",
	"keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
	"merges_url": "/merges", "milestones_url": "/milestones{/number}",
	"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
	"releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
	"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
	"teams_url": "/teams", "trees_url": "/git/trees{/sha}",
}

func (r *repo) json(base string) repoJSON {
	u, html := base+"/repos/"+r.fullName(), "https://github.com/"+r.fullName()
	j := repoJSON{
		"id": r.id, "node_id": "EMU_R_" + itoa(r.id), "name": r.name, "full_name": r.fullName(),
		"private": true, "owner": r.owner.json(base), "url": u, "html_url": html,
		"description": nil, "fork": false, "homepage": nil, "language": nil, "license": nil, "mirror_url": nil,
		"clone_url": html + ".git", "git_url": "git://github.com/" + r.fullName() + ".git",
		"ssh_url": "git@github.com:" + r.fullName() + ".git", "svn_url": html, "default_branch": "main",
		"forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 0,
		"stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"has_downloads": true, "has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
		"archived": false, "disabled": false, "pushed_at": created, "created_at": created, "updated_at": created,
	}
	for k, v := range repoLinks {
		j[k] = u + v
	}
	return j
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
