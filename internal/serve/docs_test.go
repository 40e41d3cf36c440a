package serve

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/trust"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/broker.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the text from heading up to the next heading of its level or
// higher (a line starting with '#' in a fenced block is no heading).
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	level := len(strings.Fields(heading)[0])
	var out []string
	in, fenced := false, false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "#") {
			hashes := len(line) - len(strings.TrimLeft(line, "#"))
			if in && hashes <= level {
				break
			}
			if line == heading {
				in = true
				continue
			}
		}
		if in {
			out = append(out, line)
		}
	}
	if !in {
		t.Fatalf("docs/broker.md has no %q", heading)
	}
	return strings.Join(out, "\n")
}

// tableRows are the rows of the first Markdown table in text, cells
// trimmed, header and rule left out.
func tableRows(text string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		line = strings.ReplaceAll(line, `\|`, "\x00")
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|")))
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		return nil
	}
	return rows[2:]
}

// The statuses table says what statusOf and the door answer.
func TestDocsStatuses(t *testing.T) {
	t.Parallel()
	rows := tableRows(section(t, readDoc(t), "## Endpoints and statuses")[strings.Index(section(t, readDoc(t), "## Endpoints and statuses"), "| Status"):])
	byStatus := map[string]string{}
	for _, r := range rows {
		byStatus[r[0]] = r[1]
	}
	for k := broker.BadRequest; k <= broker.IssuerUnavailable; k++ {
		if row := byStatus[fmt.Sprint(statusOf(k))]; !strings.Contains(row, "(`"+k.String()+"`)") {
			t.Errorf("the row of %d does not name %s: %q", statusOf(k), k, row)
		}
	}
	for status, words := range map[int][]string{
		http.StatusRequestEntityTooLarge:       {fmt.Sprintf("%d KiB", MaxBodyBytes>>10)},
		http.StatusRequestHeaderFieldsTooLarge: {fmt.Sprintf("%d KiB", MaxHeaderBytes>>10)},
		http.StatusServiceUnavailable:          {"`saturated`", "`timeout`", "`Retry-After`"},
		http.StatusTooManyRequests:             {"`Retry-After`"},
		http.StatusUnauthorized:                {"`WWW-Authenticate: Bearer`"},
		http.StatusMethodNotAllowed:            {"`Allow`"},
		http.StatusUnsupportedMediaType:        {"`application/json`"},
		http.StatusNotFound:                    {"unknown path"},
		http.StatusInternalServerError:         {"its log says why"},
	} {
		for _, w := range words {
			if !strings.Contains(byStatus[fmt.Sprint(status)], w) {
				t.Errorf("the row of %d does not say %s", status, w)
			}
		}
	}
	if internalError != "the broker failed; its log says why" {
		t.Error("the 500 message changed: say so in docs/broker.md")
	}
}

// The bounds table quotes the constants.
func TestDocsBounds(t *testing.T) {
	t.Parallel()
	rows := tableRows(section(t, readDoc(t), "## Bounds"))
	got := map[string]string{}
	for _, r := range rows {
		got[r[0]] = r[1]
	}
	for bound, want := range map[string]string{
		"header fields":                  fmt.Sprintf("%d KiB (431)", MaxHeaderBytes>>10),
		"body":                           fmt.Sprintf("%d KiB (413), the same for webhooks", MaxBodyBytes>>10),
		"reading the header":             fmt.Sprintf("%v s,", DefaultReadHeaderTimeout.Seconds()),
		"reading the whole request":      fmt.Sprintf("%v s", DefaultReadTimeout.Seconds()),
		"one exchange":                   fmt.Sprintf("%v s, then 503", DefaultRequestTimeout.Seconds()),
		"exchanges and webhooks at once": fmt.Sprintf("%d; one more is answered 503 with `Retry-After: 1`", DefaultMaxConcurrent),
		"open connections":               fmt.Sprintf("%d;", DefaultMaxConnections),
		"idle kept-alive connections":    fmt.Sprintf("closed after %v s", DefaultIdleTimeout.Seconds()),
		"SIGTERM":                        fmt.Sprintf("get %v s to finish, then the process exits 0", DefaultDrainTimeout.Seconds()),
	} {
		if !strings.Contains(got[bound], want) {
			t.Errorf("bound %q: %q does not say %q", bound, got[bound], want)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d bounds: each must be checked here", len(got))
	}
}

// The endpoints table names the endpoints served, and the examples are
// what the broker takes and answers.
func TestDocsEndpoints(t *testing.T) {
	t.Parallel()
	doc := readDoc(t)
	var paths []string
	for _, r := range tableRows(section(t, doc, "## Endpoints and statuses")) {
		p := strings.Fields(strings.Trim(r[0], "`"))
		paths = append(paths, strings.Split(p[len(p)-1], "?")[0])
	}
	if want := []string{pathExchange, pathToken, pathHealth, pathMetrics, "/hooks/…"}; !slices.Equal(paths, want) {
		t.Errorf("endpoints %q, want %q", paths, want)
	}
	m := regexp.MustCompile("(?s)```json\n(\\{\"token\".*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no answer example")
	}
	var a tokenAnswer
	if err := decodeStrict(m[1], &a); err != nil || a.RepositorySelection != "selected" {
		t.Errorf("the answer example: %v", err)
	}
	// The POST example's body, through the door's own reader.
	m = regexp.MustCompile(`-d '(\{.*?\})'`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no POST example")
	}
	req, err := decodeTokenRequest([]byte(m[1]))
	if err != nil || req.Scope != "org" || !slices.Equal(req.Repositories, []string{"docs"}) {
		t.Errorf("the POST example: %v %v", req, err)
	}
	for _, promise := range []string{"`AWS_LAMBDA_RUNTIME_API`", "`scopes=`", "`Cache-Control: no-store`", "`:$PORT` when `PORT` is set", "`:8080`"} {
		if !strings.Contains(doc, promise) {
			t.Errorf("docs/broker.md does not say %s", promise)
		}
	}
	if DefaultListen != ":8080" {
		t.Error("the default address changed: say so in docs/broker.md")
	}
}

// The trust policy examples are policies the broker's rules accept.
func TestDocsPolicies(t *testing.T) {
	t.Parallel()
	doc := section(t, readDoc(t), "## Trust policies")
	examples := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(doc, -1)
	if len(examples) != 2 {
		t.Fatalf("%d examples", len(examples))
	}
	for i, kind := range []trust.Kind{trust.Repository, trust.Owner} {
		if _, err := trust.Load([]byte(examples[i][1]), kind); err != nil {
			t.Errorf("example %d: %v", i+1, err)
		}
	}
}

// The metrics table lists exactly the families /metrics reports, with
// their labels.
func TestDocsMetrics(t *testing.T) {
	t.Parallel()
	want := map[string][]string{}
	for _, r := range tableRows(section(t, readDoc(t), "## Metrics")) {
		var labels []string
		names := regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(r[1], "") // label values in parentheses
		for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(names, -1) {
			labels = append(labels, m[1])
		}
		slices.Sort(labels)
		want[strings.Trim(r[0], "`")] = labels
	}
	w := start(t, Config{})
	w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil)
	w.server.Metrics().CacheLookup(broker.PolicyCache, true)
	github := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4999")
	}))
	defer github.Close()
	c := &http.Client{Transport: w.server.Metrics().Tap(http.DefaultTransport)}
	resp, err := c.Get(github.URL + "/app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	w.fake.answer = func(context.Context, broker.Request) (*broker.Grant, error) {
		return nil, &broker.Error{Kind: broker.Denied, Rule: "subject"}
	}
	w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil)
	got := map[string][]string{}
	for name, f := range parseMetrics(t, w.do(t, "GET", "/metrics", nil, nil).body) {
		labels := map[string]bool{}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				labels[l.GetName()] = true
			}
		}
		got[name] = slices.Sorted(maps.Keys(labels))
		if got[name] == nil {
			got[name] = []string(nil)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("/metrics reports\n%v\ndocs/broker.md lists\n%v", got, want)
	}
}

// The audit fields table lists exactly an audit line's fields, and the
// example is one.
func TestDocsAudit(t *testing.T) {
	t.Parallel()
	doc := section(t, readDoc(t), "## Audit lines")
	var listed []string
	for _, r := range tableRows(doc) {
		for _, f := range strings.Split(r[0], ",") {
			listed = append(listed, strings.Trim(strings.TrimSpace(f), "`"))
		}
	}
	listed = append(listed, "repositories_more") // said in the row of repositories
	var fields []string
	typ := reflect.TypeFor[exchangeLine]()
	for i := range typ.NumField() {
		fields = append(fields, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	slices.Sort(listed)
	slices.Sort(fields)
	if !slices.Equal(listed, fields) {
		t.Errorf("docs list %v\naudit lines have %v", listed, fields)
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)\n```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no example")
	}
	var r auditRecord
	if err := decodeStrict(m[1], &r); err != nil || len(r.TokenSHA256) != 16 || r.Decision != "allowed" {
		t.Errorf("the example: %v %+v", err, r)
	}
	for _, promise := range []string{fmt.Sprintf("(%d bytes, %d for a workflow ref)", maxAuditText, maxAuditLong), fmt.Sprintf("the first %d repositories", maxAuditRepos)} {
		if !strings.Contains(doc, promise) {
			t.Errorf("docs/broker.md does not say %q", promise)
		}
	}
}
