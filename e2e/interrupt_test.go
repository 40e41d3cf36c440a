package e2e_test

// Ctrl-C and the runner's signals: the first says "interrupted" in one line
// and revokes within seconds what was minted and not handed over; the
// second ends the process at once, saying until when the token stays valid.
// Each test starts the built binary, signals it at the moment the
// emulator's request log says, and times the exit from the signal.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// running is `app-token ARGS` started, its stderr read line by line as it
// comes.
type running struct {
	w      *apptest.World
	args   []string
	cmd    *exec.Cmd
	stdout bytes.Buffer
	read   chan struct{} // closed once stderr is read to its end

	mu    sync.Mutex
	lines []string
}

func start(w *apptest.World, args ...string) *running {
	w.T.Helper()
	r := &running{w: w, args: args, read: make(chan struct{})}
	r.cmd = exec.CommandContext(w.Ctx(), apptest.Binary, args...)
	r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM, "GITHUB_API_URL=" + w.Srv.URL}
	r.cmd.Stdout = &r.stdout
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		w.T.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		w.T.Fatal(err)
	}
	go func() {
		defer close(r.read)
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			r.mu.Lock()
			r.lines = append(r.lines, sc.Text())
			r.mu.Unlock()
		}
	}()
	return r
}

// stderr is what was read of stderr so far, a line an entry.
func (r *running) stderr() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// signal sends sig and returns when, and how many lines were read by then.
func (r *running) signal(sig os.Signal) (at time.Time, linesBefore int) {
	r.w.T.Helper()
	linesBefore = len(r.stderr())
	at = time.Now()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.w.T.Fatal(err)
	}
	return at, linesBefore
}

// signalWhen sends sig once cond holds (the emulator's log says the run
// is where the test wants it); the test fails if it never does.
func (r *running) signalWhen(sig os.Signal, what string, cond func() bool) (at time.Time, linesBefore int) {
	r.w.T.Helper()
	if !waitFor(cond) {
		r.w.T.Fatalf("never reached: %s", what)
	}
	return r.signal(sig)
}

// since is what stderr said after line n, less the lines written before
// the signal that may still be on their way to the reader: the note on
// plain http, a retry line of the token check (the interruption stops the
// check before it logs another).
func (r *running) since(n int) []string {
	var out []string
	for _, l := range r.stderr()[n:] {
		if strings.Contains(l, "plain http to a loopback host") || strings.HasPrefix(l, "app-token: GET ") && strings.Contains(l, "(try ") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// wait waits for the exit and returns its code and time; the output is
// held to the leak checks.
func (r *running) wait() (code int, at time.Time) {
	r.w.T.Helper()
	<-r.read
	_ = r.cmd.Wait()
	at = time.Now()
	r.w.CheckCLILeaks(r.args, r.stdout.String(), strings.Join(r.stderr(), "\n"))
	return r.cmd.ProcessState.ExitCode(), at
}

// checkRefused keeps the run in its token check, refused (401), until it
// is signalled; revocationHeld leaves every revocation unanswered.
var (
	checkRefused   = githubtest.Fault{Method: "GET", Path: apptest.CheckPath, Status: 401, Times: -1, Body: `{"message":"Bad credentials"}`}
	revocationHeld = githubtest.Fault{Method: "DELETE", Path: apptest.RevokePath, Delay: time.Hour, Times: -1}
)

// waitFor polls cond until it holds, for at most 10 s; it reports whether it did.
func waitFor(cond func() bool) bool {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

func retryLinesIn(lines []string) (n int) {
	for _, l := range lines {
		if strings.Contains(l, "(try ") {
			n++
		}
	}
	return n
}

// Ctrl-C while dispatch looks the installation up said "could not reach
// GitHub ... context canceled. Check --api-url and the proxy settings":
// it blamed the network for the user's own Ctrl-C.
func TestCtrlCDuringTheLookupSaysInterrupted(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Delay: time.Hour})
	r := start(w, "dispatch", "--repository", "octo-org/app", "--event-type", "rebuild")
	sent, before := r.signalWhen(os.Interrupt, "the lookup at the emulator", func() bool { return w.Emu.Count("GET", apptest.LookupPath) > 0 })
	code, exited := r.wait()
	after := r.since(before)
	want := "app-token dispatch: find the App's installation on octo-org: interrupted (SIGINT)"
	if code != 1 || len(after) != 1 || after[0] != want {
		t.Errorf("exit %d, stderr after the signal %q; want exit 1 and %q", code, after, want)
	}
	if said := strings.Join(after, "\n"); strings.Contains(said, "could not reach") || strings.Contains(said, "--api-url") || strings.Contains(said, "proxy") {
		t.Errorf("the interruption blames the network: %q", said)
	}
	if took := exited.Sub(sent); took > 2*time.Second || len(w.Emu.Tokens()) != 0 {
		t.Errorf("exited %v after the signal, %d tokens minted; want within 2s, none", took, len(w.Emu.Tokens()))
	}
	t.Logf("exited %v after Ctrl-C", exited.Sub(sent).Round(time.Millisecond))
}

// Ctrl-C while the new token was checked under replication lag took 11 to
// 15 s, printed a retry line for every try of the revocation (GitHub did
// not know the token yet either) and could leave the token valid. Now the
// token is revoked through the lag within seconds, silently, and one line
// says so.
func TestCtrlCDuringTheCheckRevokesWithinSeconds(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t, lagging)
	r := start(w, "token", "--owner", "octo-org", "--repositories", "app")
	sent, before := r.signalWhen(os.Interrupt, "the check meeting the lag", func() bool { return retryLinesIn(r.stderr()) > 0 })
	code, exited := r.wait()
	after := r.since(before)
	want := "app-token token: check that GitHub accepts the new token: interrupted (SIGINT); the token was revoked"
	// The revocation, through the lag too, adds no retry line.
	if code != 1 || r.stdout.Len() != 0 || !w.OnlyToken().Revoked || len(after) != 1 || after[0] != want {
		t.Errorf("exit %d, stdout %d bytes, revoked %t, stderr after the signal %q; want exit 1, the token revoked, and only %q",
			code, r.stdout.Len(), w.OnlyToken().Revoked, after, want)
	}
	if took := exited.Sub(sent); took > 4*time.Second {
		t.Errorf("exited %v after the signal; want within 4s (the emulator's lag is 1.5s)", took)
	}
	t.Logf("exited %v after Ctrl-C, %d lines after it", exited.Sub(sent).Round(time.Millisecond), len(after))
}

// A second Ctrl-C was ignored: the first one's revocation ran its course.
// Now it ends the process at once, saying until when the token it could
// not revoke stays valid.
func TestSecondCtrlCExitsAtOnce(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(checkRefused)
	w.Emu.AddFault(revocationHeld)
	r := start(w, "token", "--owner", "octo-org", "--repositories", "app")
	r.signalWhen(os.Interrupt, "the check at the emulator", func() bool { return w.Emu.Count("GET", apptest.CheckPath) > 0 })
	sent, before := r.signalWhen(os.Interrupt, "the first Ctrl-C's revocation at the emulator", func() bool { return w.Emu.Count("DELETE", apptest.RevokePath) > 0 })
	code, exited := r.wait()
	after := r.since(before)
	tok := w.OnlyToken()
	want := "app-token: interrupted again (SIGINT): stopped at once, without revoking the token: it stays valid until it expires at " + tok.ExpiresAt.UTC().Format(time.RFC3339)
	if code != 130 || len(after) != 1 || after[0] != want || tok.Revoked {
		t.Errorf("exit %d, stderr after the second signal %q, revoked %t; want exit 130 and %q", code, after, tok.Revoked, want)
	}
	if took := exited.Sub(sent); took > time.Second {
		t.Errorf("exited %v after the second signal; want at once", took)
	}
	t.Logf("exited %v after the second Ctrl-C", exited.Sub(sent).Round(time.Millisecond))
}

// The runner cancels a job with SIGINT, then SIGTERM: the main phase, in
// the container (the binary as app-token) and through the native action's
// node entry, revokes the token it minted and has not handed over, and the
// step says it was interrupted in one ::error:: line.
func TestRunnerSignalDuringMainRevokes(t *testing.T) {
	t.Parallel()
	for _, door := range []struct {
		name  string
		entry func(t testing.TB) string
	}{{"container", nil}, {"native", nativeEntry}} {
		t.Run(door.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			if door.entry != nil {
				w.Step.Binary = door.entry(t)
			}
			w.Emu.AddFault(checkRefused)
			signalled := make(chan time.Time, 1)
			w.Step.Started = func(p *os.Process) {
				go func() {
					waitFor(func() bool { return w.Emu.Count("GET", apptest.CheckPath) > 0 })
					signalled <- time.Now()
					_ = p.Signal(syscall.SIGTERM)
				}()
			}
			res := w.Main()
			exited, sent := time.Now(), <-signalled
			apptest.FailedWith(t, res, "check that GitHub accepts the new token: interrupted (SIGTERM); the token was revoked")
			if !w.OnlyToken().Revoked || res.Outputs["token"] != "" || strings.Contains(res.Log(), "DELETE") {
				t.Errorf("revoked %t, token output set %t; log:\n%s", w.OnlyToken().Revoked, res.Outputs["token"] != "", res.Log())
			}
			if took := exited.Sub(sent); took > 3*time.Second {
				t.Errorf("exited %v after SIGTERM", took)
			}
			t.Logf("exited %v after SIGTERM", exited.Sub(sent).Round(time.Millisecond))
		})
	}
}

// The first Ctrl-C's revocation is bounded by seconds, not by the retry
// settings' budget: against a GitHub that does not answer it, the command
// ends within about 5 s, saying until when the token stays valid.
func TestCtrlCRevocationIsBounded(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(checkRefused)
	w.Emu.AddFault(revocationHeld)
	r := start(w, "token", "--owner", "octo-org", "--repositories", "app")
	sent, before := r.signalWhen(os.Interrupt, "the check at the emulator", func() bool { return w.Emu.Count("GET", apptest.CheckPath) > 0 })
	code, exited := r.wait()
	after := r.since(before)
	want := "app-token token: check that GitHub accepts the new token: interrupted (SIGINT); revoking the token did not finish within 5s; it stays valid until it expires at " +
		w.OnlyToken().ExpiresAt.UTC().Format(time.RFC3339)
	if code != 1 || len(after) != 1 || after[0] != want {
		t.Errorf("exit %d, stderr after the signal %q; want exit 1 and %q", code, after, want)
	}
	if took := exited.Sub(sent); took < 4*time.Second || took > 7*time.Second || w.Emu.Count("DELETE", apptest.RevokePath) != 1 {
		t.Errorf("exited %v after the signal, %d revocations sent; want about 5s, 1", took, w.Emu.Count("DELETE", apptest.RevokePath))
	}
	t.Logf("exited %v after Ctrl-C", exited.Sub(sent).Round(time.Millisecond))
}

// The runner follows its SIGINT with SIGTERM when the step does not stop:
// the main phase then stops at once, and its one ::error:: line says until
// when the token it could not revoke stays valid.
func TestRunnerSecondSignalEndsMainAtOnce(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(checkRefused)
	w.Emu.AddFault(revocationHeld)
	signalled := make(chan time.Time, 1)
	w.Step.Started = func(p *os.Process) {
		go func() {
			waitFor(func() bool { return w.Emu.Count("GET", apptest.CheckPath) > 0 })
			_ = p.Signal(os.Interrupt)
			waitFor(func() bool { return w.Emu.Count("DELETE", apptest.RevokePath) > 0 })
			signalled <- time.Now()
			_ = p.Signal(syscall.SIGTERM)
		}()
	}
	res := w.Main()
	exited, sent := time.Now(), <-signalled
	tok := w.OnlyToken()
	want := "interrupted again (SIGTERM): stopped at once, without revoking the token: it stays valid until it expires at " + tok.ExpiresAt.UTC().Format(time.RFC3339)
	if res.ExitCode != 143 || len(res.Errors) != 1 || res.Errors[0] != want || res.Stderr != "" || tok.Revoked {
		t.Errorf("exit %d, errors %q, stderr %q, revoked %t; want exit 143 and one error %q", res.ExitCode, res.Errors, res.Stderr, tok.Revoked, want)
	}
	if took := exited.Sub(sent); took > time.Second {
		t.Errorf("exited %v after SIGTERM; want at once", took)
	}
	t.Logf("exited %v after the second signal", exited.Sub(sent).Round(time.Millisecond))
}

// Interrupted after the check passed, while the bot user was looked up:
// the step went on to set its outputs and succeed, handing a token to a
// cancelled job. Nothing is handed over once interrupted.
func TestRunnerSignalBeforeHandOverRevokes(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.BotPath, Delay: time.Hour})
	w.Step.Started = func(p *os.Process) {
		go func() {
			waitFor(func() bool {
				return w.Emu.Count("GET", apptest.CheckPath) > 0 && w.Emu.Count("GET", apptest.BotPath) > 0
			})
			time.Sleep(200 * time.Millisecond) // the check's answer is on its way
			_ = p.Signal(syscall.SIGTERM)
		}()
	}
	res := w.Main()
	apptest.FailedWith(t, res, "interrupted (SIGTERM); the token was revoked")
	if !w.OnlyToken().Revoked || len(res.Outputs) != 0 || len(apptest.UnexpectedWarnings(res)) != 0 {
		t.Errorf("revoked %t, outputs %v, warnings %q", w.OnlyToken().Revoked, res.Outputs, apptest.UnexpectedWarnings(res))
	}
}

// Ctrl-C while dispatch sends its event: the token is revoked within
// seconds, and the line says the event may have arrived all the same.
func TestCtrlCDuringTheDispatchRevokes(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	const dispatches = "/repos/octo-org/app/dispatches"
	w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: dispatches, Delay: time.Hour})
	r := start(w, "dispatch", "--repository", "octo-org/app", "--event-type", "rebuild")
	sent, before := r.signalWhen(os.Interrupt, "the event at the emulator", func() bool { return w.Emu.Count("POST", dispatches) > 0 })
	code, exited := r.wait()
	after := r.since(before)
	want := `app-token dispatch: send repository_dispatch "rebuild" to octo-org/app (GitHub may have received it: check its Actions runs): interrupted (SIGINT); the token was revoked`
	if code != 1 || len(after) != 1 || after[0] != want || !w.OnlyToken().Revoked {
		t.Errorf("exit %d, stderr after the signal %q, revoked %t; want exit 1 and %q", code, after, w.OnlyToken().Revoked, want)
	}
	if took := exited.Sub(sent); took > 2*time.Second {
		t.Errorf("exited %v after the signal", took)
	}
}

// Ctrl-C (or the runner cancelling the job) while the new token is being
// checked handed the token over unchecked, with exit 0: nobody takes it,
// and it stayed valid for the hour. Cancelled, it is revoked and the
// command fails.
func TestCLICancelledDuringTheCheckRevokes(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t, lagging)
	cmd := exec.CommandContext(w.Ctx(), apptest.Binary, "token", "--owner", "octo-org", "--repositories", "app")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM, "GITHUB_API_URL=" + w.Srv.URL}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sent := false
	for sc := bufio.NewScanner(stderr); sc.Scan(); {
		log.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), "retrying in") { // the check met the lag
			sent = true
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 || stdout.Len() != 0 || !w.OnlyToken().Revoked {
		t.Errorf("exit %d, stdout %d bytes, revoked %t; stderr:\n%s", code, stdout.Len(), w.OnlyToken().Revoked, log.String())
	}
}
