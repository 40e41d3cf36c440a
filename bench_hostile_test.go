package main

import (
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// BenchmarkHostileAnswers runs the built binary's main phase against each of
// the oversized answers of TestOversizedAnswersAreRefused (a gzip bomb of
// 1 MiB that decompresses to 1 GiB, a 1 GiB body, an 8 MiB message), and a
// clean run for comparison, and reports the phase's peak resident memory
// (exact with GNU time at /usr/bin/time) and wall time per run. The action
// reads at most 1 MiB of any answer, so the peak should stay within 32 MiB.
//
//	go test -run '^$' -bench HostileAnswers -benchtime 5x .
func BenchmarkHostileAnswers(b *testing.B) {
	cases := append([]struct {
		name  string
		call  FaultCall
		fault func() githubtest.Fault
	}{{"clean run", FaultCall{}, nil}}, hostileAnswers...)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := NewWorld(b).With("retry-attempts", "1")
			var wallNs, peakKiB int64
			for b.Loop() {
				if c.fault != nil {
					w.Emu.AddFault(c.fault())
				}
				res := w.Main()
				if wantExit := map[bool]int{true: 0, false: 1}[c.fault == nil]; res.ExitCode != wantExit {
					b.Fatalf("exit %d, errors %q", res.ExitCode, res.Errors)
				}
				wallNs += res.Wall.Nanoseconds()
				peakKiB = max(peakKiB, res.MaxRSSKiB)
			}
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
			b.ReportMetric(float64(wallNs)/float64(b.N)/1e6, "ms/run")
		})
	}
}
