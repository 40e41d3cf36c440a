package githubtest

import (
	"crypto/rsa"
	"time"
)

// App is the GitHub App the emulator answers for. App JWTs must be signed by
// the private half of PublicKey and name ID or ClientID as their issuer.
type App struct {
	ID        int64
	ClientID  string // e.g. "Iv23liEmuLaToR0000"
	Slug      string // e.g. "release-bot"; the bot user is "<Slug>[bot]"
	Name      string
	PublicKey *rsa.PublicKey // JWTs are verified with this
	BotUserID int64          // id of the user "<Slug>[bot]"
	Owner     string         // login of the account that owns the App; "" = the first installation's account
}

// Installation is the App installed on one account. Permissions is what the
// account granted; a token can never exceed it.
type Installation struct {
	ID                  int64
	Account             string            // login of the account it is installed on
	AccountType         string            // "Organization" or "User"
	RepositorySelection string            // "all" or "selected"
	Repositories        []string          // names reachable when "selected"
	Permissions         map[string]string // snake_case name -> read|write|admin
	Suspended           bool
}

// Config describes the emulated world. New copies it, so a caller may reuse
// or change a Config after New without affecting the Server.
type Config struct {
	App App
	// Repositories maps an account login to every repository name it owns:
	// what exists, and what an installation with selection "all" reaches.
	// Names listed by a "selected" installation are added here if missing.
	Repositories  map[string][]string
	Installations []Installation
	// AccountTypes gives "Organization" or "User" for accounts without an
	// installation; otherwise the installation's AccountType wins. Unlisted
	// accounts are "User".
	AccountTypes map[string]string
	Now          func() time.Time // nil = time.Now; the server clock is Now()+offset
	TokenTTL     time.Duration    // 0 = 1h
	LongTokens   bool             // issue the newer stateless tokens: "ghs_" + 516 of [A-Za-z0-9._]
	// TokenLag and TokenLagCalls emulate GitHub's replication lag: a new
	// token is answered 401 Bad credentials for TokenLag after it was
	// minted (server clock), and on its first TokenLagCalls uses.
	TokenLag      time.Duration
	TokenLagCalls int
	// Platform is the GitHub the emulator is (PlatformDotcom, PlatformGHEC,
	// PlatformGHES): what it answers and which published description the
	// contract check holds it to. "" picks per request: GHEC when an
	// installation is on an enterprise, GHES for "/api/v3", else
	// api.github.com.
	Platform string
	// After is how fault delays wait; nil = time.After. Tests inject it to
	// observe a delay without sleeping.
	After func(time.Duration) <-chan time.Time
	// Files puts files in repositories for the contents API (GET
	// /repos/{owner}/{repo}/contents/{path}): "OWNER/REPO/PATH" → the
	// file's bytes, on the default branch (main). A repository named here
	// is added to Repositories when missing, such as an owner's ".github";
	// an installation reaches it only as Installations say. Every
	// emulated repository is private: only a token that reaches it with
	// contents: read may read its files.
	Files map[string]string
	// FilesAt holds files on other refs: a branch or tag name (also asked
	// for under refs/heads/ or refs/tags/) or a commit SHA → files as in
	// Files. A ?ref= that names neither one of these nor the default
	// branch is answered 404, as GitHub does.
	FilesAt map[string]map[string]string
}

// Values of DefaultConfig that tests and scripts may rely on.
const (
	DefaultAppID     int64 = 123456
	DefaultClientID        = "Iv23liEmuLaToR0000"
	DefaultAppSlug         = "release-bot"
	DefaultBotUserID int64 = 41898283
)

// DefaultConfig returns the world used by tests and the demo:
//
//   - App 123456, client ID "Iv23liEmuLaToR0000", slug "release-bot",
//     bot user id 41898283, owned by "octo-org".
//   - "octo-org" (Organization) owns app, infra, docs, website; installation
//     1001 selects app, infra, docs with contents, pull_requests, issues,
//     actions, workflows, packages: write and metadata: read.
//   - "octocat" (User) owns dotfiles, blog; installation 1002 reaches all
//     with contents: read, metadata: read.
//   - "frozen-org" (Organization) owns vault; installation 1003 is suspended
//     (all; contents: read, metadata: read).
//   - "stranger-org" (Organization) owns lonely; the App is not installed.
//
// pub is the public key JWTs are verified with. Each call returns fresh maps
// and slices, so callers may edit the result.
func DefaultConfig(pub *rsa.PublicKey) Config {
	return Config{
		App: App{
			ID:        DefaultAppID,
			ClientID:  DefaultClientID,
			Slug:      DefaultAppSlug,
			Name:      "Release Bot",
			PublicKey: pub,
			BotUserID: DefaultBotUserID,
			Owner:     "octo-org",
		},
		Repositories: map[string][]string{
			"octo-org":     {"app", "infra", "docs", "website"},
			"octocat":      {"dotfiles", "blog"},
			"frozen-org":   {"vault"},
			"stranger-org": {"lonely"},
		},
		AccountTypes: map[string]string{"stranger-org": "Organization"},
		Installations: []Installation{
			{
				ID: 1001, Account: "octo-org", AccountType: "Organization",
				RepositorySelection: "selected",
				Repositories:        []string{"app", "infra", "docs"},
				Permissions: map[string]string{
					"contents": "write", "metadata": "read", "pull_requests": "write",
					"issues": "write", "actions": "write", "workflows": "write", "packages": "write",
				},
			},
			{
				ID: 1002, Account: "octocat", AccountType: "User",
				RepositorySelection: "all",
				Permissions:         map[string]string{"contents": "read", "metadata": "read"},
			},
			{
				ID: 1003, Account: "frozen-org", AccountType: "Organization",
				RepositorySelection: "all", Suspended: true,
				Permissions: map[string]string{"contents": "read", "metadata": "read"},
			},
		},
	}
}
