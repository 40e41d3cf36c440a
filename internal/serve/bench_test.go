package serve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/app-token/app-token/internal/broker"
)

// What the door costs an exchange, beside the core's work: reading the
// request, the answer, the audit line and the metrics. A refusal costs
// more: its guard learns the bearer's signature to keep it out of what is
// shown.
//
//	go test -run '^$' -bench . -benchmem ./internal/serve
func BenchmarkDoor(b *testing.B) {
	for _, c := range []struct {
		name   string
		answer func(context.Context, broker.Request) (*broker.Grant, error)
	}{
		{"allowed", nil},
		{"denied", func(_ context.Context, req broker.Request) (*broker.Grant, error) {
			return nil, &broker.Error{Kind: broker.Denied, Rule: "subject", Message: "the token's subject (sub) does not match subject_pattern \"repo:octo/app:ref:refs/heads/main\"",
				Audit: broker.Audit{Identity: req.Identity, Scope: req.Scope, Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:octo/app:pull_request"}}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := New(Config{Exchanger: &benchExchanger{answer: c.answer}, Audit: NewAudit(io.Discard), Log: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/sts/exchange?scope=octo/app&identity=deploy", nil)
			r.Header = bearer()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK && w.Code != http.StatusForbidden {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// benchExchanger answers without recording.
type benchExchanger struct {
	answer func(context.Context, broker.Request) (*broker.Grant, error)
}

func (e *benchExchanger) Exchange(ctx context.Context, req broker.Request) (*broker.Grant, error) {
	if e.answer == nil {
		return grant(req), nil
	}
	return e.answer(ctx, req)
}
