package githubtest

// An OpenID Connect issuer, as a token broker sees GitHub Actions', GitLab's,
// CircleCI's or Buildkite's: a discovery document (OpenID Connect Discovery
// 1.0, section 4) at {issuer}/.well-known/openid-configuration naming a JWKS
// (RFC 7517) at {issuer}/.well-known/jwks, whose keys sign the ID tokens it
// mints (idtoken.go). No GitHub REST description covers these, so they are
// served beside githubtest.Server, never through it, and the contract check
// never sees them.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The signing algorithms an Issuer's keys use: what a broker must accept.
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// The paths under an issuer's URL: discovery, and the JWKS (GitHub's name
// for it).
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks"
)

// IssuerKey is one signing key: its private half signs ID tokens, its
// public half is what a JWKS publishes under KID.
type IssuerKey struct {
	KID    string // RFC 7638 thumbprint of the public key, unless set otherwise
	Alg    string // RS256 or ES256
	signer crypto.Signer
}

// NewIssuerKey makes a key for alg (RS256: RSA 2048; ES256: P-256) that no
// issuer publishes yet: Issuer.Publish publishes it, and a token signed
// with it before then carries a kid no JWKS holds.
func NewIssuerKey(alg string) (*IssuerKey, error) {
	var (
		signer crypto.Signer
		err    error
	)
	switch alg {
	case RS256:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("githubtest: no issuer key for alg %q (RS256 or ES256)", alg)
	}
	if err != nil {
		return nil, err
	}
	k := &IssuerKey{Alg: alg, signer: signer}
	k.KID = k.thumbprint()
	return k, nil
}

// Public is the key's public half.
func (k *IssuerKey) Public() crypto.PublicKey { return k.signer.Public() }

// JWK is the key's public half as a JSON Web Key (RFC 7517, RFC 7518
// section 6), with kid, use and alg, as it appears in the JWKS.
func (k *IssuerKey) JWK() map[string]any {
	m := k.members()
	m["kid"], m["use"], m["alg"] = k.KID, "sig", k.Alg
	return m
}

// members are the JWK members that define the key (RFC 7638 section 3.2).
func (k *IssuerKey) members() map[string]any {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": b64u(pub.N.Bytes()), "e": b64u(big.NewInt(int64(pub.E)).Bytes())}
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		pub.X.FillBytes(x)
		pub.Y.FillBytes(y)
		return map[string]any{"kty": "EC", "crv": "P-256", "x": b64u(x), "y": b64u(y)}
	}
	return map[string]any{}
}

// thumbprint is the key's RFC 7638 thumbprint: encoding/json writes a
// map's keys sorted and without spaces, as the RFC asks.
func (k *IssuerKey) thumbprint() string {
	b, _ := json.Marshal(k.members())
	sum := sha256.Sum256(b)
	return b64u(sum[:])
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// IssuerConfig describes an Issuer. Zero fields take the defaults given.
type IssuerConfig struct {
	// Path is where the issuer lives under its server: "" for the root
	// (GitHub's https://token.actions.githubusercontent.com), or a path
	// such as "/_services/token" (GitHub Enterprise Server's) or
	// "/org/ORG_ID" (CircleCI's). Several issuers may share a server
	// under different paths (ServeIssuers).
	Path string
	// Algs lists the keys made at the start, one per entry, in order;
	// nil means RS256 then ES256. The first RS256 key signs by default.
	Algs []string
	// Now is the clock for iat, nbf and exp; nil = time.Now.
	Now func() time.Time
	// TTL is how long a minted token is valid; 0 = 5 minutes, as GitHub's.
	TTL time.Duration
	// CA serves the issuer over HTTPS with a certificate it signs
	// (StartIssuer); nil serves plain HTTP on loopback.
	CA *PrivateCA
	// After is how a Fault's delay waits; nil = time.After.
	After func(time.Duration) <-chan time.Time
}

// Issuer is an OpenID Connect issuer for tests of token brokers: it serves
// discovery and a JWKS, counts who fetched them, rotates keys, and mints ID
// tokens with chosen claims, valid or hostile (Mint). An http.Handler; all
// methods are safe for concurrent use.
type Issuer struct {
	path  string
	now   func() time.Time
	ttl   time.Duration
	after func(time.Duration) <-chan time.Time

	mu        sync.Mutex
	url       string
	keys      []*IssuerKey // published, oldest first
	discovery []time.Time  // when each discovery fetch came (Now)
	jwks      []time.Time
	minted    []string
	edit      func(doc map[string]any)
	faults    []*faultState
}

// NewIssuer makes an issuer with fresh keys. Its URL is known once it is
// served: StartIssuer or ServeIssuers set it, or SetBaseURL.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	path := strings.TrimRight(cfg.Path, "/")
	if path != "" && !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("githubtest: issuer path %q does not start with /", cfg.Path)
	}
	i := &Issuer{path: path, now: cfg.Now, ttl: cfg.TTL, after: cfg.After}
	if i.now == nil {
		i.now = time.Now
	}
	if i.ttl <= 0 {
		i.ttl = 5 * time.Minute
	}
	if i.after == nil {
		i.after = time.After
	}
	algs := cfg.Algs
	if algs == nil {
		algs = []string{RS256, ES256}
	}
	for _, alg := range algs {
		k, err := NewIssuerKey(alg)
		if err != nil {
			return nil, err
		}
		i.keys = append(i.keys, k)
	}
	return i, nil
}

// StartIssuer serves a new issuer on its own loopback server (HTTPS when
// cfg.CA is set) for the rest of tb.
func StartIssuer(tb testing.TB, cfg IssuerConfig) *Issuer {
	tb.Helper()
	i, err := NewIssuer(cfg)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	ServeIssuers(tb, cfg.CA, i)
	return i
}

// ServeIssuers serves issuers on one loopback server for the rest of tb,
// each under its own Path (over HTTPS when ca is set), and sets their URLs.
func ServeIssuers(tb testing.TB, ca *PrivateCA, issuers ...*Issuer) *httptest.Server {
	tb.Helper()
	h := issuerMux(slices.Clone(issuers))
	var srv *httptest.Server
	if ca == nil {
		srv = httptest.NewServer(h)
	} else {
		var err error
		if srv, err = ca.ServeTLS(h); err != nil {
			tb.Fatalf("serve issuers over TLS: %v", err)
		}
	}
	tb.Cleanup(srv.Close)
	for _, i := range issuers {
		i.SetBaseURL(srv.URL)
	}
	return srv
}

// issuerMux sends each request to the issuer whose path it is under, the
// longest first.
type issuerMux []*Issuer

func (m issuerMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var best *Issuer
	for _, i := range m {
		if strings.HasPrefix(r.URL.Path, i.path+"/") && (best == nil || len(i.path) > len(best.path)) {
			best = i
		}
	}
	if best == nil {
		http.NotFound(w, r)
		return
	}
	best.ServeHTTP(w, r)
}

// SetBaseURL says where the issuer is served: its URL, the iss of its
// tokens, becomes base (scheme and host, no slash at the end) + Path.
func (i *Issuer) SetBaseURL(base string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.url = strings.TrimRight(base, "/") + i.path
}

// URL is the issuer's identifier: the iss of its tokens and the issuer of
// its discovery document.
func (i *Issuer) URL() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.url
}

// Path is the issuer's path under its server.
func (i *Issuer) Path() string { return i.path }

// Keys returns the published keys, oldest first.
func (i *Issuer) Keys() []*IssuerKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.keys)
}

// Key returns the newest published key for alg, or nil.
func (i *Issuer) Key(alg string) *IssuerKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keyLocked(alg)
}

func (i *Issuer) keyLocked(alg string) *IssuerKey {
	for j := len(i.keys) - 1; j >= 0; j-- {
		if i.keys[j].Alg == alg {
			return i.keys[j]
		}
	}
	return nil
}

// AddKey makes a key for alg and publishes it: the newest key of its alg,
// it signs from now on (a rotation). It fails the test on an unknown alg.
func (i *Issuer) AddKey(tb testing.TB, alg string) *IssuerKey {
	tb.Helper()
	k, err := NewIssuerKey(alg)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	i.Publish(k)
	return k
}

// Publish adds k to the JWKS (again, if it was there before).
func (i *Issuer) Publish(k *IssuerKey) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = slices.DeleteFunc(i.keys, func(x *IssuerKey) bool { return x.KID == k.KID })
	i.keys = append(i.keys, k)
}

// Unpublish removes the keys with kid from the JWKS: tokens they signed no
// longer verify once a verifier fetches the JWKS again.
func (i *Issuer) Unpublish(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = slices.DeleteFunc(i.keys, func(x *IssuerKey) bool { return x.KID == kid })
}

// EditDiscovery lets edit change the discovery document before each answer
// (point jwks_uri elsewhere, claim another issuer, drop an alg): a hostile
// or broken issuer. nil restores the document.
func (i *Issuer) EditDiscovery(edit func(doc map[string]any)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.edit = edit
}

// AddFault appends f to the faults tried on each request to the issuer;
// f.Path is matched against the path under the issuer's (DiscoveryPath,
// JWKSPath). A faulted request still counts as a fetch.
func (i *Issuer) AddFault(f Fault) {
	st := newFaultState(f)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.faults = append(i.faults, st)
}

// DiscoveryFetches is how many requests the discovery document received.
func (i *Issuer) DiscoveryFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.discovery)
}

// JWKSFetches is how many requests the JWKS received: what a test of a
// verifier's refetch rate counts.
func (i *Issuer) JWKSFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.jwks)
}

// JWKSFetchTimes is when each JWKS request came, on the issuer's clock.
func (i *Issuer) JWKSFetchTimes() []time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.jwks)
}

// Minted lists every token Mint returned, for leak checks.
func (i *Issuer) Minted() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.minted)
}

// claimsSupported are GitHub's (its discovery document lists them), which
// the other presets' claims mostly share.
var claimsSupported = []string{
	"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository", "repository_id",
	"repository_owner", "repository_owner_id", "run_id", "run_number", "run_attempt", "actor", "actor_id",
	"workflow", "workflow_ref", "workflow_sha", "head_ref", "base_ref", "event_name", "ref_type",
	"ref_protected", "environment", "job_workflow_ref", "job_workflow_sha", "repository_visibility",
	"runner_environment",
}

// discoveryLocked is the discovery document: the members OpenID Connect
// Discovery 1.0 section 3 requires of an issuer that only signs ID tokens,
// as GitHub's has them (no authorization_endpoint: GitHub's has none).
func (i *Issuer) discoveryLocked() map[string]any {
	var algs []string
	for _, k := range i.keys {
		if !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	slices.Sort(algs)
	if algs == nil {
		algs = []string{}
	}
	doc := map[string]any{
		"issuer":                                i.url,
		"jwks_uri":                              i.url + JWKSPath,
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token"},
		"claims_supported":                      slices.Clone(claimsSupported),
		"id_token_signing_alg_values_supported": algs,
		"scopes_supported":                      []string{"openid"},
	}
	if i.edit != nil {
		i.edit(doc)
	}
	return doc
}

// ServeHTTP answers GET {path}/.well-known/openid-configuration and GET
// {path}/.well-known/jwks, counting each; anything else is 404.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sub, ok := strings.CutPrefix(r.URL.Path, i.path)
	if !ok || (sub != DiscoveryPath && sub != JWKSPath) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	i.mu.Lock()
	now := i.now()
	var body any
	if sub == DiscoveryPath {
		i.discovery = append(i.discovery, now)
		body = i.discoveryLocked()
	} else {
		i.jwks = append(i.jwks, now)
		keys := make([]map[string]any, 0, len(i.keys))
		for _, k := range i.keys {
			keys = append(keys, k.JWK())
		}
		body = map[string]any{"keys": keys}
	}
	f := takeFault(i.faults, r.Method, sub)
	i.mu.Unlock()
	if f != nil && serveFault(i.after, w, r, f) {
		return
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// keyFor picks the key a token is signed with: the newest published key
// for alg, else the newest published key of any alg.
func (i *Issuer) keyFor(alg string) *IssuerKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	if k := i.keyLocked(alg); k != nil {
		return k
	}
	if len(i.keys) > 0 {
		return i.keys[len(i.keys)-1]
	}
	return nil
}
