package serve

import (
	"net/http"
)

// headerBytes is the size of r's header fields as sent: each name, ": ",
// value and line break, the Host field included (net/http moves it out of
// Header). net/http's own limit (MaxHeaderBytes) reads 4 KiB past what it
// is given before it answers, so the exact bound is kept here.
func headerBytes(r *http.Request) int {
	n := 0
	if r.Host != "" {
		n += len("Host: \r\n") + len(r.Host)
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + len(": \r\n")
		}
	}
	return n
}

// limiter bounds the requests served at once. One more is refused at
// once (503), never queued: a queue would only grow while the broker is
// saturated, and the caller's retry is the better queue.
type limiter chan struct{}

func (l limiter) acquire() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l limiter) release() { <-l }
