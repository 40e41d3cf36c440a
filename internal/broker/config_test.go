package broker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// New refuses a broker that could not do its work, or would remember
// policies longer than the five minutes a change may take to apply.
func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	good := w.config
	for _, tc := range []struct {
		name string
		edit func(*broker.Config)
		says string
	}{
		{"no App", func(c *broker.Config) { c.App = nil }, "no App"},
		{"no verifier", func(c *broker.Config) { c.Verifier = nil }, "no OIDC verifier"},
		{"no audience", func(c *broker.Config) { c.Audience = "" }, "no audience"},
		{"cache too long", func(c *broker.Config) { c.CacheTTL = broker.MaxCacheTTL + time.Nanosecond }, "cache lifetime"},
		{"cache lifetime negative", func(c *broker.Config) { c.CacheTTL = -time.Second }, "cache lifetime"},
		{"cache size negative", func(c *broker.Config) { c.CacheSize = -1 }, "cache size"},
	} {
		cfg := good
		tc.edit(&cfg)
		if _, err := broker.New(cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: New said %v, want %q", tc.name, err, tc.says)
		}
	}
	cfg := good
	cfg.CacheTTL, cfg.CacheSize, cfg.Now, cfg.Observer = broker.MaxCacheTTL, 1, nil, nil
	if _, err := broker.New(cfg); err != nil {
		t.Errorf("the longest lifetime, a cache of one, the real clock and no observer: %v", err)
	}
}

// A cache of one entry forgets the older of two policies: a bounded LRU.
func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	other := "octo-org/app/.github/chainguard/other.sts.yaml"
	w := newWorld(t, map[string]string{deployPath: repoPolicy, other: repoPolicy}, func(c *broker.Config) { c.CacheSize = 1 })
	for _, identity := range []string{"deploy", "other", "deploy"} {
		if _, err := w.exchange(w.token(nil), "octo-org/app", identity); err != nil {
			t.Fatal(err)
		}
	}
	if reads := len(w.emu.ContentReads()); reads != 3 {
		t.Errorf("%d policy reads, want 3: the first policy forgotten for the second", reads)
	}
}
