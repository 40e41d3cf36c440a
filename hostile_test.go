package main

// Issue 8, the HTTP part: a GitHub (or whatever answers in its place) that
// redirects elsewhere, echoes credentials, sends gigabytes or speaks
// HTTP/2 to a job with GODEBUG=http2debug set. Every test runs the built
// binary as the runner does; the world's leak check looks for the key, every
// token issued and every App JWT any server here was sent.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// maxErrorLine bounds an annotation: GitHub's message is cut at 1 KiB, the
// action's own words around it take the rest.
const maxErrorLine = 1536

// recorder starts a redirect target whose JWTs the leak check looks for.
func (w *World) recorder() (*githubtest.Recorder, *httptest.Server) {
	rec := &githubtest.Recorder{}
	srv := httptest.NewServer(rec)
	w.T.Cleanup(srv.Close)
	w.Watch(rec)
	return rec, srv
}

// redirect is a fault that sends method path elsewhere with status.
func redirect(method, path string, status int, location string) githubtest.Fault {
	return githubtest.Fault{Method: method, Path: path, Status: status, Header: http.Header{"Location": {location}}}
}

// shortLines fails unless every annotation is one line of at most maxErrorLine bytes.
func shortLines(t *testing.T, res *runnertest.Result) {
	t.Helper()
	for _, msg := range slices.Concat(res.Errors, res.Warnings) {
		if len(msg) > maxErrorLine || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("annotation of %d bytes, want one line of at most %d: %.300q", len(msg), maxErrorLine, msg)
		}
	}
}

func warned(t *testing.T, res *runnertest.Result, want ...string) {
	t.Helper()
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return ContainsAll(w, want...) }) {
		t.Errorf("warnings = %q, want one with %q", res.Warnings, want)
	}
}

// A redirect that leaves the API's scheme, host or port is refused, whatever
// the call: the App JWT (signed again for every hop) or the token would go
// with it. The error says where it pointed, without the query; the target
// sees nothing; a refused lookup mints nothing.
func TestRedirectsOffTheAPIAreRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		call   FaultCall
		status int
		target func(w *World, rec *httptest.Server) (api, target string)
	}{
		{"lookup to another host", FaultCalls[0], 302, func(w *World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, strings.Replace(rec.URL, "127.0.0.1", "localhost", 1)
		}},
		{"lookup to another port", FaultCalls[0], 301, func(w *World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
		{"lookup from https to http", FaultCalls[0], 301, func(w *World, rec *httptest.Server) (string, string) {
			gh := ServeTLS(t, w)
			w.Step.Env["SSL_CERT_FILE"] = gh.CertFile
			return gh.Srv.URL, rec.URL
		}},
		{"mint to another port", FaultCalls[1], 307, func(w *World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
		{"token call to another port", FaultCalls[2], 308, func(w *World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t)
			rec, recSrv := w.recorder()
			api, target := tt.target(w, recSrv)
			w.With("github-api-url", api)
			w.Emu.AddFault(redirect(tt.call.Method, tt.call.Path, tt.status, target+"/collect?steal=1"))
			res := w.Main()
			shortLines(t, res)
			if tt.call.Fatal {
				FailedWith(t, res, tt.call.Failure, "redirect", target+"/collect", "only follows redirects within the API's origin", "github-api-url")
			} else {
				Succeeded(t, res)
				warned(t, res, tt.call.Failure, "redirect", target+"/collect")
			}
			if got := strings.Join(slices.Concat(res.Errors, res.Warnings), " "); strings.Contains(got, "steal=1") {
				t.Errorf("the redirect's query reached the log: %q", got)
			}
			if n := len(rec.Requests()); n != 0 {
				t.Errorf("the redirect target got %d requests, with %q", n, rec.Authorizations())
			}
			if tt.call.Path == LookupPath && len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted after the lookup was refused")
			}
		})
	}
}

// Within the API's origin, GitHub's redirects for a renamed repository are
// followed: 301 on the lookup, 307 on the mint with its body intact, on the
// token's own calls too. A 302 on the mint would become a bodiless GET, so
// it is refused; so is a fourth redirect in a row.
func TestRedirectsWithinTheAPI(t *testing.T) {
	t.Parallel()
	t.Run("301 on the lookup is followed", func(t *testing.T) {
		w := NewWorld(t)
		w.Emu.AddFault(redirect("GET", LookupPath, 301, w.Srv.URL+LookupPath+"?renamed=1"))
		Succeeded(t, w.Main())
		if got := w.Emu.Count("GET", LookupPath); got != 2 {
			t.Errorf("GitHub saw %d lookups, want 2", got)
		}
		w.OnlyToken()
	})
	t.Run("307 on the mint is followed with its body", func(t *testing.T) {
		w := NewWorld(t).With("permissions", "contents: read")
		w.Emu.AddFault(redirect("POST", MintPath, 307, MintPath))
		res := w.Main()
		Succeeded(t, res)
		var bodies []string
		for _, r := range w.Emu.Requests() {
			if r.Path == MintPath {
				bodies = append(bodies, r.Method+" "+string(r.Body))
			}
		}
		if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], `"contents":"read"`) {
			t.Errorf("mint requests %q, want the same POST twice", bodies)
		}
		if tok := w.OnlyToken(); tok.Permissions["contents"] != "read" || res.Outputs["token"] != tok.Token {
			t.Errorf("token %+v", tok)
		}
	})
	t.Run("301 on a token call is followed", func(t *testing.T) {
		w := NewWorld(t)
		w.Emu.AddFault(redirect("GET", BotPath, 301, BotPath))
		res := w.Main()
		Succeeded(t, res)
		if res.Outputs["bot-user-id"] != fmt.Sprint(githubtest.DefaultBotUserID) {
			t.Errorf("bot-user-id = %q", res.Outputs["bot-user-id"])
		}
	})
	t.Run("302 on the mint is refused", func(t *testing.T) {
		w := NewWorld(t)
		w.Emu.AddFault(redirect("POST", MintPath, 302, MintPath))
		res := w.Main()
		FailedWith(t, res, "mint a token for installation 1001", "was a 302 redirect", "only 307 and 308")
		shortLines(t, res)
		if got := w.Emu.Count("GET", MintPath); got != 0 || len(w.Emu.Tokens()) != 0 {
			t.Errorf("GitHub saw %d GETs of the mint path, issued %d tokens", got, len(w.Emu.Tokens()))
		}
	})
	t.Run("a fourth redirect is refused", func(t *testing.T) {
		w := NewWorld(t)
		f := redirect("GET", LookupPath, 301, LookupPath)
		f.Times = -1
		w.Emu.AddFault(f)
		res := w.Main()
		FailedWith(t, res, "find the App's installation on octo-org", "redirected more than 3 times")
		if got := w.Emu.Count("GET", LookupPath); got != 4 {
			t.Errorf("GitHub saw %d lookups, want 4 (3 redirects followed)", got)
		}
	})
}

// A server that echoes the Authorization header it was sent, in GitHub's
// JSON message or in plain text, on the App's calls and the token's, gets
// no credential into the log, an annotation, an output or the summary, and
// the annotation stays short.
func TestEchoedCredentialsStayHidden(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"json":  `{"message":"Bad credentials: ` + githubtest.AuthPlaceholder + `","documentation_url":"https://docs.github.com/rest"}`,
		"plain": "you sent " + githubtest.AuthPlaceholder + "\n::error::forged",
	}
	for _, c := range FaultCalls[:3] {
		for _, status := range []int{401, 403, 422, 500} {
			for kind, body := range bodies {
				for _, long := range []bool{false, true} {
					if long && c.Path != BotPath {
						continue
					}
					name := fmt.Sprintf("%s/%d/%s", c.Name, status, kind)
					if long {
						name += "/long token"
					}
					t.Run(name, func(t *testing.T) {
						w := NewWorld(t, func(cfg *githubtest.Config) { cfg.LongTokens = long }).With("retry-attempts", "1")
						w.Emu.AddFault(githubtest.Fault{Method: c.Method, Path: c.Path, Times: -1, Status: status, Body: body})
						res := w.Main()
						if len(w.Emu.JWTs()) == 0 {
							t.Fatal("no App JWT reached the emulator")
						}
						shortLines(t, res)
						if c.Fatal {
							FailedWith(t, res, c.Failure, fmt.Sprint(status))
						} else {
							Succeeded(t, res)
							warned(t, res, c.Failure, fmt.Sprint(status))
						}
						CheckNoForgedCommands(t, res, w.Secrets, w.Emu.Tokens())
					})
				}
			}
		}
	}
}

// An "API" whose status line is the credential it was sent makes Go's
// error quote it; neither the error, nor the retry log line, nor the post
// phase's warning shows it.
func TestMalformedStatusLineKeepsTheCredential(t *testing.T) {
	t.Parallel()
	api, err := githubtest.StartMalformedAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	w := NewWorld(t).With("github-api-url", api.URL(), "retry-attempts", "2")
	w.Watch(api)
	res := w.Main()
	FailedWith(t, res, "find the App's installation on octo-org", "malformed HTTP status code")
	shortLines(t, res)
	if len(RetryLines(res, "GET", LookupPath)) != 1 || len(api.JWTs()) == 0 {
		t.Errorf("want one retry, with a JWT sent; log:\n%s", res.Log())
	}
	const token = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"
	w.Secrets = append(w.Secrets, token)
	post := w.Post(map[string]string{"token": token, "expires-at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	Succeeded(t, post)
	warned(t, post, "could not revoke the token", "malformed HTTP status code")
	shortLines(t, post)
}

// hugeMessage is a GitHub error whose message is 8 MiB long.
var hugeMessage = sync.OnceValue(func() string {
	return `{"message":"` + strings.Repeat("Bad credentials. ", 8<<20/17) + `"}`
})

// Answers past 1 MiB once decompressed (a gzip bomb, a gigabyte of text,
// an 8 MiB message), on a success or an error, fail the step within
// seconds with one short line that says so. BenchmarkHostileAnswers
// measures the memory the same answers take.
func TestOversizedAnswersAreRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileAnswers {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With("retry-attempts", "1")
			w.Emu.AddFault(tt.fault())
			res := w.Main()
			FailedWith(t, res, tt.call.Failure, "GitHub's answer to "+tt.call.Method+" "+tt.call.Path+" is larger than 1 MiB once decompressed")
			shortLines(t, res)
			if res.Wall > 10*time.Second {
				t.Errorf("took %v", res.Wall)
			}
		})
	}
}

// hostileAnswers are the oversized answers, shared with the benchmark.
var hostileAnswers = []struct {
	name  string
	call  FaultCall
	fault func() githubtest.Fault
}{
	{"gzip bomb on a success", FaultCalls[0], func() githubtest.Fault {
		return githubtest.Fault{Method: "GET", Path: LookupPath, Status: 200, GzipBomb: true}
	}},
	{"gzip bomb on an error", FaultCalls[1], func() githubtest.Fault {
		return githubtest.Fault{Method: "POST", Path: MintPath, Status: 422, GzipBomb: true}
	}},
	{"1 GiB plain error body", FaultCalls[0], func() githubtest.Fault {
		return githubtest.Fault{Method: "GET", Path: LookupPath, Status: 502, Body: "<html>Bad gateway</html>\n", BodyBytes: 1 << 30}
	}},
	{"8 MiB JSON error message", FaultCalls[1], func() githubtest.Fault {
		return githubtest.Fault{Method: "POST", Path: MintPath, Status: 403, Body: hugeMessage()}
	}},
}

// GODEBUG=http2debug=2 in the job's environment makes Go's HTTP/2 code
// print every request header to stderr. Against a GitHub that offers h2,
// both phases speak HTTP/1.1, succeed, and stderr stays empty.
func TestHTTP2DebugPrintsNoCredentials(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	var mu sync.Mutex
	protos := map[string]int{}
	gh := ServeTLSWith(t, w, func(srv *httptest.Server) {
		srv.EnableHTTP2 = true
		srv.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			protos[r.Proto]++
			mu.Unlock()
			w.Emu.ServeHTTP(rw, r)
		})
	})
	// The server really offers HTTP/2: a client that takes it gets it.
	if resp, err := gh.Srv.Client().Get(gh.Srv.URL + "/app"); err != nil || resp.ProtoMajor != 2 {
		t.Fatalf("the emulator does not offer HTTP/2: %v", err)
	} else {
		resp.Body.Close()
	}
	w.With("github-api-url", gh.Srv.URL)
	w.Step.Env["SSL_CERT_FILE"] = gh.CertFile
	for _, v := range []string{"http2debug=2", "http2debug=1,http2client=1"} {
		t.Run(v, func(t *testing.T) {
			w.Step.Env["GODEBUG"] = v
			res := w.Main()
			Succeeded(t, res)
			post := w.Post(res.State)
			Succeeded(t, post)
			for _, r := range []*runnertest.Result{res, post} {
				if r.Stderr != "" {
					t.Errorf("stderr is not empty: %.500q", r.Stderr)
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if protos["HTTP/2.0"] != 1 || protos["HTTP/1.1"] == 0 {
		t.Errorf("requests by protocol %v; want the action's all HTTP/1.1", protos)
	}
}
