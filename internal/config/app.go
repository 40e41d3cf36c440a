package config

// ReadAPI reads and checks only where GitHub's API is and how to retry
// (github-api-url and the retry inputs), for front doors that hold a token
// but no key: revoking one. The same rules and messages as Read apply.
func ReadAPI(r Reader) (*Config, error) {
	var bad problems
	c := &Config{}
	c.readAPIURL(r, &bad)
	c.Retry = readRetry(r, &bad)
	return c, bad.err()
}

// ReadApp reads and checks what calls made as the App itself need: ReadAPI's
// inputs, client-id or app-id, and private-key, jwt or kms-key. Front doors that list the
// App's installations, rather than mint a token, read no scope.
func ReadApp(r Reader) (*Config, error) {
	var bad problems
	c := &Config{}
	c.readIssuer(r, c.readKeySource(r, &bad), &bad)
	c.readAPIURL(r, &bad)
	c.Retry = readRetry(r, &bad)
	return c, bad.err()
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Problems: p}
}
