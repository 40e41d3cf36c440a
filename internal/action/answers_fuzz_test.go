package action

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/sethvargo/go-githubactions"
)

// fuzzStatuses are the statuses a fuzzed answer picks from: GitHub's, and
// redirects (301 leaves the API's origin, 307 loops within it).
var fuzzStatuses = []int{200, 201, 204, 301, 307, 400, 401, 403, 404, 422, 429, 500, 502}

// fuzzAnswer is one endpoint's fuzzed answer.
type fuzzAnswer struct {
	status uint8
	body   []byte
}

// fuzzGitHub answers each endpoint the main phase calls with its fuzzed
// answer, with githubtest.AuthPlaceholder in a body replaced by the
// Authorization header, so the fuzzer can echo credentials. It keeps the
// credentials it was sent, for the leak check.
type fuzzGitHub struct {
	lookup, mint, app, user fuzzAnswer

	mu    sync.Mutex
	creds []string
}

func (g *fuzzGitHub) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	auth := r.Header.Get("Authorization")
	g.mu.Lock()
	g.creds = append(g.creds, strings.TrimPrefix(auth, "Bearer "))
	g.mu.Unlock()
	a := fuzzAnswer{status: 3} // 404 elsewhere
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/installation"):
		a = g.lookup
	case strings.HasSuffix(p, "/access_tokens"):
		a = g.mint
	case p == "/app":
		a = g.app
	case strings.HasPrefix(p, "/users/"):
		a = g.user
	}
	status := fuzzStatuses[int(a.status)%len(fuzzStatuses)]
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Date": {time.Now().UTC().Format(http.TimeFormat)}}
	switch status {
	case 301:
		h.Set("Location", "https://elsewhere.example/steal")
	case 307:
		h.Set("Location", r.URL.Path)
	}
	body := bytes.ReplaceAll(a.body, []byte(githubtest.AuthPlaceholder), []byte(auth))
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func (g *fuzzGitHub) credentials() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.creds...)
}

// fuzzKey is the App key every run signs with; generating one takes a while.
var fuzzKey = sync.OnceValues(func() (string, error) {
	_, pem, err := githubtest.NewAppKey()
	return pem, err
})

// lines records each write to the log, which must be one whole line.
type lines struct{ writes []string }

func (l *lines) Write(p []byte) (int, error) {
	l.writes = append(l.writes, string(p))
	return len(p), nil
}

// allowedCommands are the workflow commands the action may issue.
var allowedCommands = map[string]bool{"add-mask": true, "error": true, "warning": true, "notice": true, "debug": true}

// FuzzAnswers runs the main phase against fuzzed answers from each endpoint
// it calls (installation lookup, mint, GET /app, the bot user), with or
// without installation-id. Whatever GitHub answers, the phase must not
// panic, must write whole single lines, issue no workflow command but its
// own kinds, set single-line outputs, a permissions output that is JSON, and
// leak neither the key nor a JWT.
//
//	go test -run '^$' -fuzz FuzzAnswers -fuzztime 2m -fuzzminimizetime 50x ./internal/action
//
// (With the default minimization of up to a minute per new input, nine
// arguments keep the workers minimizing, and the progress line stands still.)
func FuzzAnswers(f *testing.F) {
	keyPEM, err := fuzzKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, withID bool, lookupStatus uint8, lookup []byte, mintStatus uint8, mint []byte,
		appStatus uint8, app []byte, userStatus uint8, user []byte) {
		gh := &fuzzGitHub{lookup: fuzzAnswer{lookupStatus, lookup}, mint: fuzzAnswer{mintStatus, mint},
			app: fuzzAnswer{appStatus, app}, user: fuzzAnswer{userStatus, user}}
		step := &runnertest.Step{With: map[string]string{"client-id": githubtest.DefaultClientID, "private-key": keyPEM}}
		if withID {
			step.With["installation-id"] = "1001"
		}
		var log lines
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		deps := Deps{Env: env.Env{Base: gh, Sleep: func(context.Context, time.Duration) error { return nil }}}
		res, err := step.InProcess(ctx, func(ctx context.Context, a *githubactions.Action) error {
			own := githubactions.New(githubactions.WithGetenv(a.Getenv), githubactions.WithWriter(&log))
			return Main(ctx, own, deps)
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range log.writes {
			if !strings.HasSuffix(w, "\n") || strings.Count(w, "\n") != 1 || strings.Contains(w, "\r") {
				t.Errorf("a write to the log is not one line: %q", w)
			}
		}
		for _, line := range strings.Split(strings.Join(log.writes, "")+res.Stdout, "\n") {
			line = strings.TrimLeft(line, " \t\r")
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "::"), " ")
			name, _, _ = strings.Cut(name, "::")
			if strings.HasPrefix(line, "##[") || (strings.HasPrefix(line, "::") && !allowedCommands[name]) {
				t.Errorf("workflow command %q in the log", line)
			}
		}
		for what, m := range map[string]map[string]string{"output": res.Outputs, "state": res.State} {
			for k, v := range m {
				if strings.ContainsAny(v, "\r\n") {
					t.Errorf("%s %s is not one line: %q", what, k, v)
				}
			}
		}
		if p := res.Outputs["permissions"]; p != "" && !json.Valid([]byte(p)) {
			t.Errorf("permissions output is not JSON: %q", p)
		}
		res.Stdout = strings.Join(log.writes, "") + res.Stdout
		var secrets []string
		for _, l := range strings.Split(keyPEM, "\n") {
			if len(l) > 20 && !strings.HasPrefix(l, "-----") {
				secrets = append(secrets, l)
			}
		}
		for _, c := range gh.credentials() {
			if strings.HasPrefix(c, "eyJ") {
				secrets = append(secrets, c)
			}
		}
		// The token is the fuzzer's own string (it may be "a"); only the key and
		// the JWTs are looked for.
		if leaks := res.Leaks(nil, secrets...); len(leaks) > 0 {
			t.Errorf("a credential leaked in: %s", strings.Join(leaks, "; "))
		}
	})
}
