package ghtransport

import "time"

// Policy bounds the retrying of one API call. The zero value is a sensible
// policy for a release pipeline: up to 4 tries within a minute. These are
// the package's own defaults for callers that set no policy; the action
// always sets MaxTries, MaxElapsed and TryTimeout from its inputs, whose
// defaults internal/config declares.
type Policy struct {
	// MaxTries counts attempts including the first; 0 means 4.
	MaxTries int
	// MaxElapsed is the budget for the whole call including waits; 0 means
	// 60s. A wait that would not end before the budget runs out is not
	// started: the last answer is returned at once instead.
	MaxElapsed time.Duration
	// TryTimeout bounds one attempt (a hanging GitHub); 0 means 20s. It
	// covers reading the answer's body too.
	TryTimeout time.Duration
	// BaseDelay is the first backoff; 0 means 1s. It doubles each retry, is
	// capped at MaxDelay and then fully jittered (a uniform pick in [0, d)).
	BaseDelay time.Duration
	// MaxDelay caps one backoff; 0 means 15s.
	MaxDelay time.Duration
	// Lag retries 401 answers, for a freshly minted token that has not yet
	// reached every GitHub server; the zero value never retries a 401.
	Lag Lag
}

// Lag is the retrying of a new token's 401 answers (GitHub's replication
// lag), on a bound of its own: those retries count against neither
// MaxTries nor MaxElapsed, which keep bounding every other failure of the
// call, so a young token's revocation that meets a 502 is tried
// retry-attempts times, not as often as the lag allows.
type Lag struct {
	// Tries is how many 401 answers may be retried; 0 retries none.
	Tries int
	// Within bounds them in time: a 401 is retried only when the wait ends
	// within Within of the call's start; 0 means MaxElapsed.
	Within time.Duration
	// BaseDelay and MaxDelay shape their backoff as Policy's shape the
	// others' (doubled, capped, jittered); 0 means Policy's.
	BaseDelay, MaxDelay time.Duration
}

// withDefaults fills the zero fields with the documented defaults.
func (p Policy) withDefaults() Policy {
	if p.MaxTries <= 0 {
		p.MaxTries = 4
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 60 * time.Second
	}
	if p.TryTimeout <= 0 {
		p.TryTimeout = 20 * time.Second
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 15 * time.Second
	}
	if p.Lag.Tries < 0 {
		p.Lag.Tries = 0
	}
	if p.Lag.Within <= 0 {
		p.Lag.Within = p.MaxElapsed
	}
	if p.Lag.BaseDelay <= 0 {
		p.Lag.BaseDelay = p.BaseDelay
	}
	if p.Lag.MaxDelay <= 0 {
		p.Lag.MaxDelay = p.MaxDelay
	}
	return p
}

// budget is how long the whole call may run: the longer of the two bounds.
func (p Policy) budget() time.Duration {
	if p.Lag.Tries > 0 {
		return max(p.MaxElapsed, p.Lag.Within)
	}
	return p.MaxElapsed
}

// backoff is the jittered delay before retry n (1, 2, ...) of one kind,
// given a jitter in [0, 1): base, doubled each retry, capped at most.
func backoff(base, most time.Duration, n int, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	return time.Duration(jitter * float64(d))
}
