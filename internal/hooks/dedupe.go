package hooks

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// dedupeWindow is how long a delivery is remembered: a sender's retry of
// it within the window is answered as a duplicate and fires nothing.
const dedupeWindow = 10 * time.Minute

// DefaultDedupeEntries bounds what is remembered: about 400 bytes an
// entry, so a few MiB however many deliveries arrive; past it the oldest
// is forgotten first.
const DefaultDedupeEntries = 10000

// dedupe remembers deliveries by their keys (a hook's name and the
// delivery header's value; a timed scheme's signature too) for
// dedupeWindow, in a bounded LRU. The LRU forgets in real time (its own
// clock, a minute after the window); whether an entry is still inside the
// window is decided by now, the handler's clock, so tests move time.
type dedupe struct {
	mu   sync.Mutex
	lru  *expirable.LRU[string, *delivery]
	now  func() time.Time
	size int
}

// delivery is one delivery being or having been dispatched: done closes
// when ans is set.
type delivery struct {
	at   time.Time
	done chan struct{}
	ans  answer
	keys []string
}

func newDedupe(size int, now func() time.Time) *dedupe {
	return &dedupe{lru: expirable.NewLRU[string, *delivery](size, nil, dedupeWindow+time.Minute), now: now, size: size}
}

// begin returns the delivery known by any of keys within the window, and
// false; or, when none is, a new one registered under all keys, and true:
// the caller dispatches it and calls finish.
func (c *dedupe) begin(keys []string) (*delivery, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, k := range keys {
		if d, ok := c.lru.Peek(k); ok && now.Sub(d.at) < dedupeWindow {
			return d, false
		}
	}
	d := &delivery{at: now, done: make(chan struct{}), keys: keys}
	for _, k := range keys {
		c.lru.Add(k, d)
	}
	return d, true
}

// finish records d's answer for those waiting on it. keep false forgets d
// (its dispatch failed before anything was sent, so a retry may try
// again); true keeps it for the rest of the window.
func (c *dedupe) finish(d *delivery, ans answer, keep bool) {
	if !keep {
		c.mu.Lock()
		for _, k := range d.keys {
			if cur, ok := c.lru.Peek(k); ok && cur == d {
				c.lru.Remove(k)
			}
		}
		c.mu.Unlock()
	}
	d.ans = ans
	close(d.done)
}
