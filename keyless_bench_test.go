package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// BenchmarkMainPhaseKMS runs the built binary's main phase with the App
// key in local-kms, as BenchmarkMainPhase does with the key file, and
// counts the round trips signing costs: KMS Sign calls per run (the budget
// is one: the run's App calls share one JWT) and per App call, and with
// aws-role-to-assume the OIDC and STS calls, once per step.
//
//	go test -run '^$' -bench MainPhaseKMS -benchtime 20x .
func BenchmarkMainPhaseKMS(b *testing.B) {
	for _, role := range []bool{false, true} {
		name := "kms-key"
		if role {
			name = "kms-key+aws-role-to-assume"
		}
		b.Run(name, func(b *testing.B) {
			w := NewKMSWorld(b, "awskms:///"+KMSAlias)
			setup := func() (int, int) { return 0, 0 }
			if role {
				rw, ids, sts := RoleWorld(b, "arn:aws:iam::111122223333:role/app-token-signer")
				w = rw
				setup = func() (int, int) { return len(ids.Requests()), len(sts.Calls()) }
			}
			w.With("repositories", "app, infra", "permissions", "contents: write")
			var wallNs int64
			b.ResetTimer()
			for b.Loop() {
				res, err := w.Step.Main(context.Background())
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("run failed: %v %q", err, res.Errors)
				}
				wallNs += res.Wall.Nanoseconds()
			}
			oidc, sts := setup()
			n := float64(b.N)
			b.ReportMetric(float64(wallNs)/n/1e6, "ms/run")
			b.ReportMetric(float64(w.JWTCalls())/n, "app-jwt-calls/run")
			b.ReportMetric(float64(w.Signs())/n, "kms-sign/run")
			b.ReportMetric(float64(w.Signs())/float64(w.JWTCalls()), "kms-sign/app-call")
			b.ReportMetric(float64(oidc+sts)/n, "oidc+sts/run")
		})
	}
}

// BenchmarkKeylessHeaderFlood runs the built binary's main phase with
// kms-key and aws-role-to-assume while KMS, STS or the runner's OIDC
// endpoint sends 8 MiB of headers (TestKeylessAnswerHeadersAreBounded),
// and a clean run for comparison, and reports the phase's peak resident
// memory (exact with GNU time at /usr/bin/time): headers past 64 KiB are
// refused, so a flood costs no more memory than a clean run.
//
//	go test -run '^$' -bench KeylessHeaderFlood -benchtime 5x .
func BenchmarkKeylessHeaderFlood(b *testing.B) {
	for _, target := range []string{"", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "ACTIONS_ID_TOKEN_REQUEST_URL"} {
		name := "clean run"
		if target != "" {
			name = target
		}
		b.Run(name, func(b *testing.B) {
			w, ids, sts := RoleWorld(b, signerRole)
			handlers := map[string]http.Handler{"AWS_ENDPOINT_URL_KMS": w.Proxy, "AWS_ENDPOINT_URL_STS": sts, "ACTIONS_ID_TOKEN_REQUEST_URL": ids}
			if h := handlers[target]; h != nil {
				srv := httptest.NewServer(githubtest.FloodHeaders(h, floodHeaderBytes))
				b.Cleanup(srv.Close)
				// The same URL on the flooding server: only the origin changes.
				u, err := url.Parse(w.Step.Env[target])
				if err != nil {
					b.Fatal(err)
				}
				u.Host = srv.Listener.Addr().String()
				w.Env(target, u.String())
			}
			var wallNs, peakKiB int64
			for b.Loop() {
				res, err := w.Step.Main(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				wallNs += res.Wall.Nanoseconds()
				peakKiB = max(peakKiB, res.MaxRSSKiB)
				b.ReportMetric(float64(res.ExitCode), "exit-code")
			}
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
			b.ReportMetric(float64(wallNs)/float64(b.N)/1e6, "ms/run")
		})
	}
}
