package idtoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// issuer is one allowlisted issuer: its discovery and keys, fetched
// lazily, and go-oidc's verifier over them. It is go-oidc's KeySet in place
// of oidc.RemoteKeySet, which fetches the keys again on every signature
// failure: here a miss fetches them at most once per interval.
type issuer struct {
	url  string
	f    *fetcher
	oidc *oidc.IDTokenVerifier

	mu        sync.Mutex
	keys      map[string][]jose.JSONWebKey // by kid
	fetchedAt time.Time                    // of the keys held; zero: none yet
	triedAt   time.Time                    // start of the last fetch; zero: never
	lastErr   string                       // why the last fetch failed; "" if it did not
	inflight  chan struct{}                // closed when the fetch under way ends

	// jwksURL is the discovered key set's address; only the one fetch
	// under way reads or writes it.
	jwksURL *url.URL
}

func newIssuer(url string, f *fetcher) *issuer {
	return &issuer{url: url, f: f}
}

// attempt carries one Verify's outcome through go-oidc, which wraps its
// KeySet's errors as text: the typed refusal and the verified payload.
type attempt struct {
	payload []byte
	err     *Error
}

type attemptKey struct{}

// The algorithms as go-jose names them.
var joseAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// VerifySignature implements oidc.KeySet: the key the token's kid names,
// of this issuer, must verify it.
func (is *issuer) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	a, ok := ctx.Value(attemptKey{}).(*attempt)
	if !ok {
		return nil, errors.New("idtoken: a key set used outside Verify")
	}
	jws, err := jose.ParseSigned(raw, joseAlgorithms)
	if err != nil {
		a.err = errMalformed
		return nil, a.err
	}
	// The header as go-jose reads it, which is what it verifies: one
	// signature, since go-oidc refused any other number.
	h := jws.Signatures[0].Header
	if h.KeyID == "" {
		a.err = errNoKid
		return nil, a.err
	}
	keys, e := is.keysFor(ctx, h.KeyID)
	if e != nil {
		a.err = e
		return nil, a.err
	}
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		// go-jose refuses a key of the wrong type for the algorithm.
		if payload, err := jws.Verify(k.Key); err == nil {
			a.payload = payload
			return payload, nil
		}
	}
	a.err = errSignature
	return nil, a.err
}

// keysFor returns the keys kid names, fetching the issuer's keys when kid
// is unknown or the keys are old, unless a fetch started less than an
// interval ago: then it answers from what it holds. Concurrent callers
// share one fetch; each waits at most as long as its ctx allows.
func (is *issuer) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, *Error) {
	waited := false
	for {
		is.mu.Lock()
		now := is.f.now()
		keys, known := is.keys[kid]
		if known && now.Sub(is.fetchedAt) < is.f.maxAge {
			is.mu.Unlock()
			return keys, nil
		}
		if is.inflight == nil && !waited && (is.triedAt.IsZero() || now.Sub(is.triedAt) >= is.f.interval) {
			is.triedAt = now
			is.inflight = make(chan struct{})
			go is.refresh(is.inflight)
		}
		wait := is.inflight
		if wait == nil || waited {
			defer is.mu.Unlock()
			switch {
			case known:
				return keys, nil // old, but the issuer could not be asked or answer
			case is.fetchedAt.IsZero():
				return nil, unreachable(is.url, is.lastErr, max(is.triedAt.Add(is.f.interval).Sub(now), 0))
			}
			return nil, errUnknownKid
		}
		is.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, unreachable(is.url, "no answer in time", 0)
		}
		waited = true
	}
}

// refresh fetches the keys (discovering where they are first, if need be)
// on its own clock, so that a caller who gives up does not cut short the
// fetch others wait for, then wakes them through done.
func (is *issuer) refresh(done chan struct{}) {
	ctx, cancel := context.WithTimeout(oidc.ClientContext(context.Background(), is.f.client), is.f.timeout)
	defer cancel()
	keys, err := is.fetch(ctx)
	is.mu.Lock()
	if err == nil {
		is.keys, is.fetchedAt, is.lastErr = keys, is.f.now(), ""
	} else {
		is.lastErr = why(err, ctx.Err() != nil)
	}
	is.inflight = nil
	is.mu.Unlock()
	close(done)
}

// More reasons a fetch fails, said in why.
var (
	errNoJWKSURL  = errors.New("its discovery document has no jwks_uri")
	errBadJWKSURL = errors.New("its discovery document's jwks_uri is not an https URL")
	errNotJWKS    = errors.New("its jwks_uri answer is not a JSON Web Key Set")
)

// fetch discovers the key set's address through go-oidc (which holds the
// document's issuer to ours) unless it is known, and reads the key set. A
// failed read forgets the address, so the next fetch discovers it anew.
func (is *issuer) fetch(ctx context.Context) (map[string][]jose.JSONWebKey, error) {
	if is.jwksURL == nil {
		p, err := oidc.NewProvider(ctx, is.url)
		if err != nil {
			return nil, err
		}
		var d struct {
			JWKS string `json:"jwks_uri"`
		}
		_ = p.Claims(&d) // NewProvider has decoded the same document
		if d.JWKS == "" {
			return nil, errNoJWKSURL
		}
		u, err := url.Parse(d.JWKS)
		if err != nil || u.User != nil || !secureURL(u) {
			return nil, errBadJWKSURL
		}
		is.jwksURL = u
	}
	keys, err := is.readKeys(ctx)
	if err != nil {
		is.jwksURL = nil
	}
	return keys, err
}

func (is *issuer) readKeys(ctx context.Context) (map[string][]jose.JSONWebKey, error) {
	req := (&http.Request{Method: http.MethodGet, URL: is.jwksURL, Header: http.Header{}}).WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	resp, err := is.f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{resp.StatusCode} // a redirect without a place to go
	}
	body, _ := io.ReadAll(resp.Body) // read and bounded by boundedAnswer
	return parseKeys(body)
}

// parseKeys keeps the signing keys that can verify RS256 or ES256 and have
// a kid; as RFC 7517 asks, it passes over keys it does not understand
// rather than refusing the set.
func parseKeys(body []byte) (map[string][]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(body, &set) != nil {
		return nil, errNotJWKS
	}
	keys := make(map[string][]jose.JSONWebKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if json.Unmarshal(raw, &k) != nil || k.KeyID == "" || k.Use != "" && k.Use != "sig" {
			continue
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				continue
			}
		default:
			continue // private or symmetric keys have no place here
		}
		keys[k.KeyID] = append(keys[k.KeyID], k)
	}
	return keys, nil
}
