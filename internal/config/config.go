// Package config reads a front door's settings (the action's inputs, the
// command line's flags) and the environment into a checked Config. Every
// problem a user can fix is found here, before any call to GitHub, and
// reported as a *setting.Error naming the setting by its ID: each door
// renders it in its own words (see internal/setting).
package config

import (
	"strconv"

	"github.com/app-token/app-token/internal/permissions"
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
	// Broker, when its URL is set, mints instead of the App's key.
	Broker Broker
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
	if brokered := c.readBroker(s, &bad); !brokered {
		c.readIssuer(s, c.readKeySource(s, &bad), &bad)
	}
	if c.Broker.URL != nil || !c.readEnterprise(s, &bad) {
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
