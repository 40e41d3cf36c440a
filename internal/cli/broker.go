package cli

import (
	"flag"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// brokerFlags registers --oidc-token-env for a command that can ask a
// broker (its --broker-* flags are the table's BrokerFlags).
func (a *appFlags) brokerFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.in.oidcEnv, "oidc-token-env", "", "with --broker-url: send the OIDC token the environment variable `NAME` holds (GitLab CI's id_tokens, CircleCI's CIRCLE_OIDC_TOKEN_V2, Buildkite's); without it, inside GitHub Actions, GitHub is asked for one")
}

// loadBroker completes the broker's settings from the environment and
// reports whether a broker is asked: then no App and no key are read.
// A key flag given too is refused, naming both, before anything is read.
func (a *appFlags) loadBroker(c *command) (bool, error) {
	in := a.in
	for _, id := range []setting.ID{setting.BrokerURL, setting.BrokerIdentity, setting.BrokerAudience} {
		if in.values[id] == "" {
			in.values[id] = strings.TrimSpace(c.env.Var(envVar(id)))
		}
	}
	if in.oidcEnv != "" {
		if err := checkEnvName("--oidc-token-env", in.oidcEnv); err != nil {
			return false, err
		}
	}
	if in.values[setting.BrokerURL] == "" {
		if in.oidcEnv != "" {
			return false, usagef("--oidc-token-env is set but --broker-url is not: the OIDC token is sent to a broker; set --broker-url (or $%s)", envVar(setting.BrokerURL))
		}
		return false, nil
	}
	// A key in the environment too: with a broker this machine holds none.
	for _, f := range []struct{ name, value string }{
		{"--private-key-file", a.keyFile}, {"--private-key-env", a.keyEnv}, {"--jwt-env", a.jwtEnv},
		{setting.PrivateKey.Flag() + " ($" + envVar(setting.PrivateKey) + ")", strings.TrimSpace(c.env.Var(envVar(setting.PrivateKey)))},
		{"$" + envVar(setting.KMSKey), strings.TrimSpace(c.env.Var(envVar(setting.KMSKey)))},
	} {
		if f.value != "" {
			return false, usagef("--broker-url and %s are set together: with a broker this machine holds no App key; remove %s, or remove --broker-url to mint as the App", f.name, f.name)
		}
	}
	if in.oidcEnv != "" {
		if v := strings.TrimSpace(c.env.Var(in.oidcEnv)); v == "" {
			return false, usagef("--oidc-token-env: environment variable %s %s: set it to the OIDC token your CI gives the job (docs/broker.md)", secret.Quote(in.oidcEnv), c.unset(in.oidcEnv))
		}
	}
	return true, nil
}

// readMintConfig reads a minting command's settings (readConfig), the
// variable --oidc-token-env names handed to the core with them.
func (c *command) readMintConfig(in *settings) (*config.Config, error) {
	cfg, err := c.readConfig(config.Read(in))
	if err != nil {
		return nil, err
	}
	cfg.Broker.TokenEnv = in.oidcEnv
	return cfg, nil
}
