package main

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/runnertest"
)

// BenchEnv names a built binary that BenchmarkMainPhase runs instead of
// this tree's (built as the Dockerfile builds it); BenchUndeclaredEnv lists,
// comma-separated, the inputs of this tree that binary does not declare.
const (
	BenchEnv           = "APP_TOKEN_BENCH_BINARY"
	BenchUndeclaredEnv = "APP_TOKEN_BENCH_UNDECLARED"
)

// BenchmarkMainPhase runs the built binary's main phase the way the runner
// starts it, against the emulator on loopback, and reports per run: the
// process's wall time, its peak resident memory, and the API calls it made.
// The emulator is not held to the API contract here (but in the
// contract-checked case), since that check runs in this process on the
// cores the binary is timed on. BenchEnv names another build to run under
// the same harness, such as an older commit's, for a side-by-side figure.
//
//	go test -run '^$' -bench MainPhase -benchtime 50x .
func BenchmarkMainPhase(b *testing.B) {
	bin, undeclared := Binary, []string(nil)
	if other := os.Getenv(BenchEnv); other != "" {
		bin = other
		if u := os.Getenv(BenchUndeclaredEnv); u != "" {
			undeclared = strings.Split(u, ",")
		}
	}
	scoped := map[string]string{"repositories": "app, infra", "permissions": "contents: write\npull-requests: write"}
	cases := []struct {
		name     string
		with     map[string]string
		contract bool
	}{
		{"scoped", scoped, false},
		{"installation-id", map[string]string{"installation-id": "1001", "repositories": "app, infra", "permissions": "contents: write"}, false},
		// The same as scoped without the token check, to show what it costs.
		{"scoped-no-token-check", map[string]string{"repositories": "app, infra", "permissions": "contents: write\npull-requests: write", "token-ready-seconds": "0"}, false},
		// The same as scoped with the test's contract check on, to show
		// what it adds to the figures of the tests (not to the action).
		{"scoped-contract-checked", scoped, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if !c.contract {
				contract.Off(b)
			}
			emu := githubtest.New(githubtest.DefaultConfig(&AppKey.PublicKey))
			srv := httptest.NewServer(emu)
			defer srv.Close()
			with := map[string]string{"client-id": githubtest.DefaultClientID, "private-key": AppPEM}
			for k, v := range c.with {
				if !slices.Contains(undeclared, k) {
					with[k] = v
				}
			}
			step := &runnertest.Step{Binary: bin, With: with, Env: map[string]string{"GITHUB_API_URL": srv.URL}, Dir: b.TempDir(), Undeclared: undeclared}
			var wallNs, cpuNs, peakKiB, sumKiB int64
			b.ResetTimer()
			for b.Loop() {
				res, err := step.Main(context.Background())
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("run failed: %v %q", err, res.Errors)
				}
				wallNs += res.Wall.Nanoseconds()
				cpuNs += res.CPU.Nanoseconds()
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
			b.ReportMetric(float64(cpuNs)/float64(b.N)/1e6, "cpu-ms/run")
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
			b.ReportMetric(float64(sumKiB)/float64(b.N)/1024, "mean-RSS-MiB")
			b.ReportMetric(float64(calls)/float64(b.N), "token-calls/run")
			b.ReportMetric(float64(len(emu.Requests())-calls)/float64(b.N), "identity-calls/run")
		})
	}
}
