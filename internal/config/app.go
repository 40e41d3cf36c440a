package config

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
