package main

import (
	"context"
	"testing"
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
			w := newKMSWorld(b, "awskms:///"+kmsAlias)
			setup := func() (int, int) { return 0, 0 }
			if role {
				rw, ids, sts := roleWorld(b, "arn:aws:iam::111122223333:role/app-token-signer")
				w = rw
				setup = func() (int, int) { return len(ids.Requests()), len(sts.Calls()) }
			}
			w.with("repositories", "app, infra", "permissions", "contents: write")
			var wallNs int64
			b.ResetTimer()
			for b.Loop() {
				res, err := w.step.Main(context.Background())
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("run failed: %v %q", err, res.Errors)
				}
				wallNs += res.Wall.Nanoseconds()
			}
			oidc, sts := setup()
			n := float64(b.N)
			b.ReportMetric(float64(wallNs)/n/1e6, "ms/run")
			b.ReportMetric(float64(w.jwtCalls())/n, "app-jwt-calls/run")
			b.ReportMetric(float64(w.signs())/n, "kms-sign/run")
			b.ReportMetric(float64(w.signs())/float64(w.jwtCalls()), "kms-sign/app-call")
			b.ReportMetric(float64(oidc+sts)/n, "oidc+sts/run")
		})
	}
}
