package hooks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkDelivery: one signed delivery of a 1 KiB body through the
// handler (verification, body, de-duplication, audit line) with a
// dispatcher that does nothing: what the broker spends on a delivery
// before GitHub is asked anything. go test -run '^$' -bench Delivery
// ./internal/hooks prints ns/op, so deliveries per second per core.
func BenchmarkDelivery(b *testing.B) {
	body := `{"sys":{"id":"x"},"text":"` + strings.Repeat("x", 1000) + `"}`
	for _, c := range []struct {
		name, file string
		header     func(i int) map[string]string
	}{
		{"hmac-sha256", issueExample, func(i int) map[string]string { return signed(body, "d-"+strconv.Itoa(i)) }},
		{"contentful", "hooks:\n  - {name: cms-publish, repository: o/r, event_type: e, secret_env: CMS_HOOK_SECRET, signature: contentful, delivery_header: X-Contentful-Idempotency-Key}\n", func(i int) map[string]string {
			h := map[string]string{"Content-Type": "application/vnd.contentful.management.v1+json", "X-Contentful-Topic": "ContentManagement.Entry.publish", "X-Contentful-Idempotency-Key": "k-" + strconv.Itoa(i)}
			signContentful(secretValue, "POST", "/hooks/cms-publish", body, h, []string{"content-type", "x-contentful-topic", "x-contentful-idempotency-key"}, epoch)
			return h
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			set, err := Parse([]byte(c.file), getenv(fileEnv))
			if err != nil {
				b.Fatal(err)
			}
			h := NewHandler(set, &recorder{}, Options{Now: newClock(epoch).Now, Audit: io.Discard})
			mux := http.NewServeMux()
			mux.Handle("POST /hooks/{name}", h)
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				reqs[i] = httptest.NewRequest(http.MethodPost, "/hooks/cms-publish", strings.NewReader(body))
				for k, v := range c.header(i) {
					reqs[i].Header.Set(k, v)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, reqs[i])
				if rec.Code != http.StatusAccepted {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
