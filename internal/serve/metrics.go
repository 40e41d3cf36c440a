package serve

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/app-token/app-token/internal/broker"
)

// Metrics is one server's Prometheus metrics (docs/broker.md, "Metrics"):
// its own metrics.Set, never the library's global one, made when serve
// starts, so that the action and the other commands pay nothing for it.
// Every label value comes from a fixed vocabulary (endpoints, decisions,
// kinds, route templates, status codes, cache names): never a token, a
// subject, a name from a path or any other caller's text.
type Metrics struct {
	set      *metrics.Set
	latency  *metrics.PrometheusHistogram
	inFlight *metrics.Gauge
}

// latencyBuckets are the exchange latency histogram's upper bounds, in
// seconds: a cached exchange takes milliseconds, one with GitHub's answers
// tens to hundreds, a retried one seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// NewMetrics makes a server's metrics.
func NewMetrics() *Metrics {
	metrics.ExposeMetadata(true) // # HELP and # TYPE lines, as Prometheus parsers expect
	s := metrics.NewSet()
	return &Metrics{
		set:      s,
		latency:  s.NewPrometheusHistogramExt("app_token_exchange_duration_seconds", latencyBuckets),
		inFlight: s.NewGauge("app_token_exchanges_in_flight", nil),
	}
}

// WritePrometheus writes every metric in Prometheus' text format.
func (m *Metrics) WritePrometheus(w io.Writer) { m.set.WritePrometheus(w) }

// exchange counts one exchange's outcome and latency.
func (m *Metrics) exchange(decision, reason, rule string, d time.Duration) {
	m.set.GetOrCreateCounter(`app_token_exchanges_total{decision="` + decision + `",reason="` + word(reason) + `",rule="` + word(ruleClass(rule)) + `"}`).Inc()
	m.latency.Update(d.Seconds())
}

// request counts one HTTP request by endpoint and status.
func (m *Metrics) request(endpoint string, status int) {
	m.set.GetOrCreateCounter(`app_token_http_requests_total{endpoint="` + endpoint + `",code="` + statusLabel(status) + `"}`).Inc()
}

// CacheLookup counts a lookup in one of the exchange's caches: Metrics is
// the broker's Observer.
func (m *Metrics) CacheLookup(c broker.Cache, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.set.GetOrCreateCounter(`app_token_cache_lookups_total{cache="` + word(string(c)) + `",result="` + result + `"}`).Inc()
}

var _ broker.Observer = (*Metrics)(nil)

// Tap wraps the exchange's base transport (the innermost, under retries,
// so every request sent is counted once) to count GitHub calls by kind, a
// method and a route template ("POST /app/installations/{id}/access_tokens",
// never a path with names), by status, and to keep the rate limit GitHub
// reports as remaining (X-RateLimit-Remaining) for that kind.
func (m *Metrics) Tap(base http.RoundTripper) http.RoundTripper {
	return tap{m: m, base: base}
}

type tap struct {
	m    *Metrics
	base http.RoundTripper
}

func (t tap) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := callKind(req.Method, req.URL.EscapedPath())
	resp, err := t.base.RoundTrip(req)
	status := "error"
	if err == nil {
		status = statusLabel(resp.StatusCode)
		if n, ok := remaining(resp.Header.Get("X-RateLimit-Remaining")); ok {
			t.m.set.GetOrCreateGauge(`app_token_github_rate_limit_remaining{kind="`+kind+`"}`, nil).Set(n)
		}
	}
	t.m.set.GetOrCreateCounter(`app_token_github_requests_total{kind="` + kind + `",code="` + status + `"}`).Inc()
	return resp, err
}

// remaining reads X-RateLimit-Remaining: a count, or nothing.
func remaining(v string) (float64, bool) {
	n, err := strconv.ParseUint(v, 10, 32)
	return float64(n), err == nil
}

// statusLabel is an HTTP status as a label: its three digits, or "other".
func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}

// routes are the GitHub endpoints the App stack calls, as GitHub's REST
// description names them; {path} takes the rest of the path.
var routes = []string{
	"/app",
	"/app/installations",
	"/app/installations/{installation_id}",
	"/app/installations/{installation_id}/access_tokens",
	"/repos/{owner}/{repo}/installation",
	"/orgs/{org}/installation",
	"/users/{username}/installation",
	"/enterprises/{enterprise}/installation",
	"/installation/repositories",
	"/installation/token",
	"/repos/{owner}/{repo}/contents/{path}",
	"/users/{username}",
}

// knownMethods are the methods a kind names; any other is "OTHER".
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// callKind names a GitHub call by its method and route template, after
// GHES's /api/v3 prefix; a path no template matches is "other".
func callKind(method, path string) string {
	m := "OTHER"
	for _, k := range knownMethods {
		if method == k {
			m = k
		}
	}
	path = strings.TrimPrefix(path, "/api/v3")
	for _, r := range routes {
		if matchRoute(r, path) {
			return m + " " + r
		}
	}
	return m + " other"
}

// matchRoute reports whether path fits the template: literal segments
// equal, {name} any one non-empty segment, a final {path} one or more.
func matchRoute(template, path string) bool {
	ts := strings.Split(strings.TrimPrefix(template, "/"), "/")
	ps := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, t := range ts {
		if i >= len(ps) || ps[i] == "" {
			return false
		}
		if t == "{path}" {
			return true
		}
		if !strings.HasPrefix(t, "{") && t != ps[i] {
			return false
		}
	}
	return len(ps) == len(ts)
}

// word is a label value from the core's vocabulary: lower-case letters,
// digits and '_', at most 32 bytes; anything else is "other".
func word(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 32 {
		return "other"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return "other"
		}
	}
	return s
}

// ruleClass is a rule's class: "claim:ref" counts as "claim", so that a
// policy's claim names make no new series.
func ruleClass(rule string) string {
	class, _, _ := strings.Cut(rule, ":")
	return class
}
