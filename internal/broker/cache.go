package broker

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// cache remembers what a lookup found, or the refusal it ended in (a
// missing policy is asked for as often as a present one), for at most ttl
// by the broker's clock, in an LRU of bounded size. The LRU also forgets in
// real time (its own clock, a little after ttl), so memory stays bounded
// when the injected clock stands still. Concurrent misses of one key share
// one load (singleflight): a burst of identical exchanges reads GitHub once.
type cache[V any] struct {
	name  Cache
	lru   *expirable.LRU[string, entry[V]]
	group singleflight.Group
	ttl   time.Duration
	now   func() time.Time
	obs   Observer
}

// entry is a remembered answer: a value, or a refusal.
type entry[V any] struct {
	val   V
	err   Error
	fail  bool
	until time.Time
}

func newCache[V any](name Cache, size int, ttl time.Duration, now func() time.Time, obs Observer) *cache[V] {
	return &cache[V]{name: name, lru: expirable.NewLRU[string, entry[V]](size, nil, ttl+time.Minute), ttl: ttl, now: now, obs: obs}
}

// lookup returns what is remembered for key while it is fresh.
func (c *cache[V]) lookup(key string) (entry[V], bool) {
	e, ok := c.lru.Get(key)
	return e, ok && c.now().Before(e.until)
}

// result is what e remembers.
func (e entry[V]) result() (V, error) {
	if e.fail {
		refusal := e.err // a copy: the caller fills in its own audit
		return e.val, &refusal
	}
	return e.val, nil
}

// get returns key's value, from memory or from load. load runs detached
// from the caller's cancellation (others may be waiting on it) within
// loadTimeout. Refusals that say something lasting about GitHub's side
// (remembered reports which) are remembered as values are; a failure to
// ask (GitHub failing, rate limits, timeouts) is not.
func (c *cache[V]) get(ctx context.Context, key string, load func(context.Context) (V, error)) (V, error) {
	if e, ok := c.lookup(key); ok {
		c.obs.CacheLookup(c.name, true)
		return e.result()
	}
	c.obs.CacheLookup(c.name, false)
	ch := c.group.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		v, err := load(lctx)
		c.remember(key, v, err)
		return v, err
	})
	select {
	case r := <-ch:
		v, _ := r.Val.(V)
		return v, copyRefusal(r.Err)
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// remember keeps a value, or a lasting refusal.
func (c *cache[V]) remember(key string, v V, err error) {
	until := c.now().Add(c.ttl)
	if err == nil {
		c.lru.Add(key, entry[V]{val: v, until: until})
		return
	}
	if refusal := (*Error)(nil); errors.As(err, &refusal) && remembered(refusal.Kind) {
		c.lru.Add(key, entry[V]{err: *refusal, fail: true, until: until})
	}
}

// remembered reports whether a refusal of kind k says something about
// GitHub's side that holds for a while (no App there, no policy, a policy
// that does not parse), rather than a failure to ask.
func remembered(k Kind) bool { return k == NoPolicy }

// copyRefusal gives each waiter of a shared load its own *Error, since
// each fills in its own audit.
func copyRefusal(err error) error {
	var refusal *Error
	if errors.As(err, &refusal) {
		c := *refusal
		return &c
	}
	return err
}
