package mint_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/mint"
)

type fixedSource struct{}

func (fixedSource) Sign(context.Context) (string, error) { return "signed", nil }
func (fixedSource) SetClockOffset(time.Duration)         {}

// Both stacks read no answer past ghtransport.MaxAnswer, whoever reads it:
// the cap sits in the transports, not only in ghclient.
func TestTransportsLimitEveryBody(t *testing.T) {
	t.Parallel()
	big := roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
			Body: io.NopCloser(bytes.NewReader(make([]byte, ghtransport.MaxAnswer+1)))}, nil
	})
	app, token := mint.Transports(mint.Options{Env: env.Env{Base: big}}, ghtransport.Policy{}, fixedSource{})
	for name, rt := range map[string]http.RoundTripper{"app": app, "token": token} {
		req, _ := http.NewRequest("GET", "https://api.github.com/app", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		var large *ghtransport.BodyTooLargeError
		if !errors.As(err, &large) || n != ghtransport.MaxAnswer {
			t.Errorf("%s: read %d bytes, error %v; want %d and *BodyTooLargeError", name, n, err, ghtransport.MaxAnswer)
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
