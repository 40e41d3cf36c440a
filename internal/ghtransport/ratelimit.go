package ghtransport

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/ghapi"
)

// secondaryBackoff is GitHub's advice for a secondary rate limit that names
// no wait: at least a minute, growing on each repeat.
const secondaryBackoff = time.Minute

// rateWait is how long GitHub wants a rate-limited caller to wait, with the
// words the log shows for it.
type rateWait struct {
	wait      time.Duration
	secondary bool   // a secondary limit, which GitHub wants backed off from
	reason    string // what GitHub said, e.g. "secondary rate limit"
	plan      string // what happens next, e.g. "GitHub asks to wait 3s"
}

// rateLimited inspects a 403 or 429 answer. It reports ok=false for answers
// that are not rate limits (a suspended installation, missing permissions),
// which must not be retried. GitHub's advice is followed in its order:
// retry-after, then x-ratelimit-reset when nothing remains, then at least a
// minute for a secondary limit. secondaryHits counts the earlier secondary
// limits of this call, which double the back-off.
func rateLimited(resp *http.Response, now time.Time, secondaryHits int) (rateWait, bool) {
	rl := ghapi.ReadRateLimit(resp.Header, now)
	if rl.HasRetryAfter {
		reason := "secondary rate limit"
		if rl.Exhausted {
			reason = "rate limit exhausted"
		}
		return rateWait{rl.RetryAfter, !rl.Exhausted, reason, "GitHub asks to wait " + forLog(rl.RetryAfter)}, true
	}
	if rl.Exhausted {
		if rl.Reset.IsZero() {
			return rateWait{}, false
		}
		at := rl.Reset.UTC().Add(time.Second)
		// A reset already past by our clock means our clock is off; a short
		// pause still beats asking again at once.
		wait := max(at.Sub(now), time.Second)
		plan := fmt.Sprintf("waiting %s until it resets at %s UTC", forLog(wait), at.Format("15:04:05"))
		return rateWait{wait, false, "rate limit exhausted", plan}, true
	}
	if ghapi.Classify(resp.StatusCode, githubMessage(peekBody(resp))) == ghapi.SecondaryLimit {
		wait := secondaryBackoff << min(secondaryHits, 10)
		return rateWait{wait, true, "secondary rate limit", "backing off " + forLog(wait) + " as GitHub advises"}, true
	}
	return rateWait{}, false
}

// githubMessage returns the "message" of a GitHub error body, or the body
// itself when it is not GitHub's JSON. It is used for matching only, never
// logged.
func githubMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return string(body)
}

// forLog renders a duration the way a person reads it: 50ms, 1.3s, 1m0s.
func forLog(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
