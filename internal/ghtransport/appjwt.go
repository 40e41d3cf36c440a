package ghtransport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/ghapi"
)

// Signer makes App JWTs. The appkey package implements it over the App's
// private key.
type Signer interface {
	// Sign returns a fresh JWT. Its errors must not contain key material.
	Sign() (string, error)
	// SetClockOffset makes later JWTs use the runner's clock plus d, which
	// is GitHub's clock as last seen.
	SetClockOffset(d time.Duration)
}

// ContextSigner is a Signer whose signing is a call of its own (a KMS
// that holds the key): AppJWT signs with the request's context, so the
// call ends with the request.
type ContextSigner interface {
	Signer
	SignContext(ctx context.Context) (string, error)
}

// AppJWT signs each request with a fresh App JWT, and recovers once when
// GitHub rejects the JWT's time claims because the runner's clock is off:
// it reads GitHub's time from the answer's Date header, passes the
// difference to the Signer, and sends the request once more with a new JWT.
//
// A caller may assume: the request it passed is not modified; any other 401
// (a key that does not belong to the App, say) comes back untouched; the
// clock recovery happens at most once per request and only for a request
// whose body can be replayed. Neither logs nor errors carry the JWT.
type AppJWT struct {
	// Base sends the signed request; it must be set.
	Base http.RoundTripper
	// Signer makes the JWTs; it must be set.
	Signer Signer
	// Now is the runner's clock without any offset, the one the Signer
	// adds its offset to; nil means time.Now.
	Now func() time.Time
	// Log receives one line when the clock is corrected; nil is silent.
	Log func(line string)
}

// RoundTrip implements http.RoundTripper.
func (t *AppJWT) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Base == nil || t.Signer == nil {
		closeRequestBody(req)
		return nil, errors.New("ghtransport: AppJWT needs Base and Signer")
	}
	signed, err := t.sign(req, false)
	if err != nil {
		closeRequestBody(req)
		return nil, err
	}
	resp, err := t.Base.RoundTrip(signed)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil || ghapi.Classify(resp.StatusCode, githubMessage(peekBody(resp))) != ghapi.JWTTime {
		return resp, nil
	}
	offset := date.Sub(t.now())
	t.Signer.SetClockOffset(offset)
	t.log(offset)
	discard(resp)
	if signed, err = t.sign(req, true); err != nil {
		return nil, err
	}
	return t.Base.RoundTrip(signed)
}

// sign returns a copy of req carrying a new JWT; again asks for a fresh
// copy of the body as well.
func (t *AppJWT) sign(req *http.Request, again bool) (*http.Request, error) {
	var jwt string
	var err error
	if cs, ok := t.Signer.(ContextSigner); ok {
		jwt, err = cs.SignContext(req.Context())
	} else {
		jwt, err = t.Signer.Sign()
	}
	if err != nil {
		return nil, &permanentError{fmt.Errorf("sign App JWT: %w", err)}
	}
	r := req
	if again {
		if r, err = resend(req.Context(), req); err != nil {
			return nil, fmt.Errorf("replay request body: %w", err)
		}
	} else {
		r = req.Clone(req.Context())
	}
	r.Header.Set("Authorization", "Bearer "+jwt)
	return r, nil
}

func (t *AppJWT) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *AppJWT) log(offset time.Duration) {
	if t.Log == nil {
		return
	}
	side, by := "behind", offset
	if offset < 0 {
		side, by = "ahead of", -offset
	}
	t.Log(fmt.Sprintf("runner clock is %s %s GitHub's; signed a new App JWT with GitHub's time",
		by.Round(time.Second), side))
}
