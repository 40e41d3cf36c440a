package e2e_test

// What each path costs on the network (issue 25): the requests GitHub
// answers and the connections opened to it and to AWS, with the API over
// TLS behind the latency proxy (githubtest.Remote) and each AWS endpoint
// and the runner's OIDC endpoint behind a nettest.Proxy of its own, all
// one round trip away. TestPathCosts counts (at RTT 0: counts do not
// depend on it); BenchmarkPaths times the same paths at several RTTs
// (docs/performance.md).

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/nettest"
	"github.com/app-token/app-token/internal/runnertest"
)

// farWorld is a job a round trip away from GitHub (and AWS).
type farWorld struct {
	tb     testing.TB
	remote *githubtest.Remote
	caFile string
	step   *runnertest.Step
	// aws are the proxies in front of AWS KMS, STS and the runner's OIDC
	// endpoint, by the variable that names them; kms the KMS world.
	aws map[string]*nettest.Proxy
	kms *apptest.KMSWorld
}

// issue25 are the inputs of issue 25's table.
var issue25 = map[string]string{"owner": "octo-org", "repositories": "app,infra", "permission-contents": "write"}

// newFar starts GitHub rtt away and a step for it with key ("private-key",
// "jwt", "kms-key", "role": kms-key with aws-role-to-assume).
func newFar(tb testing.TB, rtt time.Duration, key string) *farWorld {
	tb.Helper()
	r := githubtest.StartRemote(tb, githubtest.DefaultConfig(&apptest.AppKey.PublicKey), rtt)
	f := &farWorld{tb: tb, remote: r, caFile: filepath.Join(tb.TempDir(), "ca.pem"), aws: map[string]*nettest.Proxy{}}
	if err := os.WriteFile(f.caFile, r.CAPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	switch key {
	case "kms-key", "role":
		if key == "role" {
			f.kms, _, _ = apptest.RoleWorld(tb, signerRole)
		} else {
			f.kms = apptest.NewKMSWorld(tb, "awskms:///"+apptest.KMSAlias)
		}
		f.step = f.kms.Step
		for _, name := range []string{"AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "ACTIONS_ID_TOKEN_REQUEST_URL"} {
			if f.step.Env[name] != "" {
				f.step.Env[name] = f.far(name, f.step.Env[name], rtt)
			}
		}
	default:
		f.step = &runnertest.Step{Binary: apptest.Binary, Env: map[string]string{},
			With: map[string]string{"client-id": githubtest.DefaultClientID, "private-key": apptest.AppPEM}}
		if key == "jwt" {
			f.step.With["private-key"] = ""
			f.step.With["jwt"] = apptest.SignedJWT(tb, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute)
		}
	}
	f.step.Dir = tb.TempDir()
	f.step.Env["GITHUB_API_URL"] = r.URL
	f.step.With["ca-certificates"] = string(r.CAPEM)
	maps.Copy(f.step.With, issue25)
	return f
}

// far puts the endpoint at rawURL behind a proxy rtt away and returns its
// URL through the proxy.
func (f *farWorld) far(name, rawURL string, rtt time.Duration) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		f.tb.Fatal(err)
	}
	p, err := nettest.New(u.Host, rtt)
	if err != nil {
		f.tb.Fatal(err)
	}
	f.tb.Cleanup(func() { p.Close() })
	f.aws[name] = p
	u.Host = p.Addr()
	return u.String()
}

// cost is what one run of a path took.
type cost struct {
	wall, cpu time.Duration
	github    githubtest.Counters
	awsConns  int64 // connections opened to AWS and the OIDC endpoint
}

// measure runs one path and returns its cost: GitHub's counters and the
// AWS proxies' connections, read around it.
func (f *farWorld) measure(run func() (wall, cpu time.Duration)) cost {
	f.tb.Helper()
	before, awsBefore := f.remote.Counters(), f.awsConns()
	wall, cpu := run()
	return cost{wall: wall, cpu: cpu, github: f.remote.Counters().Sub(before), awsConns: f.awsConns() - awsBefore}
}

func (f *farWorld) awsConns() int64 {
	var n int64
	for _, p := range f.aws {
		n += p.Stats().Conns
	}
	return n
}

// main runs the main phase, which must succeed.
func (f *farWorld) main() (*runnertest.Result, cost) {
	f.tb.Helper()
	var res *runnertest.Result
	c := f.measure(func() (time.Duration, time.Duration) {
		var err error
		res, err = f.step.Main(context.Background())
		if err != nil || res.ExitCode != 0 {
			f.tb.Fatalf("main: %v, exit %d, errors %q", err, res.ExitCode, res.Errors)
		}
		return res.Wall, res.CPU
	})
	return res, c
}

// post runs the post phase on main's state, which must revoke the token.
func (f *farWorld) post(state map[string]string) cost {
	f.tb.Helper()
	return f.measure(func() (time.Duration, time.Duration) {
		res, err := f.step.Post(context.Background(), state)
		if err != nil || res.ExitCode != 0 {
			f.tb.Fatalf("post: %v, exit %d, errors %q", err, res.ExitCode, res.Errors)
		}
		return res.Wall, res.CPU
	})
}

// cli runs the built binary as a command line against GitHub, trusting
// its CA through SSL_CERT_FILE (the command line has no ca-certificates
// flag); it must succeed. It returns stdout and the cost.
func (f *farWorld) cli(stdin string, args ...string) (string, cost) {
	f.tb.Helper()
	var out bytes.Buffer
	c := f.measure(func() (time.Duration, time.Duration) {
		cmd := exec.CommandContext(context.Background(), f.step.Binary, args...)
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "SSL_CERT_FILE=" + f.caFile, "GITHUB_API_URL=" + f.remote.URL,
			"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID, "APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM,
		}
		var errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			f.tb.Fatalf("%v: %v, stderr %q", args, err, errb.String())
		}
		return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	})
	return out.String(), c
}

// path is one way through app-token, run once on a farWorld: what it
// costs, and the GitHub requests it must make.
type path struct {
	name, key string
	requests  int
	awsConns  int64
	run       func(f *farWorld) cost
}

var (
	scopedToken = []string{"token", "--owner", "octo-org", "--repositories", "app,infra", "--permissions", "contents: write"}
	mainPhase   = func(f *farWorld) cost { _, c := f.main(); return c }
	postPhase   = func(f *farWorld) cost { res, _ := f.main(); return f.post(res.State) }
	command     = func(args ...string) func(f *farWorld) cost {
		return func(f *farWorld) cost { _, c := f.cli("", args...); return c }
	}
)

// paths are every door and key source: the action's phases (main with
// each key source), and the command line's commands.
var paths = []path{
	{"main", "private-key", 3, 0, mainPhase},
	{"post", "private-key", 1, 0, postPhase},
	{"main installation-id", "private-key", 3, 0, func(f *farWorld) cost {
		f.step.With["installation-id"] = "1001"
		return mainPhase(f)
	}},
	{"main jwt", "jwt", 3, 0, mainPhase},
	{"main kms-key", "kms-key", 3, 1, mainPhase},
	{"main kms-key+role", "role", 3, 3, mainPhase},
	{"cli token", "private-key", 3, 0, command(scopedToken...)},
	{"cli dispatch", "private-key", 4, 0, command("dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild")},
	{"cli revoke", "private-key", 1, 0, func(f *farWorld) cost {
		tok, _ := f.cli("", scopedToken...)
		_, c := f.cli(tok, "revoke")
		return c
	}},
	{"cli installations", "private-key", 1, 0, command("installations")},
	{"cli jwt", "private-key", 0, 0, command("jwt")},
}

// Every path reaches GitHub on one connection (none for jwt), its
// requests one after the other, and each AWS endpoint on one: the
// request counts are the table's in docs/performance.md.
func TestPathCosts(t *testing.T) {
	t.Parallel()
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			f := newFar(t, 0, p.key)
			c := p.run(f)
			conns := int64(min(p.requests, 1))
			if c.github.Requests != p.requests || c.github.Conns != conns || c.github.Used != int(conns) || c.awsConns != p.awsConns {
				t.Errorf("%d requests on %d GitHub connections (%d used), %d to AWS; want %d on %d, %d to AWS",
					c.github.Requests, c.github.Conns, c.github.Used, c.awsConns, p.requests, conns, p.awsConns)
			}
			for _, tok := range f.remote.Emu.Tokens() {
				if p.name != "main" && p.name != "cli token" && !strings.HasPrefix(p.name, "main ") && !tok.Revoked {
					t.Errorf("token on %v not revoked", tok.Repositories)
				}
			}
		})
	}
}

// With kms-key, GitHub's connection (TCP and TLS) is opened while the AWS
// calls are in flight: KMS answers the signature only once the emulator
// has a connection, which without the early connection comes only after
// the signature (then KMS gives up waiting and the test fails). The
// connection opened early is the one the requests use.
func TestKMSPathConnectsToGitHubAhead(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"kms-key", "role"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			f := newFar(t, 0, key)
			opened := make(chan bool, 1)
			gate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				waited := 0
				for ; f.remote.Counters().Conns == 0 && waited < 300; waited++ {
					time.Sleep(10 * time.Millisecond)
				}
				select {
				case opened <- waited < 300:
				default:
				}
				f.kms.Proxy.ServeHTTP(w, r)
			})
			srv := httptest.NewServer(gate)
			t.Cleanup(srv.Close)
			f.step.Env["AWS_ENDPOINT_URL_KMS"] = srv.URL
			_, c := f.main()
			if !<-opened {
				t.Error("GitHub's connection was not opened while the KMS call was in flight")
			}
			if c.github.Requests != 3 || c.github.Conns != 1 || c.github.Used != 1 {
				t.Errorf("%d requests on %d connections (%d used), want 3 on the one opened ahead", c.github.Requests, c.github.Conns, c.github.Used)
			}
		})
	}
}

// RTTEnv lists, comma-separated, the round-trip times BenchmarkPaths runs
// at (default 0,50ms,150ms); PathsEnv, when set, the paths it runs (by
// name, comma-separated: "main,post").
const (
	RTTEnv   = "APP_TOKEN_BENCH_RTTS"
	PathsEnv = "APP_TOKEN_BENCH_PATHS"
)

// BenchmarkPaths runs every path of TestPathCosts with GitHub (and AWS)
// one round trip away, over TLS, and reports per run: wall and CPU time of
// the process, GitHub requests and connections opened, AWS connections.
// BenchEnv runs another build under the same harness (side-by-side.sh).
//
//	go test -run '^$' -bench Paths -benchtime 5x ./e2e
//	APP_TOKEN_BENCH_RTTS=1ms,150ms APP_TOKEN_BENCH_PATHS=main go test -run '^$' -bench Paths -benchtime 9x ./e2e
func BenchmarkPaths(b *testing.B) {
	rtts := []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond}
	if s := os.Getenv(RTTEnv); s != "" {
		rtts = nil
		for _, v := range strings.Split(s, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				b.Fatalf("%s: %v", RTTEnv, err)
			}
			rtts = append(rtts, d)
		}
	}
	only := os.Getenv(PathsEnv)
	bin, undeclared := apptest.Binary, []string(nil)
	if other := os.Getenv(BenchEnv); other != "" {
		bin = other
		if u := os.Getenv(BenchUndeclaredEnv); u != "" {
			undeclared = strings.Split(u, ",")
		}
	}
	for _, rtt := range rtts {
		for _, p := range paths {
			if only != "" && !slices.Contains(strings.Split(only, ","), p.name) {
				continue
			}
			b.Run(fmt.Sprintf("rtt=%v/%s", rtt, strings.ReplaceAll(p.name, " ", "-")), func(b *testing.B) {
				contract.Off(b)
				f := newFar(b, rtt, p.key)
				f.step.Binary, f.step.Undeclared = bin, undeclared
				for _, k := range undeclared {
					delete(f.step.With, k)
				}
				var (
					sum   cost
					walls []time.Duration
				)
				for b.Loop() {
					c := p.run(f)
					walls = append(walls, c.wall)
					sum.wall += c.wall
					sum.cpu += c.cpu
					sum.github.Requests += c.github.Requests
					sum.github.Conns += c.github.Conns
					sum.awsConns += c.awsConns
				}
				n := float64(b.N)
				slices.Sort(walls)
				b.ReportMetric(float64(sum.wall)/n/1e6, "ms/run")
				// A busy machine stretches some runs: the median is steadier.
				b.ReportMetric(float64(walls[len(walls)/2])/1e6, "median-ms")
				b.ReportMetric(float64(sum.cpu)/n/1e6, "cpu-ms/run")
				b.ReportMetric(float64(sum.github.Requests)/n, "requests/run")
				b.ReportMetric(float64(sum.github.Conns)/n, "conns/run")
				b.ReportMetric(float64(sum.awsConns)/n, "aws-conns/run")
			})
		}
	}
}
