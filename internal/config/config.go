// Package config reads a front door's settings (the action's inputs, the
// command line's flags) and the environment into a checked Config. Every
// problem a user can fix is found here, before any call to GitHub, and
// reported as a *setting.Error naming the setting by its ID: each door
// renders it in its own words (see internal/setting).
package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// MaxRepositories is the most repositories GitHub lets one token name.
const MaxRepositories = 500

// Config is everything a one-shot door (the action's phases, a command)
// needs, checked: what the App is (App, the same for every token) and what
// this one token is for (Request), and what only a door does with them.
type Config struct {
	App
	Request
	// SkipRevoke leaves the token alive when the job ends.
	SkipRevoke bool
	// Warnings are things worth telling the user that do not stop the run.
	Warnings []*setting.Error
	// Notices are things a user may want to know, such as a permission
	// sent to GitHub as written because it is newer than the action's table.
	Notices []*setting.Error
	// APIURLSource says where APIURL came from (the setting, or the
	// environment variable GITHUB_API_URL, or the default), for warnings.
	APIURLSource string
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

// Source is where a door's settings come from, by ID: the action's inputs
// (see Inputs), the command line's flags. An unset setting is "".
type Source interface {
	Setting(id setting.ID) string
	Getenv(key string) string
}

// problems gathers every problem so one run reports them all.
type problems setting.List

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, setting.Errorf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Problems: setting.List(p)}
}

// Read reads and checks every setting a token needs. The error, if any,
// lists every problem, each naming its setting and what to do.
func Read(s Source) (*Config, error) {
	return readSettings(s, permissions.Set{}, nil)
}

// readSettings applies the rules every door shares. fromInputs holds permissions set
// outside the permissions setting (the action's permission-* inputs);
// bad may already hold the door's own problems.
func readSettings(s Source, fromInputs permissions.Set, bad problems) (*Config, error) {
	s = hideSecrets(s, &bad)
	c := &Config{}
	c.readIssuer(s, c.readKeySource(s, &bad), &bad)
	if !c.readEnterprise(s, &bad) {
		c.readScope(s, &bad)
	}
	c.readPermissions(s, fromInputs, &bad)

	if v := s.Setting(setting.InstallationID); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad.addf("%s must be a positive number, got %s", setting.Input(setting.InstallationID), quote(v))
		}
		c.InstallationID = id
	}
	c.SkipRevoke = readBool(s, setting.SkipRevoke, &bad)
	c.readAPIURL(s, &bad)
	c.CACertificates = readCACertificates(s, &bad)
	c.Retry = readRetry(s, &bad)
	if err := bad.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// hideSecrets refuses, without showing it, a value shaped like a key or
// token in any setting but the private key (a key pasted into the wrong
// field), or holding a piece of the run's own key or JWT (a key line typed
// where the client ID belongs has the alphabet of one), and reads that
// setting as empty from then on, so no later problem quotes it, and
// nothing sends or prints it.
func hideSecrets(s Source, bad *problems) Source {
	hidden := map[setting.ID]bool{}
	pieces := &secretPieces{src: s}
	for _, id := range setting.All() {
		v := s.Setting(id)
		if slices.Contains(secretSettings[:], id) || v == "" {
			continue
		}
		if secret.Looks(v) && !(id == setting.CACertificates && onlyCertificates(v)) {
			*bad = append(*bad, secretIn(id))
		} else if of := pieces.in(v); of != 0 {
			*bad = append(*bad, SecretPieceError(setting.Input(id), of))
		} else {
			continue
		}
		hidden[id] = true
	}
	if len(hidden) == 0 {
		return s
	}
	return hidingSource{s, hidden}
}

// secretIn refuses setting id for holding what looks like a key or token,
// without showing it.
func secretIn(id setting.ID) *setting.Error {
	return setting.Errorf("%s holds what looks like a private key or token (not shown): the App's key belongs in %s only; remove it from %s and rotate the key if this log is public",
		setting.Input(id), setting.PrivateKey, id)
}

// secretSettings hold the secrets of a run. No other setting may hold a
// piece of one: each other setting, a new one included (the broker's
// identity), is checked against them without being listed anywhere; a new
// secret setting joins this list and secretPieces.in.
var secretSettings = [...]setting.ID{setting.PrivateKey, setting.JWT}

// SecretPieceIn returns the setting of s whose secret v holds a piece of
// (secret.Pieces: MinFragment characters or more, so no short honest value
// can match), or 0.
func SecretPieceIn(s Source, v string) setting.ID {
	return (&secretPieces{src: s}).in(v)
}

// secretPieces finds pieces of a run's secrets in its other settings.
type secretPieces struct {
	src Source
	jwt *secret.Pieces // learnt once, for every setting
}

// in is SecretPieceIn. The key is looked for the other way round, v's
// pieces in the key's text, so that a run learns a few windows of a short
// value rather than thousands of the key's (a tenth of the time and the
// memory): in the key as given (PEM, \n-escaped, base64 of the PEM, where
// v is also found base64-encoded: a line of the PEM it encodes) and in
// base64 of it as written (`base64 app.pem`). Not so for the JWT: it holds
// its own iss base64-encoded, and iss is the client ID.
func (p *secretPieces) in(v string) setting.ID {
	if len(v) < secret.MinFragment {
		return 0 // cannot hold a piece: nothing to learn
	}
	if key := p.src.Setting(setting.PrivateKey); key != "" {
		of := secret.NewPieces(v)
		if of.In(key) || of.In(base64.StdEncoding.EncodeToString([]byte(key))) {
			return setting.PrivateKey
		}
	}
	if jwt := p.src.Setting(setting.JWT); jwt != "" {
		if p.jwt == nil {
			p.jwt = secret.NewPieces(jwt)
		}
		if p.jwt.In(v) {
			return setting.JWT
		}
	}
	return 0
}

// SecretPieceError refuses what name names (setting.Input(id), or a
// door's own flag) for holding a piece of the secret setting of, without
// showing it.
func SecretPieceError(name any, of setting.ID) *setting.Error {
	rotate := setting.Errorf(", and rotate the key if this log is public")
	if of == setting.JWT {
		rotate = setting.Errorf("")
	}
	return setting.Errorf("%s holds a piece of %s (not shown): remove it%s", name, setting.Input(of), rotate)
}

// hidingSource reads the settings hideSecrets refused as empty.
type hidingSource struct {
	Source
	hidden map[setting.ID]bool
}

func (h hidingSource) Setting(id setting.ID) string {
	if h.hidden[id] {
		return ""
	}
	return h.Source.Setting(id)
}

func readRetry(s Source, bad *problems) Retry {
	return Retry{
		Attempts:       readInt(s, setting.RetryAttempts, defaultRetryAttempts, 1, 10, bad),
		Budget:         time.Duration(readInt(s, setting.RetrySeconds, defaultRetrySeconds, 1, 3600, bad)) * time.Second,
		RequestTimeout: time.Duration(readInt(s, setting.RequestTimeout, defaultRequestTimeoutSeconds, 1, 600, bad)) * time.Second,
		TokenReady:     time.Duration(readInt(s, setting.TokenReady, defaultTokenReadySeconds, 0, 120, bad)) * time.Second,
	}
}

// Error lists every problem found, as data; a door renders it.
type Error struct{ Problems setting.List }

func (e *Error) Error() string                { return e.Problems.Error() }
func (e *Error) Render(d setting.Door) string { return e.Problems.Render(d) }
func (e *Error) Unwrap() []error              { return e.Problems.Unwrap() }

// readIssuer reads the client ID or App ID; only a JWT signed elsewhere
// (required false) carries its issuer itself.
func (c *Config) readIssuer(s Source, required bool, bad *problems) {
	clientID, appID := s.Setting(setting.ClientID), s.Setting(setting.AppID)
	if clientID != "" && appID != "" {
		// As the official action since v3.1: client-id wins, so workflows
		// part-way through the migration keep working.
		c.Notices = append(c.Notices, setting.Errorf("%s are both set: using %s (%s is deprecated; remove it)", setting.Inputs{setting.ClientID, setting.AppID}, setting.ClientID, setting.AppID))
		appID = ""
	}
	// if chains rather than switch cases, here and below: a case's
	// condition lies outside every coverage block, so mutation testing
	// (scripts/mutation.sh) would call it untested.
	if clientID != "" {
		c.Issuer, c.IssuerSetting = clientID, setting.ClientID
		if !ghtext.IsClientID(clientID) {
			bad.addf("%s is %s, which is not a client ID (letters and digits, like Iv23liXXXXXXXXXXXXXX, from the App's settings page)", setting.Input(setting.ClientID), quote(clientID))
		}
	} else if appID != "" {
		c.Issuer, c.IssuerSetting = appID, setting.AppID
		if id, err := strconv.ParseInt(appID, 10, 64); err != nil || id <= 0 {
			var hint error = setting.Errorf("")
			if ghtext.IsClientID(appID) {
				hint = setting.Errorf(" (it looks like a client ID: pass it as %s)", setting.ClientID)
			}
			bad.addf("%s must be the App's numeric ID, got %s%s", setting.Input(setting.AppID), quote(appID), hint)
		}
	} else if required {
		bad.addf("neither %s nor %s is set: pass the App's client ID (recommended) or App ID%s", setting.ClientID, setting.AppID,
			setting.Words{Action: ", e.g. `client-id: ${{ vars.APP_CLIENT_ID }}`"})
	}
}

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

// plural picks the verb phrase for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readPermissions merges the permissions a door set one by one (the
// action's permission-* inputs) with the permissions block.
func (c *Config) readPermissions(s Source, fromInputs permissions.Set, bad *problems) {
	raw := s.Setting(setting.Permissions)
	block, err := permissions.ParseBlock(raw)
	if err != nil {
		bad.addf("%s: %s", setting.Input(setting.Permissions), err)
		return
	}
	if raw != "" && len(block) == 0 {
		bad.addf("%s is set but names no permission (an empty `{}` or only comments): to ask for every permission the installation has, leave %s out; to narrow the token, write one `name: level` per line, e.g. `contents: read`",
			setting.Input(setting.Permissions), setting.Permissions)
		return
	}
	merged, err := permissions.Merge(fromInputs, block)
	if err != nil {
		bad.addf("%s", err)
		return
	}
	forwarded, err := permissions.Validate(merged)
	if err != nil {
		bad.addf("%s: %s", setting.Permissions, err)
		return
	}
	// One notice, however many names: each is GitHub's to judge.
	switch len(forwarded) {
	case 0:
	case 1:
		c.Notices = append(c.Notices, setting.Errorf("permission %s is not in %s copy of GitHub's permission table; it is sent to GitHub as written (GitHub refuses the token if it does not know it)",
			forwarded[0], setting.Words{Action: "this action's", CLI: "app-token's"}))
	default:
		c.Notices = append(c.Notices, setting.Errorf("permissions %s are not in %s copy of GitHub's permission table; they are sent to GitHub as written (GitHub refuses the token if it does not know them)",
			setting.JoinCapped(forwarded, 0, ", "), setting.Words{Action: "this action's", CLI: "app-token's"}))
	}
	c.Permissions = merged
}

func (c *Config) readAPIURL(s Source, bad *problems) {
	u, warning, err := apiURL(s)
	if err != nil {
		bad.addf("%s", err)
		return
	}
	if warning != nil {
		c.Warnings = append(c.Warnings, warning)
	}
	c.APIURL = u
}

// apiURL reads the API URL setting, falling back to the environment's
// GITHUB_API_URL (the runner sets it) and then to GitHub.com. Its warning
// and error name where the URL came from.
func apiURL(s Source) (*url.URL, *setting.Error, *setting.Error) {
	var from any = setting.Input(setting.APIURL)
	raw := s.Setting(setting.APIURL)
	if raw == "" {
		raw = s.Getenv("GITHUB_API_URL")
		from = setting.Errorf("GITHUB_API_URL (%s is not set)", setting.APIURL)
	}
	if raw == "" {
		raw = "https://api.github.com"
	}
	u, warning, err := APIBase(raw)
	if err != nil {
		return nil, nil, setting.Errorf("%s: %s", from, err)
	}
	if warning != "" {
		return u, setting.Errorf("%s: %s", from, warning), nil
	}
	return u, nil, nil
}

// ReadPost reads what the post phase needs: skip-token-revoke, the API URL,
// the CA certificates and the retry bounds. Post must not fail on inputs the main phase already
// reported, so an invalid boolean or number takes its default; only an API
// URL that cannot be used is an error.
func ReadPost(s Source) (*Config, error) {
	var ignored problems
	c := &Config{SkipRevoke: readBool(s, setting.SkipRevoke, &ignored),
		App: App{Retry: readRetry(s, &ignored), CACertificates: readCACertificates(s, &ignored)}}
	if secret.Looks(s.Setting(setting.APIURL)) {
		return c, secretIn(setting.APIURL) // an error would quote the URL
	}
	u, _, err := apiURL(s)
	if err != nil {
		return c, err
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
	trimmed := strings.TrimSpace(raw)
	u, err = url.Parse(trimmed)
	// Its host and path are shown in messages as they are: no character
	// secret.Printable would change (a bidi override, say) is taken.
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !secret.IsPrintable(trimmed) {
		return nil, "", fmt.Errorf("%s is not an API URL like https://api.github.com or https://HOST/api/v3", quote(raw))
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback.Host(host) {
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

func readBool(s Source, id setting.ID, bad *problems) bool {
	switch v := s.Setting(id); v {
	case "", "false", "False", "FALSE":
		return false
	case "true", "True", "TRUE":
		return true
	default:
		bad.addf("%s must be true or false, got %s", setting.Input(id), quote(v))
		return false
	}
}

func readInt(s Source, id setting.ID, def, lo, hi int, bad *problems) int {
	v := s.Setting(id)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		bad.addf("%s must be a whole number from %d to %d, got %s", setting.Input(id), lo, hi, quote(v))
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
