package serve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/app-token/app-token/internal/broker"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parseMetrics reads /metrics with Prometheus' own text parser, strictly
// (legacy names: what every scraper takes).
func parseMetrics(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, text)
	}
	return families
}

// value is the value of family's sample whose labels include want.
func value(t *testing.T, families map[string]*dto.MetricFamily, family string, want map[string]string) float64 {
	t.Helper()
	f := families[family]
	if f == nil {
		t.Fatalf("no family %s", family)
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("%s has no sample %v", family, want)
	return 0
}

// /metrics is Prometheus' text format and reports exchanges by decision
// and reason, their latency, the requests by endpoint and status, GitHub
// calls by kind with the rate limit left, and cache hits and misses.
func TestMetricsReport(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	m := w.server.Metrics()
	w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
	w.fake.answer = func(context.Context, broker.Request) (*broker.Grant, error) {
		return nil, &broker.Error{Kind: broker.Denied, Rule: "claim:ref", Message: "no"}
	}
	w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
	w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
	w.do(t, "GET", "/nowhere", nil, nil)
	m.CacheLookup(broker.PolicyCache, true)
	m.CacheLookup(broker.PolicyCache, false)
	m.CacheLookup(broker.InstallationCache, true)

	github := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4321")
		if strings.Contains(r.URL.Path, "contents") {
			w.WriteHeader(404)
		}
	}))
	defer github.Close()
	c := &http.Client{Transport: m.Tap(http.DefaultTransport)}
	for _, path := range []string{"/repos/octo/secret-repo/installation", "/app/installations/8675309/access_tokens", "/repos/octo/secret-repo/contents/.github/chainguard/deploy.sts.yaml"} {
		method := "GET"
		if strings.HasSuffix(path, "access_tokens") {
			method = "POST"
		}
		req, _ := http.NewRequest(method, github.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	text := w.do(t, "GET", "/metrics", nil, nil).body
	f := parseMetrics(t, text)
	for _, c := range []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"app_token_exchanges_total", map[string]string{"decision": "allowed", "reason": "repository_policy"}, 1},
		{"app_token_exchanges_total", map[string]string{"decision": "refused", "reason": "denied", "rule": "claim"}, 2},
		{"app_token_exchange_duration_seconds", nil, 3},
		{"app_token_http_requests_total", map[string]string{"endpoint": "/sts/exchange", "code": "200"}, 1},
		{"app_token_http_requests_total", map[string]string{"endpoint": "/sts/exchange", "code": "403"}, 2},
		{"app_token_http_requests_total", map[string]string{"endpoint": "other", "code": "404"}, 1},
		{"app_token_exchanges_in_flight", nil, 0},
		{"app_token_cache_lookups_total", map[string]string{"cache": "policy", "result": "hit"}, 1},
		{"app_token_cache_lookups_total", map[string]string{"cache": "policy", "result": "miss"}, 1},
		{"app_token_cache_lookups_total", map[string]string{"cache": "installation", "result": "hit"}, 1},
		{"app_token_github_requests_total", map[string]string{"kind": "GET /repos/{owner}/{repo}/installation", "code": "200"}, 1},
		{"app_token_github_requests_total", map[string]string{"kind": "POST /app/installations/{installation_id}/access_tokens", "code": "200"}, 1},
		{"app_token_github_requests_total", map[string]string{"kind": "GET /repos/{owner}/{repo}/contents/{path}", "code": "404"}, 1},
		{"app_token_github_rate_limit_remaining", map[string]string{"kind": "GET /repos/{owner}/{repo}/installation"}, 4321},
	} {
		if got := value(t, f, c.family, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.family, c.labels, got, c.want)
		}
	}
	if got := f["app_token_exchange_duration_seconds"].GetType(); got != dto.MetricType_HISTOGRAM {
		t.Errorf("latency is a %v", got)
	}
	// No label carries a name from a path, a subject, a token.
	for _, secretish := range []string{"octo", "secret-repo", "deploy", "8675309", "refs/heads", grantToken[:20], "ref\""} {
		if strings.Contains(text, secretish) {
			t.Errorf("/metrics holds %q", secretish)
		}
	}
}

// A call's kind is its method and route template; unknown paths, methods
// and hostile values make no new series.
func TestCallKind(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/app", "GET /app"},
		{"GET", "/api/v3/app/installations/12", "GET /app/installations/{installation_id}"},
		{"GET", "/users/octo/installation", "GET /users/{username}/installation"},
		{"GET", "/orgs/octo/installation", "GET /orgs/{org}/installation"},
		{"GET", "/enterprises/e/installation", "GET /enterprises/{enterprise}/installation"},
		{"DELETE", "/installation/token", "DELETE /installation/token"},
		{"GET", "/installation/repositories", "GET /installation/repositories"},
		{"GET", "/repos/o/r/contents/a", "GET /repos/{owner}/{repo}/contents/{path}"},
		{"GET", "/repos/o/r/contents/", "GET other"},
		{"GET", "/repos/o/r/installation/x", "GET other"},
		{"GET", "/repos//r/installation", "GET other"},
		{"GET", "/users/octo", "GET /users/{username}"},
		{"GET", "/octo/app", "GET other"},
		{"GET", "/", "GET other"},
		{"BREW", "/app", "OTHER /app"},
		{"get", "/app", "OTHER /app"},
	} {
		if got := callKind(c.method, c.path); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"repository_policy", "repository_policy"}, {"", ""}, {"Denied", "other"}, {"a b", "other"},
		{strings.Repeat("a", 33), "other"}, {strings.Repeat("a", 32), strings.Repeat("a", 32)}, {`x"}`, "other"},
	} {
		if got := word(c.in); got != c.want {
			t.Errorf("word(%q) = %q", c.in, got)
		}
	}
	for in, want := range map[int]string{99: "other", 100: "100", 599: "599", 600: "other"} {
		if got := statusLabel(in); got != want {
			t.Errorf("statusLabel(%d) = %q", in, got)
		}
	}
	for in, want := range map[string]bool{"4999": true, "0": true, "": false, "-1": false, "1e3": false, "99999999999": false} {
		if _, ok := remaining(in); ok != want {
			t.Errorf("remaining(%q) ok %v", in, ok)
		}
	}
}

// A transport error is counted as such, and no rate limit is kept.
func TestTapCountsErrors(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	c := &http.Client{Transport: m.Tap(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, io.ErrUnexpectedEOF
	}))}
	if _, err := c.Get("http://127.0.0.1:1/app"); err == nil {
		t.Fatal("no error")
	}
	var b strings.Builder
	m.WritePrometheus(&b)
	f := parseMetrics(t, b.String())
	if got := value(t, f, "app_token_github_requests_total", map[string]string{"kind": "GET /app", "code": "error"}); got != 1 {
		t.Errorf("%v", got)
	}
	if _, ok := f["app_token_github_rate_limit_remaining"]; ok {
		t.Error("a rate limit from nowhere")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Each server has its own metrics, never the library's global set: the
// process's other metrics (none, in the action) are not touched.
func TestMetricsAreThisServers(t *testing.T) {
	t.Parallel()
	a, b := NewMetrics(), NewMetrics()
	a.CacheLookup(broker.PolicyCache, true)
	var sa, sb, global strings.Builder
	a.WritePrometheus(&sa)
	b.WritePrometheus(&sb)
	metrics.WritePrometheus(&global, false)
	if !strings.Contains(sa.String(), "app_token_cache_lookups_total") || strings.Contains(sb.String(), "app_token_cache_lookups_total") ||
		strings.Contains(global.String(), "app_token_") {
		t.Errorf("a: %s\nb: %s\nglobal: %s", sa.String(), sb.String(), global.String())
	}
	a.exchange("allowed", "granted", "", 30*time.Millisecond)
	var s strings.Builder
	a.WritePrometheus(&s)
	if !strings.Contains(s.String(), `app_token_exchange_duration_seconds_bucket{le="0.05"} 1`) {
		t.Errorf("histogram: %s", s.String())
	}
}
