package contract

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// LogEnv names a file to which Main appends one line per platform checked,
// for CI to sum up across test binaries (go test shows a passing binary's
// output only with -v).
const LogEnv = "APP_TOKEN_CONTRACT_LOG"

// Main runs a test binary's tests with every emulator held to the contract,
// prints what was checked per platform, and fails the binary on any
// mismatch, even one no test was told of (a server made without Start).
// Call it from TestMain: os.Exit(contract.Main(m)).
func Main(m *testing.M) int {
	if _, err := descriptions(); err != nil { // load before any test's clock runs
		fmt.Println(err)
		return 1
	}
	c := NewChecker()
	running.Store(c)
	githubtest.SetContractCheck(c.Check)
	code := m.Run()
	githubtest.SetContractCheck(nil)
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	c.Summary(os.Stdout, pkg)
	if name := os.Getenv(LogEnv); name != "" {
		if f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			c.logLines(f, pkg)
			_ = f.Close()
		}
	}
	if ms := c.Mismatches(); len(ms) > 0 {
		fmt.Printf("contract: %d exchanges broke GitHub's published description:\n", len(ms))
		for _, m := range slices.Compact(slices.Sorted(slices.Values(ms))) {
			fmt.Println("  " + m)
		}
		code = 1
	}
	return code
}

// running is the Checker of Main, which Requests counts into too.
var running atomic.Pointer[Checker]

// Requests wraps a test's own fake GitHub (a handler that answers by
// hand) so that every request a client sends it is held to platform's
// description; a mismatch fails tb. Its answers are the test's and are not
// checked: the emulator's are. Requests to the paths in own (after any
// /api/v3) are the test's own, such as where its redirects point.
func Requests(tb testing.TB, platform string, h http.Handler, own ...string) http.Handler {
	c := running.Load()
	if c == nil {
		c = NewChecker()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		p, _ := strings.CutPrefix(r.URL.Path, "/api/v3")
		if slices.Contains(own, p) {
			h.ServeHTTP(w, r)
			return
		}
		if err := c.CheckRequest(platform, r, body); err != nil {
			tb.Errorf("%v", err)
		}
		h.ServeHTTP(w, r)
	})
}

// Summary prints one line per platform: what was held to its description.
func (c *Checker) Summary(w io.Writer, pkg string) {
	counts := c.Counts()
	for _, p := range slices.Sorted(maps.Keys(counts)) {
		n := counts[p]
		fmt.Fprintf(w, "contract: %s: %s: %d requests and %d answers held to the description, %d operations; "+
			"%d answers 404 for an operation the platform lacks; skipped: %d answers not GitHub's on purpose, %d requests off contract on purpose\n",
			pkg, p, n.Requests, n.Answers, len(n.Operations), n.Absent, n.Unlike, n.Off)
	}
}

// logLines writes the machine-readable form of Summary, for .ci/run.
func (c *Checker) logLines(w io.Writer, pkg string) {
	counts := c.Counts()
	for _, p := range slices.Sorted(maps.Keys(counts)) {
		n := counts[p]
		ops := slices.Sorted(maps.Keys(n.Operations))
		for i, o := range ops {
			ops[i] = strings.ReplaceAll(o, " ", "_")
		}
		fmt.Fprintf(w, "%s %s requests=%d answers=%d absent=%d unlike=%d off=%d operations=%s\n",
			pkg, p, n.Requests, n.Answers, n.Absent, n.Unlike, n.Off, strings.Join(ops, ","))
	}
}

// Off stops holding emulators to the contract until tb ends, for a
// benchmark that times the action rather than the check: the check runs in
// this process, beside the binary being timed and on the same cores.
func Off(tb testing.TB) {
	githubtest.SetContractCheck(nil)
	if c := running.Load(); c != nil {
		tb.Cleanup(func() { githubtest.SetContractCheck(c.Check) })
	}
}
