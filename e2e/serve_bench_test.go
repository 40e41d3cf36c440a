package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Load on the built broker: vegeta, the broker binary and the emulator on
// this machine's cores. Per case it prints the rate asked, what was
// answered per second, the share answered 2xx, p50 and p99 latency, the
// broker's peak resident memory (VmHWM) and the GitHub calls other than
// mints per minute of load. Rate and duration come from
// APP_TOKEN_LOAD_RATE (requests/s) and APP_TOKEN_LOAD_SECONDS.
//
//	go test -run '^$' -bench ServeLoad -benchtime 1x ./e2e
func BenchmarkServeLoad(b *testing.B) {
	rate, seconds := envInt("APP_TOKEN_LOAD_RATE", 150), envInt("APP_TOKEN_LOAD_SECONDS", 20)
	b.Run("exchange", func(b *testing.B) {
		contract.Off(b)
		bw := newBrokerWorld(b)
		tok := bw.iss.Mint(bw.iss.GitHubActions("octo-org/app").With("aud", brokerAudience))
		bw.b.secrets = append(bw.b.secrets, tok)
		target := vegeta.Target{Method: "GET", URL: bw.b.URL + "/sts/exchange?scope=octo-org/app&identity=deploy", Header: bearer(tok)}
		for range b.N {
			load(b, bw.b, bw.w, rate, seconds, vegeta.NewStaticTargeter(target))
		}
	})
	b.Run("hooks", func(b *testing.B) {
		contract.Off(b)
		w := apptest.NewWorld(b)
		hb := hookBroker(b, w)
		var n atomic.Int64
		body := []byte(`{"page": "home"}`)
		targeter := func(t *vegeta.Target) error {
			*t = vegeta.Target{Method: "POST", URL: hb.URL + "/hooks/cms-publish", Body: body,
				Header: signed(body, "load-"+strconv.FormatInt(n.Add(1), 10))}
			return nil
		}
		for range b.N {
			load(b, hb, w, rate, seconds, targeter)
		}
	})
}

// load attacks the broker at rate requests/s for seconds, and prints the
// figures.
func load(b *testing.B, rb *runningBroker, w *apptest.World, rate, seconds int, tr vegeta.Targeter) {
	b.Helper()
	before := len(w.Emu.Requests())
	atk := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.MaxWorkers(512))
	var m vegeta.Metrics
	b.ResetTimer()
	for res := range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, time.Duration(seconds)*time.Second, "load") {
		m.Add(res)
	}
	m.Close()
	b.StopTimer()
	other := 0
	for _, r := range w.Emu.Requests()[before:] {
		if !(r.Method == "POST" && strings.HasSuffix(r.Path, "/access_tokens")) {
			other++
		}
	}
	codes := fmt.Sprint(m.StatusCodes)
	b.Logf("rate %d/s for %d s: answered %.1f/s (%d requests, %.2f%% 2xx, codes %s), p50 %s, p99 %s, max %s; broker peak RSS %s; GitHub calls other than mints %.1f/min",
		rate, seconds, m.Throughput, m.Requests, m.Success*100, codes, m.Latencies.P50.Round(time.Microsecond), m.Latencies.P99.Round(time.Microsecond),
		m.Latencies.Max.Round(time.Microsecond), vmHWM(b, rb.cmd.Process.Pid), float64(other)/(float64(seconds)/60))
	b.ReportMetric(m.Throughput, "answers/s")
	b.ReportMetric(float64(m.Latencies.P99.Milliseconds()), "p99-ms")
}

// vmHWM is a process's peak resident memory, as /proc says it.
func vmHWM(b *testing.B, pid int) string {
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
