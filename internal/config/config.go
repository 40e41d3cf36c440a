// Package config reads the action's inputs and the runner's environment into a
// checked Config. Every problem a user can fix is found here, before any call
// to GitHub, and named by the input it comes from.
package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
)

// MaxRepositories is the most repositories GitHub lets one token name.
const MaxRepositories = 500

// Config is everything the main and post phases need, checked.
type Config struct {
	// Issuer is the JWT issuer: the client ID or the App ID as given.
	Issuer string
	// IssuerInput names the input the issuer came from, for error messages.
	IssuerInput string
	// PrivateKey is the raw private-key input; appkey.Parse reads it.
	PrivateKey string
	// JWT is the raw jwt input, an App JWT signed elsewhere; KMSKey names
	// the App's key in AWS KMS, and AWSRole the role assumed to use it.
	// At most one of PrivateKey, JWT and KMSKey is set.
	JWT, KMSKey, AWSRole string
	// Owner is the account that installed the App.
	Owner string
	// Repositories are repository names (no owner) the token is limited to;
	// nil means every repository the installation reaches.
	Repositories []string
	// Permissions requested; empty means everything the installation has.
	Permissions permissions.Set
	// InstallationID, when non-zero, skips the installation lookup.
	InstallationID int64
	// SkipRevoke leaves the token alive when the job ends.
	SkipRevoke bool
	// APIURL is GitHub's REST API base, always ending in "/".
	APIURL *url.URL
	// Enterprise, when set, is the enterprise slug whose installation mints
	// the token; Owner is then that slug and Repositories nil.
	Enterprise string
	// CACertificates are PEM certificates to trust besides the system's.
	CACertificates []byte
	// Warnings are things worth telling the user that do not stop the run.
	Warnings []string
	// Notices are things a user may want to know, such as a permission
	// sent to GitHub as written because it is newer than the action's table.
	Notices []string
	// Retry bounds the retrying of each API call.
	Retry Retry
}

// Retry holds the retry inputs.
type Retry struct {
	Attempts       int
	Budget         time.Duration
	RequestTimeout time.Duration
	// TokenReady bounds the wait for a new token to work (GitHub's
	// replication lag); 0 skips the check.
	TokenReady time.Duration
}

// Reader reads inputs and environment; *githubactions.Action provides both.
type Reader interface {
	GetInput(name string) string
	Getenv(key string) string
}

// problems gathers every input error so one run reports them all.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// Read reads and checks every input. passed names every input the runner
// passed (see InputNames), declared or not: the runner hands over every
// `with:` entry, and an input the action does not know is a typo that would
// otherwise widen the token. The error, if any, lists every problem, each
// naming its input and what to do.
func Read(r Reader, passed []string) (*Config, error) {
	var bad problems
	c := &Config{}

	r, extra := c.checkPassed(r, passed, &bad)
	c.readIssuer(r, c.readKeySource(r, &bad), &bad)
	if !c.readEnterprise(r, &bad) {
		c.readScope(r, &bad)
	}
	c.readPermissions(r, extra, &bad)

	if v := r.GetInput(InInstallationID); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad.addf("input %s must be a positive number, got %s", InInstallationID, quote(v))
		}
		c.InstallationID = id
	}
	c.SkipRevoke = readBool(r, InSkipRevoke, &bad)
	c.readAPIURL(r, &bad)
	c.CACertificates = readCACertificates(r, &bad)
	c.Retry = readRetry(r, &bad)
	if len(bad) > 0 {
		return nil, &Error{Problems: bad}
	}
	return c, nil
}

func readRetry(r Reader, bad *problems) Retry {
	return Retry{
		Attempts:       readInt(r, InRetryAttempts, defaultRetryAttempts, 1, 10, bad),
		Budget:         time.Duration(readInt(r, InRetrySeconds, defaultRetrySeconds, 1, 3600, bad)) * time.Second,
		RequestTimeout: time.Duration(readInt(r, InRequestTimeout, defaultRequestTimeoutSeconds, 1, 600, bad)) * time.Second,
		TokenReady:     time.Duration(readInt(r, InTokenReady, defaultTokenReadySeconds, 0, 120, bad)) * time.Second,
	}
}

// Error lists every input problem found.
type Error struct{ Problems []string }

func (e *Error) Error() string { return strings.Join(e.Problems, "; ") }

// readIssuer reads client-id or app-id; only a JWT signed elsewhere
// (required false) carries its issuer itself.
func (c *Config) readIssuer(r Reader, required bool, bad *problems) {
	clientID, appID := r.GetInput(InClientID), r.GetInput(InAppID)
	if clientID != "" && appID != "" {
		// As the official action since v3.1: client-id wins, so workflows
		// part-way through the migration keep working.
		c.Notices = append(c.Notices, fmt.Sprintf("inputs %s and %s are both set: using %s (app-id is deprecated; remove it)", InClientID, InAppID, InClientID))
		appID = ""
	}
	switch {
	case clientID != "":
		c.Issuer, c.IssuerInput = clientID, InClientID
		if !clientIDPattern.MatchString(clientID) {
			bad.addf("input %s is %s, which is not a client ID (letters and digits, like Iv23liXXXXXXXXXXXXXX, from the App's settings page)", InClientID, quote(clientID))
		}
	case appID != "":
		c.Issuer, c.IssuerInput = appID, InAppID
		if id, err := strconv.ParseInt(appID, 10, 64); err != nil || id <= 0 {
			hint := ""
			if clientIDPattern.MatchString(appID) {
				hint = " (it looks like a client ID: pass it as client-id)"
			}
			bad.addf("input %s must be the App's numeric ID, got %s%s", InAppID, quote(appID), hint)
		}
	case !required:
	default:
		bad.addf("neither %s nor %s is set: pass the App's client ID (recommended) or App ID, e.g. `client-id: ${{ vars.APP_CLIENT_ID }}`", InClientID, InAppID)
	}
}

var (
	clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// readScope applies the official action's scope rules:
// neither owner nor repositories: the current repository; owner only: all of
// that installation's repositories; repositories only: owner is the current
// repository's owner (or the owner the entries name).
func (c *Config) readScope(r Reader, bad *problems) {
	owner := r.GetInput(InOwner)
	if owner != "" && !ghtext.IsLogin(owner) {
		bad.addf("input %s is %s, which is not a GitHub account name (letters, digits and dashes)", InOwner, quote(owner))
		return
	}
	raw := r.GetInput(InRepositories)
	names, owners, ok := splitRepositories(raw, bad)
	if !ok {
		return
	}
	if raw != "" && len(names) == 0 {
		bad.addf("input %s is set but names no repository: to reach every repository of the installation, leave %s out and set %s; to narrow the token, list names separated by commas or newlines",
			InRepositories, InRepositories, InOwner)
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
			bad.addf("input %s names repositories of %s but input %s is %s: a token reaches one account's repositories; use one step per account",
				InRepositories, quoteAll(other), InOwner, quote(owner))
			return
		}
	} else if len(owners) > 1 {
		bad.addf("input %s names repositories of several accounts (%s): a token reaches one account's repositories; use one step per account",
			InRepositories, quoteAll(owners))
		return
	}

	switch {
	case owner != "" && len(names) == 0:
		c.Owner = owner // every repository of the installation
	case owner != "":
		c.Owner, c.Repositories = owner, names
	case len(names) > 0:
		c.Owner, c.Repositories = r.Getenv("GITHUB_REPOSITORY_OWNER"), names
		if len(owners) == 1 {
			c.Owner = owners[0]
		}
		if c.Owner == "" {
			bad.addf("input %s names no owner and GITHUB_REPOSITORY_OWNER is not set: set input %s or write entries as owner/name", InRepositories, InOwner)
		} else if !ghtext.IsLogin(c.Owner) {
			bad.addf("GITHUB_REPOSITORY_OWNER is %s, which is not a GitHub account name: set input %s", quote(c.Owner), InOwner)
		}
	default:
		repoOwner, repoName, _ := strings.Cut(r.Getenv("GITHUB_REPOSITORY"), "/")
		if repoOwner == "" || repoName == "" {
			bad.addf("inputs %s and %s are empty and GITHUB_REPOSITORY is not set: name the repositories the token is for", InOwner, InRepositories)
			return
		}
		// The runner's own values, but checked like inputs: they end up in
		// log lines and request paths.
		if !ghtext.IsLogin(repoOwner) || !ghtext.IsRepo(repoName) {
			bad.addf("GITHUB_REPOSITORY is %s, which is not owner/name: set inputs %s and %s", quote(r.Getenv("GITHUB_REPOSITORY")), InOwner, InRepositories)
			return
		}
		c.Owner, c.Repositories = repoOwner, []string{repoName}
	}
	if len(c.Repositories) > MaxRepositories {
		bad.addf("input %s names %d repositories; GitHub allows at most %d per token: split them over several steps, or set only %s to reach every repository of the installation",
			InRepositories, len(c.Repositories), MaxRepositories, InOwner)
	}
}

// splitRepositories splits the repositories input on commas and newlines,
// trims, drops empty entries and duplicates (GitHub names are case-insensitive),
// and returns the names plus the distinct owners written as owner/name.
func splitRepositories(raw string, bad *problems) (names, owners []string, ok bool) {
	seen := map[string]bool{}
	ownerSeen := map[string]string{}
	ok = true
	for _, entry := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name := entry
		if o, n, found := strings.Cut(entry, "/"); found {
			if !ghtext.IsLogin(o) {
				bad.addf("input %s: %s does not start with a GitHub account name", InRepositories, quote(entry))
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
			bad.addf("input %s: %s is not a repository name (letters, digits, '.', '-' and '_')", InRepositories, quote(entry))
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

// readPermissions merges the permission-* inputs (declared ones, and the
// extra ones checkPassed let through) with the permissions block.
func (c *Config) readPermissions(r Reader, extra permissions.Set, bad *problems) {
	fromInputs := extra
	for _, spec := range permissions.All() {
		if v := strings.ToLower(r.GetInput(spec.InputName())); v != "" {
			if prev, ok := fromInputs[spec.Name]; ok && prev != v {
				bad.addf("input %s is %s but its underscore spelling says %s: set it once", spec.InputName(), quote(v), quote(prev))
			}
			fromInputs[spec.Name] = v
		}
	}
	raw := r.GetInput(InPermissions)
	block, err := permissions.ParseBlock(raw)
	if err != nil {
		bad.addf("input %s: %v", InPermissions, err)
		return
	}
	if raw != "" && len(block) == 0 {
		bad.addf("input %s is set but names no permission (an empty `{}` or only comments): to ask for every permission the installation has, leave %s out; to narrow the token, write one `name: level` per line, e.g. `contents: read`",
			InPermissions, InPermissions)
		return
	}
	merged, err := permissions.Merge(fromInputs, block)
	if err != nil {
		bad.addf("%v", err)
		return
	}
	forwarded, err := permissions.Validate(merged)
	if err != nil {
		bad.addf("permissions: %v", err)
		return
	}
	for _, name := range forwarded {
		c.Notices = append(c.Notices, fmt.Sprintf("permission %s is not in this action's copy of GitHub's permission table; it is sent to GitHub as written (GitHub refuses the token if it does not know it)", name))
	}
	c.Permissions = merged
}

func (c *Config) readAPIURL(r Reader, bad *problems) {
	u, warning, err := apiURL(r)
	if err != nil {
		bad.addf("input %s: %v", InAPIURL, err)
		return
	}
	if warning != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("input %s: %s", InAPIURL, warning))
	}
	c.APIURL = u
}

// apiURL reads the github-api-url input, falling back to the runner's
// GITHUB_API_URL and then to GitHub.com.
func apiURL(r Reader) (*url.URL, string, error) {
	raw := r.GetInput(InAPIURL)
	if raw == "" {
		raw = r.Getenv("GITHUB_API_URL")
	}
	if raw == "" {
		raw = "https://api.github.com"
	}
	return APIBase(raw)
}

// ReadPost reads what the post phase needs: skip-token-revoke, the API URL,
// the CA certificates and the retry bounds. Post must not fail on inputs the main phase already
// reported, so an invalid boolean or number takes its default; only an API
// URL that cannot be used is an error.
func ReadPost(r Reader) (*Config, error) {
	var ignored problems
	c := &Config{SkipRevoke: readBool(r, InSkipRevoke, &ignored), Retry: readRetry(r, &ignored),
		CACertificates: readCACertificates(r, &ignored)}
	u, _, err := apiURL(r)
	if err != nil {
		return c, fmt.Errorf("input %s: %w", InAPIURL, err)
	}
	c.APIURL = u
	return c, nil
}

// APIBase turns what users write for the API URL into the base every endpoint
// hangs off, ending in "/": GitHub.com's https://api.github.com as is; a GitHub
// Enterprise Server host with or without /api/v3, with or without a trailing
// slash or port, always as https://HOST[:PORT]/api/v3/. Plain http is refused
// except for loopback hosts (local emulators), which get a warning: the JWT and
// the token would otherwise cross the network in clear text.
func APIBase(raw string) (u *url.URL, warning string, err error) {
	u, err = url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("%s is not an API URL like https://api.github.com or https://HOST/api/v3", quote(raw))
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(host) {
			return nil, "", fmt.Errorf("%s uses plain http: the App JWT and the token would travel unencrypted; use https", quote(raw))
		}
		warning = "plain http to a loopback host: fine for a local emulator, never for GitHub"
	default:
		return nil, "", fmt.Errorf("%s must start with https://", quote(raw))
	}
	if strings.EqualFold(host, "github.com") || strings.EqualFold(host, "www.github.com") {
		return nil, "", fmt.Errorf("%s is GitHub's web address; the API is https://api.github.com", quote(raw))
	}
	path := strings.TrimRight(u.Path, "/")
	if path == "" && !strings.HasPrefix(strings.ToLower(host), "api.") {
		path = "/api/v3" // a GitHub Enterprise Server host given without its API path
	}
	u.Path, u.RawPath = path+"/", ""
	return u, warning, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func readBool(r Reader, name string, bad *problems) bool {
	switch v := r.GetInput(name); v {
	case "", "false", "False", "FALSE":
		return false
	case "true", "True", "TRUE":
		return true
	default:
		bad.addf("input %s must be true or false, got %s", name, quote(v))
		return false
	}
}

func readInt(r Reader, name string, def, lo, hi int, bad *problems) int {
	v := r.GetInput(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		bad.addf("input %s must be a whole number from %d to %d, got %s", name, lo, hi, quote(v))
		return def
	}
	return n
}

func quote(v string) string { return secret.Quote(v) }

func quoteAll(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = quote(v)
	}
	return strings.Join(out, ", ")
}

// RepositoryList renders the scope for logs: "octo-org/app, octo-org/infra"
// or "all repositories of octo-org".
func (c *Config) RepositoryList() string {
	if c.Repositories == nil {
		return "all repositories of " + c.Owner
	}
	full := make([]string, len(c.Repositories))
	for i, n := range c.Repositories {
		full[i] = c.Owner + "/" + n
	}
	return strings.Join(full, ", ")
}
