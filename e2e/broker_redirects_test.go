package e2e_test

// The job's OIDC token goes to the broker's origin only, through every
// door (the action's container entry, the native node entry, the command
// line), against the project's own `app-token serve`: a redirect to
// another origin is refused before the bearer leaves, the broker's and
// the runner's OIDC token endpoint's alike; redirects within the
// broker's origin, up to three, are followed; plain http to the runner's
// endpoint off loopback is never sent.

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// relay is a loopback listener in front of a broker: it records every
// request (method, path, Authorization), answers it with a redirect when
// redirect names a Location, and else passes it on to the broker.
type relay struct {
	URL      string
	redirect func(r *http.Request) string
	status   int
	proxy    *httputil.ReverseProxy

	mu    sync.Mutex
	calls []string
	auths []string
}

func startRelay(t *testing.T, broker string, status int, redirect func(*http.Request) string) *relay {
	t.Helper()
	u, err := url.Parse(broker)
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{redirect: redirect, status: status, proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rl.mu.Lock()
	rl.calls = append(rl.calls, r.Method+" "+r.URL.Path)
	if a := r.Header.Get("Authorization"); a != "" {
		rl.auths = append(rl.auths, a)
	}
	rl.mu.Unlock()
	if to := rl.redirect(r); to != "" {
		http.Redirect(w, r, to, rl.status)
		return
	}
	r.URL.Path = strings.ReplaceAll(r.URL.Path, "/again", "")
	r.URL.RawPath = ""
	rl.proxy.ServeHTTP(w, r)
}

// seen is what reached the relay: "METHOD /path" each, and the
// Authorization headers that came with them.
func (rl *relay) seen() (calls, auths []string) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return append([]string(nil), rl.calls...), append([]string(nil), rl.auths...)
}

// brokerAsk is how a door asks: the broker's URL it is given, whether the
// grant is narrowed (a POST to /token) or not (octo-sts's GET), and, with
// runner set, the job's OIDC token is asked of the runner (the command
// line as inside GitHub Actions) at the URL runner makes of the
// endpoint's.
type brokerAsk struct {
	url    string
	narrow bool
	runner func(endpoint string) string
}

// brokerDoor asks the broker through one door. It returns the door's one
// error line ("" on success) and the token it handed over; a failure must
// have written no output and no state.
type brokerDoor struct {
	name string
	ask  func(t *testing.T, bw *brokerWorld, a brokerAsk) (errLine, token string)
}

// jobAsksBrokerAt is jobAsksBroker with the broker at a.url and the
// runner's endpoint as a.runner makes it.
func (bw *brokerWorld) jobAsksBrokerAt(t *testing.T, a brokerAsk) {
	bw.jobAsksBroker(t)
	bw.w.With("broker-url", a.url)
	if a.runner != nil {
		bw.w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"] = a.runner(bw.w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"])
	}
}

func actionBrokerDoor(name string, entry func(*apptest.World) *apptest.World) brokerDoor {
	return brokerDoor{name, func(t *testing.T, bw *brokerWorld, a brokerAsk) (string, string) {
		t.Helper()
		bw.jobAsksBrokerAt(t, a)
		if a.narrow {
			bw.w.With("permission-contents", "write")
		}
		res := entry(bw.w).Main()
		line := oneError(t, res)
		if line != "" && (len(res.Outputs) != 0 || len(res.State) != 0) {
			t.Errorf("a failed step wrote outputs %v, state %v", keys(res.Outputs), keys(res.State))
		}
		return line, res.Outputs["token"]
	}}
}

var brokerDoors = []brokerDoor{
	actionBrokerDoor("container", func(w *apptest.World) *apptest.World { return w }),
	actionBrokerDoor("native", native),
	{"command line", func(t *testing.T, bw *brokerWorld, a brokerAsk) (string, string) {
		t.Helper()
		args := []string{"token", "--broker-url", a.url, "--broker-identity", "deploy", "--repositories", "octo-org/app"}
		env := []string{"APP_TOKEN_CLIENT_ID", "APP_TOKEN_PRIVATE_KEY"}
		if a.runner != nil {
			bw.jobAsksBrokerAt(t, a)
			args = append(args, "--broker-audience", brokerAudience)
			for _, name := range []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "HTTP_PROXY"} {
				if v, ok := bw.w.Step.Env[name]; ok {
					env = append(env, name+"="+v)
				}
			}
		} else {
			oidc := bw.oidc("octo-org/app")
			bw.w.Secrets = append(bw.w.Secrets, oidc[strings.LastIndex(oidc, ".")+1:])
			args = append(args, "--oidc-token-env", "CI_ID_TOKEN")
			env = append(env, "CI_ID_TOKEN="+oidc)
		}
		if a.narrow {
			args = append(args, "--permissions", "contents: write")
		}
		code, stdout, stderr := bw.w.CLI("", env, args...)
		return cliErrorLine(t, args[0], code, stdout, stderr), strings.TrimSpace(stdout)
	}},
}

// The broker answers the exchange with a redirect to another origin (the
// same host, another port: Go would keep the Authorization header on
// that hop): the door fails with one line naming the broker's setting and
// the other origin, which is sent nothing, not even without the bearer,
// and GitHub grants nothing. The other origin passes what reaches it on
// to the broker, so a door that followed would get a token.
func TestBrokerRedirectOffOriginRefused(t *testing.T) {
	t.Parallel()
	for _, door := range brokerDoors {
		for _, tc := range []struct {
			how    string
			narrow bool
			status int
		}{{"302 on the GET", false, http.StatusFound}, {"307 on the POST", true, http.StatusTemporaryRedirect}} {
			t.Run(door.name+", "+tc.how, func(t *testing.T) {
				t.Parallel()
				bw := newBrokerWorld(t)
				other := startRelay(t, bw.b.URL, 0, func(*http.Request) string { return "" })
				front := startRelay(t, bw.b.URL, tc.status, func(r *http.Request) string { return other.URL + r.URL.RequestURI() })
				line, token := door.ask(t, bw, brokerAsk{url: front.URL, narrow: tc.narrow})
				if !apptest.ContainsAll(line, "broker-url: the broker redirected to another origin ("+other.URL+"), where the bearer token is never sent") {
					t.Errorf("error %q, want the broker's redirect to %s refused", line, other.URL)
				}
				if calls, auths := other.seen(); len(calls) != 0 || len(auths) != 0 {
					t.Errorf("the other origin got %q, with %d Authorization headers", calls, len(auths))
				}
				if calls, _ := front.seen(); len(calls) != 1 {
					t.Errorf("the broker's origin got %q, want the one exchange", calls)
				}
				if token != "" || len(bw.granted()) != 0 {
					t.Errorf("a token was handed over (%t) or GitHub granted %d", token != "", len(bw.granted()))
				}
			})
		}
	}
}

// Within the broker's origin, three redirects in a row (the bound) are
// followed, the bearer and a POST's body kept: the door gets the
// policy's token.
func TestBrokerRedirectWithinOriginFollowed(t *testing.T) {
	t.Parallel()
	for _, door := range brokerDoors {
		for _, tc := range []struct {
			how, last string
			narrow    bool
			status    int
		}{{"302s on the GET", "GET /again/again/again/sts/exchange", false, http.StatusFound}, {"307s on the POST", "POST /again/again/again/token", true, http.StatusTemporaryRedirect}} {
			t.Run(door.name+", "+tc.how, func(t *testing.T) {
				t.Parallel()
				bw := newBrokerWorld(t)
				front := startRelay(t, bw.b.URL, tc.status, func(r *http.Request) string {
					if strings.Count(r.URL.Path, "/again") < 3 {
						return "/again" + r.URL.RequestURI()
					}
					return ""
				})
				line, token := door.ask(t, bw, brokerAsk{url: front.URL, narrow: tc.narrow})
				if line != "" {
					t.Fatalf("error %q, want the redirects followed", line)
				}
				calls, auths := front.seen()
				if len(calls) != 4 || calls[3] != tc.last || len(auths) != 4 {
					t.Errorf("the broker's origin got %q with %d bearers, want 4 requests ending in %q", calls, len(auths), tc.last)
				}
				g := bw.granted()
				if len(g) != 1 || token != g[0].Token {
					t.Fatalf("GitHub granted %d tokens; want one, the one handed over", len(g))
				}
				if tc.narrow && (len(g[0].Permissions) != 1 || g[0].Permissions["contents"] != "write") {
					t.Errorf("the narrowed grant is %v, want contents: write", g[0].Permissions)
				}
			})
		}
	}
}

// The runner's OIDC token endpoint's request token is a bearer too: an
// endpoint that redirects to another origin, or that is named by a host
// that is not loopback over plain http (HTTP_PROXY records, and would
// pass on to the real endpoint, what a door sent), is sent nothing
// further. The door fails with one line saying why, before the broker is
// asked.
func TestBrokerRunnerEndpointOnlyWhereSent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// endpoint makes the URL the job is given of the runner's, and
		// returns the error wanted and what got past the check.
		endpoint func(t *testing.T, bw *brokerWorld, runner string) (job, want string, past func() []string)
	}{
		{"redirect off its origin", func(t *testing.T, bw *brokerWorld, runner string) (string, string, func() []string) {
			u, err := url.Parse(runner)
			if err != nil {
				t.Fatal(err)
			}
			ids := u.Scheme + "://" + u.Host
			other := startRelay(t, ids, 0, func(*http.Request) string { return "" })
			front := startRelay(t, ids, http.StatusTemporaryRedirect, func(r *http.Request) string { return other.URL + r.URL.RequestURI() })
			want := "broker-url: the runner's OIDC token endpoint redirected to another origin (" + other.URL + "), where the bearer token is never sent"
			return front.URL + u.RequestURI(), want, func() []string { calls, _ := other.seen(); return calls }
		}},
		{"plain http off loopback", func(t *testing.T, bw *brokerWorld, runner string) (string, string, func() []string) {
			proxy := &githubtest.PlainProxy{}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			bw.w.Step.Env["HTTP_PROXY"] = srv.URL
			want := "broker-url: a request to the runner's OIDC token endpoint would use plain http to a host that is not loopback, and its bearer token must not travel unencrypted; use https"
			return proxy.Rename(runner, "127.0.0.1.nip.io"), want, func() []string {
				var sent []string
				for _, r := range proxy.Requests() {
					sent = append(sent, r.URL)
				}
				return sent
			}
		}},
	} {
		for _, door := range brokerDoors {
			t.Run(tc.name+" through the "+door.name, func(t *testing.T) {
				t.Parallel()
				bw := newBrokerWorld(t)
				var want string
				var past func() []string
				line, token := door.ask(t, bw, brokerAsk{url: bw.b.URL, runner: func(runner string) (job string) {
					job, want, past = tc.endpoint(t, bw, runner)
					return job
				}})
				if !strings.Contains(line, want) {
					t.Errorf("error %q, want %q", line, want)
				}
				if sent := past(); len(sent) != 0 {
					t.Errorf("the request token's request got past the check: %q", sent)
				}
				if token != "" || len(bw.b.auditLines()) != 0 || len(bw.granted()) != 0 {
					t.Errorf("a token was handed over (%t), or the broker was asked", token != "")
				}
			})
		}
	}
}
