package config

import (
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/setting"
)

// onePerAccount is the remedy for repositories of several accounts, in
// each door's words: a step is the action's.
var onePerAccount = setting.Words{Action: "use one step per account", CLI: "mint one token per account"}

// readScope applies the official action's scope rules:
// neither owner nor repositories: the current repository; owner only: all of
// that installation's repositories; repositories only: owner is the current
// repository's owner (or the owner the entries name).
func (c *Config) readScope(s Source, bad *problems) {
	owner := s.Setting(setting.Owner)
	if owner != "" && !ghtext.IsLogin(owner) {
		bad.addf("%s is %s, which is not a GitHub account name (letters, digits and dashes)", setting.Input(setting.Owner), quote(owner))
		return
	}
	raw := s.Setting(setting.Repositories)
	names, owners, ok := splitRepositories(raw, bad)
	if !ok {
		return
	}
	if raw != "" && len(names) == 0 {
		bad.addf("%s is set but names no repository: to reach every repository of the installation, leave %s out and set %s; to narrow the token, list names separated by commas or newlines",
			setting.Input(setting.Repositories), setting.Repositories, setting.Owner)
		return
	}
	if owner != "" {
		var other []string
		for _, o := range owners {
			if !strings.EqualFold(o, owner) {
				other = append(other, o)
			}
		}
		if len(other) > 0 {
			bad.addf("%s names repositories of %s but %s is %s: a token reaches one account's repositories; %s",
				setting.Input(setting.Repositories), quoteAll(other), setting.Input(setting.Owner), quote(owner), onePerAccount)
			return
		}
	} else if len(owners) > 1 {
		bad.addf("%s names repositories of several accounts (%s): a token reaches one account's repositories; %s",
			setting.Input(setting.Repositories), quoteAll(owners), onePerAccount)
		return
	}

	if owner != "" && len(names) == 0 {
		c.Owner = owner // every repository of the installation
	} else if owner != "" {
		c.Owner, c.Repositories = owner, names
	} else if len(names) > 0 {
		c.Owner, c.Repositories = s.Getenv("GITHUB_REPOSITORY_OWNER"), names
		if len(owners) == 1 {
			c.Owner = owners[0]
		}
		if c.Owner == "" {
			bad.addf("%s names no owner and GITHUB_REPOSITORY_OWNER is not set: set %s or write entries as owner/name", setting.Input(setting.Repositories), setting.Input(setting.Owner))
		} else if !ghtext.IsLogin(c.Owner) {
			bad.addf("GITHUB_REPOSITORY_OWNER is %s, which is not a GitHub account name: set %s", quote(c.Owner), setting.Input(setting.Owner))
		}
	} else {
		repoOwner, repoName, _ := strings.Cut(s.Getenv("GITHUB_REPOSITORY"), "/")
		if repoOwner == "" || repoName == "" {
			bad.addf("%s are empty and GITHUB_REPOSITORY is not set: name the repositories the token is for", setting.Inputs{setting.Owner, setting.Repositories})
			return
		}
		// The runner's own values, but checked like inputs: they end up in
		// log lines and request paths.
		if !ghtext.IsLogin(repoOwner) || !ghtext.IsRepo(repoName) {
			bad.addf("GITHUB_REPOSITORY is %s, which is not owner/name: set %s", quote(s.Getenv("GITHUB_REPOSITORY")), setting.Inputs{setting.Owner, setting.Repositories})
			return
		}
		c.Owner, c.Repositories = repoOwner, []string{repoName}
	}
	if len(c.Repositories) > MaxRepositories {
		bad.addf("%s names %d repositories; GitHub allows at most %d per token: split them over several %s, or set only %s to reach every repository of the installation",
			setting.Input(setting.Repositories), len(c.Repositories), MaxRepositories, setting.Words{Action: "steps", CLI: "tokens"}, setting.Owner)
	}
}

// splitRepositories splits the repositories input on commas and newlines,
// trims, drops empty entries and duplicates (GitHub names are case-insensitive),
// and returns the names plus the distinct owners written as owner/name.
func splitRepositories(raw string, bad *problems) (names, owners []string, ok bool) {
	seen := map[string]bool{}
	ownerSeen := map[string]string{}
	// Bad entries are named a few at a time, then counted: a flood of them
	// costs neither memory nor a megabyte line.
	var noOwner, noName setting.Capped[string]
	defer func() {
		if noOwner.Len() > 0 {
			bad.addf("%s: %s %s", setting.Input(setting.Repositories), setting.JoinCapped(noOwner.Kept, noOwner.More, ", "),
				plural(noOwner.Len(), "does not start with a GitHub account name", "do not start with a GitHub account name"))
		}
		if noName.Len() > 0 {
			bad.addf("%s: %s %s (letters, digits, '.', '-' and '_')", setting.Input(setting.Repositories), setting.JoinCapped(noName.Kept, noName.More, ", "),
				plural(noName.Len(), "is not a repository name", "are not repository names"))
		}
	}()
	ok = true
	for _, entry := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name := entry
		if o, n, found := strings.Cut(entry, "/"); found {
			if !ghtext.IsLogin(o) {
				noOwner.Add(quote(entry))
				ok = false
				continue
			}
			if _, dup := ownerSeen[strings.ToLower(o)]; !dup {
				ownerSeen[strings.ToLower(o)] = o
				owners = append(owners, o)
			}
			name = n
		}
		if !ghtext.IsRepo(name) {
			noName.Add(quote(entry))
			ok = false
			continue
		}
		if key := strings.ToLower(name); !seen[key] {
			seen[key] = true
			names = append(names, name)
		}
	}
	return names, owners, ok
}

// RepositoryList renders the scope for logs: "octo-org/app, octo-org/infra"
// or "all repositories of octo-org".
func (c *Request) RepositoryList() string {
	if c.Repositories == nil {
		return "all repositories of " + c.Owner
	}
	full := make([]string, len(c.Repositories))
	for i, n := range c.Repositories {
		full[i] = c.Owner + "/" + n
	}
	return strings.Join(full, ", ")
}
