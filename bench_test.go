package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// BenchmarkMainPhase runs the built binary's main phase the way the runner
// starts it, against the emulator on loopback, and reports per run: the
// process's wall time, its peak resident memory, and the API calls it made.
//
//	go test -run '^$' -bench MainPhase -benchtime 50x .
func BenchmarkMainPhase(b *testing.B) {
	cases := []struct {
		name string
		with map[string]string
	}{
		{"scoped", map[string]string{"repositories": "app, infra", "permissions": "contents: write\npull-requests: write"}},
		{"installation-id", map[string]string{"installation-id": "1001", "repositories": "app, infra", "permissions": "contents: write"}},
		// The same as scoped without the token check, to show what it costs.
		{"scoped-no-token-check", map[string]string{"repositories": "app, infra", "permissions": "contents: write\npull-requests: write", "token-ready-seconds": "0"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			emu := githubtest.New(githubtest.DefaultConfig(&appKey.PublicKey))
			srv := httptest.NewServer(emu)
			defer srv.Close()
			with := map[string]string{"client-id": githubtest.DefaultClientID, "private-key": appPEM}
			for k, v := range c.with {
				with[k] = v
			}
			step := &runnertest.Step{Binary: binary, With: with, Env: map[string]string{"GITHUB_API_URL": srv.URL}, Dir: b.TempDir()}
			var wallNs, peakKiB, sumKiB int64
			b.ResetTimer()
			for b.Loop() {
				res, err := step.Main(context.Background())
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("run failed: %v %q", err, res.Errors)
				}
				wallNs += res.Wall.Nanoseconds()
				peakKiB = max(peakKiB, res.MaxRSSKiB)
				sumKiB += res.MaxRSSKiB
			}
			calls := 0
			for _, r := range emu.Requests() {
				if r.Path != "/users/"+githubtest.DefaultAppSlug+"[bot]" && r.Path != "/app" {
					calls++
				}
			}
			b.ReportMetric(float64(wallNs)/float64(b.N)/1e6, "ms/run")
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
			b.ReportMetric(float64(sumKiB)/float64(b.N)/1024, "mean-RSS-MiB")
			b.ReportMetric(float64(calls)/float64(b.N), "token-calls/run")
			b.ReportMetric(float64(len(emu.Requests())-calls)/float64(b.N), "identity-calls/run")
		})
	}
}
