package ghtransport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/ghapi"
)

// JWTSource is the one way the App stack gets its JWTs: appkey's JWTSigner
// (the App's key, local or in a KMS), appkey's GivenJWT (a JWT signed
// elsewhere), ReuseJWT over either, and the core's masking wrapper all
// implement it, so nothing asks which one it holds.
type JWTSource interface {
	// Sign returns an App JWT valid now (a fresh one, or one still living
	// long enough: ReuseJWT). A signing that is a call of its own (a KMS)
	// ends with ctx. Its errors must not contain key material.
	Sign(ctx context.Context) (string, error)
	// SetClockOffset makes later JWTs use the local clock plus d, which is
	// GitHub's clock as last seen.
	SetClockOffset(d time.Duration)
}

// AppJWT signs each request with the App JWT its Source gives for it (a
// fresh one each time, or with ReuseJWT one shared while it lives long
// enough), signed with the request's context, and recovers once when
// GitHub rejects the JWT's time claims because the local clock is off: it
// reads GitHub's time from the answer's Date header, passes the difference
// to the Source (which makes ReuseJWT drop its JWT), and sends the request
// once more with a JWT signed after that.
//
// A caller may assume: the request it passed is not modified; any other 401
// (a key that does not belong to the App, say) comes back untouched; the
// clock recovery happens at most once per request and only for a request
// whose body can be replayed; a Date more than MaxClockCorrection away from
// the local clock is not believed: the call fails with a
// *ClockSkewError instead, and no JWT is signed for that time. Neither logs
// nor errors carry the JWT.
type AppJWT struct {
	// Base sends the signed request; it must be set.
	Base http.RoundTripper
	// Source makes the JWTs; it must be set.
	Source JWTSource
	// Now is the local clock without any offset, the one the Source adds
	// its offset to; nil means time.Now.
	Now func() time.Time
	// Log receives one line when the clock is corrected; nil is silent.
	Log func(line string)
}

// RoundTrip implements http.RoundTripper.
func (t *AppJWT) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Base == nil || t.Source == nil {
		closeRequestBody(req)
		return nil, errors.New("ghtransport: AppJWT needs Base and Source")
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
	if offset.Abs() > MaxClockCorrection {
		discard(resp)
		return nil, &permanentError{&ClockSkewError{Offset: offset}}
	}
	t.Source.SetClockOffset(offset)
	t.log(offset)
	discard(resp)
	if signed, err = t.sign(req, true); err != nil {
		return nil, err
	}
	return t.Base.RoundTrip(signed)
}

// sign returns a copy of req carrying the Source's JWT; again asks for a
// fresh copy of the body as well.
func (t *AppJWT) sign(req *http.Request, again bool) (*http.Request, error) {
	jwt, err := t.Source.Sign(req.Context())
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

// MaxClockCorrection bounds how far the App JWT's clock follows a server's
// Date header. GitHub asks for clocks within about a minute, and machines
// that drift do so by minutes; a Date days away is a wrong clock or a
// server that is not GitHub, and following it would sign a JWT valid at
// a time of the server's choosing (a year ahead: a credential that mints
// tokens for every installation of the App, for a year). Ten minutes is
// GitHub's own limit on a JWT's lifetime: a JWT signed after the largest
// correction expires at most 19 minutes after the local now.
const MaxClockCorrection = 10 * time.Minute

// ClockSkewError is a server whose Date is more than MaxClockCorrection
// away from the local clock, after it rejected an App JWT's time.
type ClockSkewError struct {
	// Offset is the server's time minus the local clock's.
	Offset time.Duration
}

func (e *ClockSkewError) Error() string {
	return fmt.Sprintf("GitHub rejected the App JWT's time, and its clock (the Date it answered with) is %s the local clock, more than the %s a JWT's clock is corrected by: set the local clock right (is NTP running?) and check that the API URL is GitHub's",
		e.Describe(), forLog(MaxClockCorrection))
}

// Describe says how far the server's clock is from the local one, as
// "3m0s ahead of" or "2 days behind", for the caller to finish the
// sentence in its own words (whose clock the local one is).
func (e *ClockSkewError) Describe() string { return describeOffset(e.Offset) }

// describeOffset says "3m0s ahead of" or "2h0m0s behind" for the server's
// clock against the local one.
func describeOffset(d time.Duration) string {
	side := " ahead of"
	if d < 0 {
		side, d = " behind", -d
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", (d+12*time.Hour)/(24*time.Hour)) + side
	}
	return d.Round(time.Second).String() + side
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
	t.Log(fmt.Sprintf("local clock is %s %s GitHub's; signed a new App JWT with GitHub's time",
		by.Round(time.Second), side))
}
