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
	// Unauthorized is how many of the tries may repeat a 401 answer, for a
	// freshly minted token that has not yet reached every GitHub server;
	// 0 never retries a 401. MaxTries and MaxElapsed still bound the call.
	Unauthorized int
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
	if p.Unauthorized < 0 {
		p.Unauthorized = 0
	}
	return p
}

// backoff is the jittered delay before try next (2, 3, ...), given a
// jitter in [0, 1).
func (p Policy) backoff(next int, jitter float64) time.Duration {
	d := p.BaseDelay
	for i := 2; i < next && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	return time.Duration(jitter * float64(d))
}
