package config

import (
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// ReadAPI reads and checks only where GitHub's API is and how to retry
// (the API URL and the retry settings), for front doors that hold a token
// but no key: revoking one. The same rules and messages as Read apply.
func ReadAPI(s Source) (*Config, error) {
	var bad problems
	s = hideSecrets(s, &bad) // an error would quote a key pasted into the URL
	c := &Config{}
	c.readAPIURL(s, &bad)
	c.Retry = readRetry(s, &bad)
	return c, bad.err()
}

// ReadApp reads and checks what calls made as the App itself need: ReadAPI's
// settings, the client ID or App ID, and the private key, JWT or KMS key. Front doors that
// list the App's installations, rather than mint a token, read no scope.
func ReadApp(s Source) (*Config, error) { return readApp(s, true) }

// ReadSigner reads what signing an App JWT needs and nothing more: ReadApp's
// settings without the API URL, for a front door that signs and calls no
// GitHub endpoint (so a plain-http GITHUB_API_URL is no concern of it).
func ReadSigner(s Source) (*Config, error) { return readApp(s, false) }

func readApp(s Source, api bool) (*Config, error) {
	var bad problems
	s = hideSecrets(s, &bad)
	c := &Config{}
	c.readIssuer(s, c.readKeySource(s, &bad), &bad)
	if api {
		c.readAPIURL(s, &bad)
	}
	c.Retry = readRetry(s, &bad)
	return c, bad.err()
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
