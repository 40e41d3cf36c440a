package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
)

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
func floodInstallations(w *World) {
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/app/installations", Times: -1, Status: http.StatusOK, Body: floodPage()})
}

// cliMeasured runs the built binary as a command line under GNU time and
// returns its exit code, stdout and peak resident memory in KiB.
func (w *World) cliMeasured(args ...string) (code int, stdout string, peakKiB int64) {
	w.T.Helper()
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		w.T.Skip("GNU time (/usr/bin/time) measures the peak; apt-get install time")
	}
	rss := filepath.Join(w.T.TempDir(), "maxrss")
	cmd := exec.CommandContext(w.Ctx(), "/usr/bin/time", append([]string{"-q", "-f", "%M", "-o", rss, Binary}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + AppPEM,
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
//	go test -run '^$' -bench InstallationsFlood -benchtime 3x .
func BenchmarkInstallationsFlood(b *testing.B) {
	w := NewWorld(b)
	floodInstallations(w)
	var peakKiB int64
	for b.Loop() {
		code, _, kib := w.cliMeasured("installations", "--json")
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
		peakKiB = max(peakKiB, kib)
	}
	b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
}
