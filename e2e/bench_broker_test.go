package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/nettest"
	"github.com/app-token/app-token/internal/runnertest"
)

// BenchmarkBrokerStepRTT runs the built binary's main phase two ways at
// each round-trip time: with the App's private key, and through a broker
// (no App credential in the job). GitHub (githubtest.Remote, over TLS),
// the broker and the runner's OIDC token endpoint are each one RTT away
// from the job, and GitHub one RTT away from the broker, through
// internal/nettest's proxy. It reports per run the wall time, GitHub's
// requests (the broker's included), and the connections the job opened to
// the broker and to the runner's endpoint.
//
//	go test -run '^$' -bench BrokerStepRTT -benchtime 5x ./e2e
func BenchmarkBrokerStepRTT(b *testing.B) {
	contract.Off(b)
	for _, rtt := range []time.Duration{time.Millisecond, 50 * time.Millisecond, 150 * time.Millisecond} {
		for _, how := range []string{"private-key", "broker"} {
			b.Run(fmt.Sprintf("%s/rtt=%s", how, rtt), func(b *testing.B) {
				remote := githubtest.StartRemote(b, githubtest.DefaultConfig(&apptest.AppKey.PublicKey), rtt)
				step := &runnertest.Step{Binary: apptest.Binary, Dir: b.TempDir(),
					With: map[string]string{"repositories": "app", "permission-contents": "write", "ca-certificates": string(remote.CAPEM)},
					Env:  map[string]string{"GITHUB_API_URL": remote.URL}}
				var proxies []*nettest.Proxy
				if how == "private-key" {
					step.With["client-id"], step.With["private-key"] = githubtest.DefaultClientID, apptest.AppPEM
				} else {
					api, _ := url.Parse(remote.URL + "/")
					br := apptest.StartBrokerFor(b, config.App{Issuer: githubtest.DefaultClientID, PrivateKey: apptest.AppPEM, APIURL: api,
						CACertificates: remote.CAPEM, Retry: config.Retry{Attempts: 2, Budget: 20 * time.Second, RequestTimeout: 10 * time.Second}})
					toBroker := proxy(b, br.URL, rtt)
					toRunner := proxy(b, br.IDTokensURL, rtt)
					proxies = []*nettest.Proxy{toBroker, toRunner}
					step.With["broker-url"], step.With["broker-identity"] = "http://"+toBroker.Addr(), "ci"
					path := br.IDTokensURL[strings.Index(br.IDTokensURL[len("http://"):], "/")+len("http://"):]
					step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"] = "http://" + toRunner.Addr() + path
					step.Env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = br.IDTokens.RequestToken
				}
				var walls []time.Duration
				before := remote.Counters()
				for b.Loop() {
					res, err := step.Main(context.Background())
					if err != nil || res.ExitCode != 0 {
						b.Fatalf("run failed: %v %q", err, res.Errors)
					}
					walls = append(walls, res.Wall)
				}
				slices.Sort(walls)
				gh := remote.Counters().Sub(before)
				b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms/run")
				b.ReportMetric(float64(gh.Requests)/float64(b.N), "github-requests/run")
				for i, name := range []string{"broker-conns/run", "runner-conns/run"} {
					if i < len(proxies) {
						b.ReportMetric(float64(proxies[i].Stats().Conns)/float64(b.N), name)
					}
				}
			})
		}
	}
}

// proxy puts the server at raw's host one rtt away.
func proxy(b *testing.B, raw string, rtt time.Duration) *nettest.Proxy {
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	p, err := nettest.New(u.Host, rtt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	return p
}
