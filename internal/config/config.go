// Package config reads a front door's settings (the action's inputs, the
// command line's flags) and the environment into a checked Config. Every
// problem a user can fix is found here, before any call to GitHub, and
// reported as a *setting.Error naming the setting by its ID: each door
// renders it in its own words (see internal/setting).
package config

import (
	"net/url"
	"strconv"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// MaxRepositories is the most repositories GitHub lets one token name.
const MaxRepositories = 500

// Config is everything the main and post phases need, checked.
type Config struct {
	// Issuer is the JWT issuer: the client ID or the App ID as given.
	Issuer string
	// IssuerSetting is the setting the issuer came from, for error messages:
	// the client ID, the App ID, or the JWT signed elsewhere.
	IssuerSetting setting.ID
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
	Warnings []*setting.Error
	// Notices are things a user may want to know, such as a permission
	// sent to GitHub as written because it is newer than the action's table.
	Notices []*setting.Error
	// APIURLSource says where APIURL came from (the setting, or the
	// environment variable GITHUB_API_URL, or the default), for warnings.
	APIURLSource string
	// Retry bounds the retrying of each API call.
	Retry Retry
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

// Error lists every problem found, as data; a door renders it.
type Error struct{ Problems setting.List }

func (e *Error) Error() string                { return e.Problems.Error() }
func (e *Error) Render(d setting.Door) string { return e.Problems.Render(d) }
func (e *Error) Unwrap() []error              { return e.Problems.Unwrap() }
