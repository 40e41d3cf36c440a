package config

import (
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// Broker is a token broker to ask instead of signing as the App: the
// job holds no key, only the identity its platform gives it.
type Broker struct {
	// URL is the broker's base URL, ending in "/"; nil: no broker.
	URL *url.URL
	// Identity names the trust policy.
	Identity string
	// Audience is the audience the runner's OIDC token is asked for.
	Audience string
	// TokenEnv, when set (the command line's --oidc-token-env), names the
	// variable holding the OIDC token, sent as given.
	TokenEnv string
}

// Scope is the broker's scope for the request, by the action's rules: one
// repository is that repository's policy (OWNER/REPO); an owner alone or
// several repositories are the owner's policy (OWNER), narrowed to the
// repositories listed (the second result).
func (r *Request) BrokerScope() (scope string, narrow []string) {
	if len(r.Repositories) == 1 {
		return r.Owner + "/" + r.Repositories[0], nil
	}
	return r.Owner, r.Repositories
}

// readBroker reads broker-url and what goes with it; it reports whether a
// broker is asked. Together with a key source, both are named and the
// step is refused before any call.
func (c *Config) readBroker(s Source, bad *problems) bool {
	raw := strings.TrimSpace(s.Setting(setting.BrokerURL))
	identity, audience := s.Setting(setting.BrokerIdentity), s.Setting(setting.BrokerAudience)
	if raw == "" {
		for _, id := range []setting.ID{setting.BrokerIdentity, setting.BrokerAudience} {
			if s.Setting(id) != "" {
				bad.addf("%s is set but %s is not: set the broker's URL, or remove %s", setting.Input(id), setting.BrokerURL, id)
			}
		}
		return false
	}
	for _, id := range []setting.ID{setting.PrivateKey, setting.JWT, setting.KMSKey, setting.ClientID, setting.AppID, setting.InstallationID, setting.Enterprise} {
		if s.Setting(id) != "" {
			bad.addf("%s are set together: with a broker the job holds no App credential and the broker chooses the installation; remove %s, or remove %s to mint as the App",
				setting.Inputs{setting.BrokerURL, id}, id, setting.BrokerURL)
		}
	}
	u, err := BrokerURL(raw)
	if err != nil {
		bad.addf("%s: %s", setting.Input(setting.BrokerURL), err)
	}
	if identity == "" {
		bad.addf("%s is empty: name the trust policy the broker applies (.github/chainguard/NAME.sts.yaml)", setting.Input(setting.BrokerIdentity))
	} else if !ghtext.IsRepo(identity) || strings.HasPrefix(identity, ".") {
		bad.addf("%s is %s, which is not a policy name (letters, digits, '.', '-' and '_')", setting.Input(setting.BrokerIdentity), quote(identity))
	}
	if audience == "" && u != nil {
		audience = u.Hostname()
	} else if audience != "" && !secret.IsPrintable(audience) {
		bad.addf("%s holds characters that cannot be shown; give the audience the broker expects", setting.Input(setting.BrokerAudience))
	}
	c.Broker = Broker{URL: u, Identity: identity, Audience: audience}
	return true
}

// BrokerURL checks a broker's base URL: https, or plain http to a loopback
// host only (the OIDC token is a bearer), no credentials, query or
// fragment. The result ends in "/".
func BrokerURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !secret.IsPrintable(raw) {
		return nil, setting.Errorf("%s is not a broker URL like https://broker.example.com", quote(raw))
	}
	// An if chain: a case's condition lies outside every coverage block
	// (scripts/mutation.sh).
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, setting.Errorf("%s must start with https://", quote(raw))
	}
	if loopback.Plain(u) {
		return nil, setting.Errorf("%s uses plain http: the OIDC token and the token would travel unencrypted; use https", quote(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawPath = ""
	return u, nil
}
