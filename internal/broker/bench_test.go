package broker_test

import (
	"testing"

	"github.com/app-token/app-token/internal/broker"
)

// BenchmarkExchange is one exchange against the in-process emulator and
// issuer (their work, over loopback HTTP, counts too): cached, the
// installation and policy remembered (a verification and a mint); uncached,
// each exchange past the cache's lifetime (a lookup, a policy read with its
// token minted and revoked, then the mint). go test -bench Exchange
// -benchmem -run '^$' ./internal/broker prints time and allocations.
func BenchmarkExchange(b *testing.B) {
	for _, bc := range []struct {
		name   string
		expire bool
	}{{"cached", false}, {"uncached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			w := newWorld(b, map[string]string{deployPath: repoPolicy})
			bearer := w.token(nil)
			if _, err := w.exchange(bearer, "octo-org/app", "deploy"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if bc.expire {
					w.clock.advance(broker.MaxCacheTTL)
				}
				if _, err := w.exchange(bearer, "octo-org/app", "deploy"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			calls := len(w.emu.Requests())
			b.ReportMetric(float64(calls)/float64(b.N+1), "github-calls/op")
		})
	}
}
