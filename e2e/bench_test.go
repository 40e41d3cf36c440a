package e2e_test

// Benchmarks of the built binary: figures, not a pass or a fail
// (docs/performance.md and docs/security-model.md quote them). Each runs
// alone: go test -run '^$' -bench NAME -benchtime Nx ./e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/ghtransport"
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
//	go test -run '^$' -bench MainPhase -benchtime 50x ./e2e
func BenchmarkMainPhase(b *testing.B) {
	bin, undeclared := apptest.Binary, []string(nil)
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
			emu := githubtest.New(githubtest.DefaultConfig(&apptest.AppKey.PublicKey))
			srv := httptest.NewServer(emu)
			defer srv.Close()
			with := map[string]string{"client-id": githubtest.DefaultClientID, "private-key": apptest.AppPEM}
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

// BenchmarkMainPhaseKMS runs the built binary's main phase with the App
// key in local-kms, as BenchmarkMainPhase does with the key file, and
// counts the round trips signing costs: KMS Sign calls per run (the budget
// is one: the run's App calls share one JWT) and per App call, and with
// aws-role-to-assume the OIDC and STS calls, once per step.
//
//	go test -run '^$' -bench MainPhaseKMS -benchtime 20x ./e2e
func BenchmarkMainPhaseKMS(b *testing.B) {
	for _, role := range []bool{false, true} {
		name := "kms-key"
		if role {
			name = "kms-key+aws-role-to-assume"
		}
		b.Run(name, func(b *testing.B) {
			w := apptest.NewKMSWorld(b, "awskms:///"+apptest.KMSAlias)
			setup := func() (int, int) { return 0, 0 }
			if role {
				rw, ids, sts := apptest.RoleWorld(b, "arn:aws:iam::111122223333:role/app-token-signer")
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
//	go test -run '^$' -bench KeylessHeaderFlood -benchtime 5x ./e2e
func BenchmarkKeylessHeaderFlood(b *testing.B) {
	for _, target := range []string{"", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "ACTIONS_ID_TOKEN_REQUEST_URL"} {
		name := "clean run"
		if target != "" {
			name = target
		}
		b.Run(name, func(b *testing.B) {
			w, ids, sts := apptest.RoleWorld(b, signerRole)
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

// BenchmarkHostileAnswers runs the built binary's main phase against each of
// the oversized answers of TestOversizedAnswersAreRefused (a gzip bomb of
// 1 MiB that decompresses to 1 GiB, a 1 GiB body, an 8 MiB message), and a
// clean run for comparison, and reports the phase's peak resident memory
// (exact with GNU time at /usr/bin/time) and wall time per run. The action
// reads at most 1 MiB of any answer, so the peak should stay within 32 MiB.
//
//	go test -run '^$' -bench HostileAnswers -benchtime 5x ./e2e
func BenchmarkHostileAnswers(b *testing.B) {
	cases := append([]struct {
		name  string
		call  apptest.FaultCall
		fault func() githubtest.Fault
	}{{"clean run", apptest.FaultCall{}, nil}}, hostileAnswers...)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := apptest.NewWorld(b).With("retry-attempts", "1")
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

// floodPage is a page of 100 installations of just under 1 MiB (the most
// any answer may be): each with a 10,000-character login and a long
// repository selection, as a hostile server would send to make a client
// that keeps everything hold 100 MiB over 100 pages.
var floodPage = sync.OnceValue(func() string {
	entry := `{"id":1,"account":{"login":"` + strings.Repeat("a", 7000) + `","type":"Organization"},"repository_selection":"` +
		strings.Repeat("s", 3000) + `","permissions":{"contents":"read"}}`
	page := "[" + strings.Repeat(entry+",", 99) + entry + "]"
	if len(page) > ghtransport.MaxAnswer {
		panic("flood page over MaxAnswer")
	}
	return page
})

// floodInstallations makes every page of GET /app/installations a full
// flood page, so the listing reads pages until its bound.
func floodInstallations(w *apptest.World) {
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/app/installations", Times: -1, Status: http.StatusOK, Body: floodPage()})
}

// cliMeasured runs the built binary as a command line under GNU time and
// returns its exit code, stdout and peak resident memory in KiB.
func cliMeasured(w *apptest.World, args ...string) (code int, stdout string, peakKiB int64) {
	w.T.Helper()
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		w.T.Skip("GNU time (/usr/bin/time) measures the peak; apt-get install time")
	}
	rss := filepath.Join(w.T.TempDir(), "maxrss")
	cmd := exec.CommandContext(w.Ctx(), "/usr/bin/time", append([]string{"-q", "-f", "%M", "-o", rss, apptest.Binary}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM,
		"GITHUB_API_URL=" + w.Srv.URL,
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run()
	kib, err := os.ReadFile(rss)
	if err != nil {
		w.T.Fatal(err)
	}
	peakKiB, _ = strconv.ParseInt(strings.TrimSpace(string(kib)), 10, 64)
	return cmd.ProcessState.ExitCode(), out.String(), peakKiB
}

// BenchmarkInstallationsFlood runs `app-token installations` against a
// server that sends 100 pages of ~1 MiB each, and reports the command's
// peak resident memory: the listing keeps a bounded amount
// (docs/cli.md), so it stays within 32 MiB whatever the server sends.
//
//	go test -run '^$' -bench InstallationsFlood -benchtime 3x ./e2e
func BenchmarkInstallationsFlood(b *testing.B) {
	w := apptest.NewWorld(b)
	floodInstallations(w)
	var peakKiB int64
	for b.Loop() {
		code, _, kib := cliMeasured(w, "installations", "--json")
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
		peakKiB = max(peakKiB, kib)
	}
	b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
}

// BenchmarkFloodedInputs reports, for each flooded input through the action
// run as the runner runs it, the longest line it printed and its peak
// resident memory.
//
//	go test -run '^$' -bench FloodedInputs -benchtime 3x ./e2e
func BenchmarkFloodedInputs(b *testing.B) {
	for _, tc := range floodInputs {
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			w := apptest.NewWorld(b).With("owner", "octocat", tc.input, tc.value)
			var longest int
			var peakKiB int64
			for b.Loop() {
				res := w.Main()
				longest = max(longest, longestLine(res.Stdout+res.Stderr))
				peakKiB = max(peakKiB, res.MaxRSSKiB)
			}
			b.ReportMetric(float64(longest), "longest-line-bytes")
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
		})
	}
}
