package ghtransport

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	exhausted := resp.Header.Get("X-Ratelimit-Remaining") == "0"
	if wait, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
		reason := "secondary rate limit"
		if exhausted {
			reason = "rate limit exhausted"
		}
		return rateWait{wait, !exhausted, reason, "GitHub asks to wait " + forLog(wait)}, true
	}
	if exhausted {
		reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
		if err != nil {
			return rateWait{}, false
		}
		at := time.Unix(reset, 0).UTC().Add(time.Second)
		// A reset already past by our clock means our clock is off; a short
		// pause still beats asking again at once.
		wait := max(at.Sub(now), time.Second)
		plan := fmt.Sprintf("waiting %s until it resets at %s UTC", forLog(wait), at.Format("15:04:05"))
		return rateWait{wait, false, "rate limit exhausted", plan}, true
	}
	if mentionsSecondaryLimit(githubMessage(peekBody(resp))) {
		wait := secondaryBackoff << min(secondaryHits, 10)
		return rateWait{wait, true, "secondary rate limit", "backing off " + forLog(wait) + " as GitHub advises"}, true
	}
	return rateWait{}, false
}

// retryAfter parses a Retry-After value: seconds (what GitHub sends) or an
// HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// mentionsSecondaryLimit matches GitHub's wording, including the older
// "abuse detection" one that some GitHub Enterprise Server releases still use.
func mentionsSecondaryLimit(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "secondary rate limit") || strings.Contains(msg, "abuse detection")
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
