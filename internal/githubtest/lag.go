package githubtest

import "time"

// lag emulates GitHub's replication lag: right after minting, the server
// that answers may not know the new token yet and says 401 Bad credentials
// (Octokit retries such 401s for about 5 s, octokit/auth-app.js#161).
type lag struct {
	window time.Duration // refuse for this long after minting
	calls  int           // and on this many first uses
}

// refuses reports whether a call with t at now meets the lag, and counts
// it. The caller holds s.mu.
func (l lag) refuses(t *IssuedToken, now time.Time) bool {
	used := t.Lagged
	if used < l.calls || now.Before(t.IssuedAt.Add(l.window)) {
		t.Lagged++
		return true
	}
	return false
}
