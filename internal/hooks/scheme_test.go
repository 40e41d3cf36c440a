package hooks

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// hookFor makes a hook of scheme s with secret, its header as the file
// would set it.
func hookFor(s Scheme, secret, header string) *Hook {
	if header == "" {
		header = schemes[s].header
	}
	return &Hook{Name: "h", Owner: "o", Repo: "r", EventType: "e", Scheme: s, SignatureHeader: http.CanonicalHeaderKey(header), key: &key{[]byte(secret)}}
}

// requestOf is a delivery of body with header, at now.
func requestOf(method, path, body string, header map[string]string, now time.Time) request {
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	return request{method: method, host: "broker.example", path: path, header: h, body: []byte(body), now: now}
}

// Each scheme verifies its published example, and refuses it with one
// byte changed in the body, the signature or the secret.
func TestVectors(t *testing.T) {
	scheme := map[string]Scheme{"hmac-sha256": HMACSHA256, "sanity": Sanity, "sanity-2": Sanity, "contentful": Contentful, "ghost": Ghost, "storyblok": Storyblok, "wp-webhooks": WPWebhooks}
	vs := vectors(t)
	if len(vs) != len(scheme) {
		t.Fatalf("%d vectors; the test knows %d", len(vs), len(scheme))
	}
	for name, v := range vs {
		t.Run(name, func(t *testing.T) {
			s := scheme[name]
			now := time.UnixMilli(v.Timestamp)
			method, path := v.Method, v.Path
			if method == "" {
				method, path = "POST", "/hooks/h"
			}
			verify := func(secret, body string, header map[string]string) proof {
				return hookFor(s, secret, "").verify(requestOf(method, path, body, header, now))
			}
			if p := verify(v.Secret, v.Body, v.Headers); !p.ok {
				t.Fatalf("the published example is refused: %s", p.reason)
			}
			if p := verify(v.Secret, v.Body+" ", v.Headers); p.ok || p.reason != reasonBad {
				t.Errorf("a changed body: %+v", p)
			}
			if p := verify(v.Secret+"x", v.Body, v.Headers); p.ok || p.reason != reasonBad {
				t.Errorf("another secret: %+v", p)
			}
			sigHeader := http.CanonicalHeaderKey(schemes[s].header)
			for k, val := range v.Headers {
				if http.CanonicalHeaderKey(k) != sigHeader {
					continue
				}
				changed := map[string]string{}
				for k2, v2 := range v.Headers {
					changed[k2] = v2
				}
				i := len(val) - 2 // inside the MAC, whatever its encoding
				if s == Ghost {
					i = len("sha256=") + 3 // Ghost's MAC comes first
				}
				flip := byte('A')
				if val[i] == 'A' {
					flip = 'B'
				}
				changed[k] = val[:i] + string(flip) + val[i+1:]
				if p := verify(v.Secret, v.Body, changed); p.ok || p.reason != reasonBad {
					t.Errorf("a changed signature %q: %+v", changed[k], p)
				}
				delete(changed, k)
				if p := verify(v.Secret, v.Body, changed); p.ok || p.reason != reasonMissing {
					t.Errorf("no signature: %+v", p)
				}
			}
		})
	}
}

// The test signers give the published examples, so tests that sign with
// them sign as the senders do.
func TestSignersMatchVectors(t *testing.T) {
	vs := vectors(t)
	at := func(v vector) time.Time { return time.UnixMilli(v.Timestamp) }
	for name, got := range map[string]string{
		"hmac-sha256": signHub(vs["hmac-sha256"].Secret, vs["hmac-sha256"].Body),
		"sanity":      signSanity(vs["sanity"].Secret, vs["sanity"].Body, at(vs["sanity"])),
		"sanity-2":    signSanity(vs["sanity-2"].Secret, vs["sanity-2"].Body, at(vs["sanity-2"])),
		"ghost":       signGhost(vs["ghost"].Secret, vs["ghost"].Body, at(vs["ghost"])),
		"storyblok":   signStoryblok(vs["storyblok"].Secret, vs["storyblok"].Body),
		"wp-webhooks": signWP(vs["wp-webhooks"].Secret, vs["wp-webhooks"].Body),
	} {
		var want string
		for k, v := range vs[name].Headers {
			if strings.Contains(strings.ToLower(k), "signature") {
				want = v
			}
		}
		if got != want {
			t.Errorf("%s: signer gives %q; the example %q", name, got, want)
		}
	}
	c := vs["contentful"]
	header := map[string]string{"Content-Type": c.Headers["Content-Type"], "X-Contentful-Topic": c.Headers["X-Contentful-Topic"]}
	signContentful(c.Secret, c.Method, c.Path, c.Body, header, []string{"content-type", "x-contentful-topic"}, at(c))
	if header["X-Contentful-Signature"] != c.Headers["x-contentful-signature"] || header["X-Contentful-Signed-Headers"] != c.Headers["x-contentful-signed-headers"] {
		t.Errorf("contentful signer gives %v; the example %v", header, c.Headers)
	}
}

// A timed scheme takes a signature from ReplayWindow either side of now,
// not a millisecond more.
func TestReplayWindow(t *testing.T) {
	const secret = "a-secret-of-thirty-two-characters"
	body := `{"a":1}`
	signedAt := epoch
	for _, c := range []struct {
		name string
		s    Scheme
		sign func(at time.Time) map[string]string
	}{
		{"sanity", Sanity, func(at time.Time) map[string]string {
			return map[string]string{"Sanity-Webhook-Signature": signSanity(secret, body, at)}
		}},
		{"ghost", Ghost, func(at time.Time) map[string]string {
			return map[string]string{"X-Ghost-Signature": signGhost(secret, body, at)}
		}},
		{"contentful", Contentful, func(at time.Time) map[string]string {
			h := map[string]string{}
			signContentful(secret, "POST", "/hooks/h", body, h, nil, at)
			return h
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range []struct {
				now    time.Duration
				reason string
			}{
				{0, ""},
				{ReplayWindow, ""},
				{-ReplayWindow, ""},
				{ReplayWindow + time.Millisecond, reasonStale},
				{-ReplayWindow - time.Millisecond, reasonStale},
				{24 * time.Hour, reasonStale},
			} {
				p := hookFor(c.s, secret, "").verify(requestOf("POST", "/hooks/h", body, c.sign(signedAt), signedAt.Add(d.now)))
				if p.ok != (d.reason == "") || p.reason != d.reason {
					t.Errorf("now = signed %+v: %+v; want %q", d.now, p, d.reason)
				}
				if p.ok && p.signed == "" {
					t.Error("a timed proof keeps its signature (to know a replay by)")
				}
			}
		})
	}
}

// Every scheme refuses a proof of the wrong shape as bad, and a missing
// one as missing, without reading further.
func TestProofShapes(t *testing.T) {
	const secret = "a-secret-of-thirty-two-characters"
	body := `{"a":1}`
	ts := "1765432100000"
	for _, c := range []struct {
		name   string
		s      Scheme
		header map[string]string
		reason string
	}{
		{"hub: no prefix", HMACSHA256, map[string]string{"X-Hub-Signature-256": strings.TrimPrefix(signHub(secret, body), "sha256=")}, reasonBad},
		{"hub: sha1 prefix", HMACSHA256, map[string]string{"X-Hub-Signature-256": "sha1=" + strings.TrimPrefix(signHub(secret, body), "sha256=")}, reasonBad},
		{"hub: upper-case hex is hex", HMACSHA256, map[string]string{"X-Hub-Signature-256": "sha256=" + strings.ToUpper(strings.TrimPrefix(signHub(secret, body), "sha256="))}, ""},
		{"hub: not hex", HMACSHA256, map[string]string{"X-Hub-Signature-256": "sha256=zz"}, reasonBad},
		{"hub: empty", HMACSHA256, map[string]string{"X-Hub-Signature-256": ""}, reasonMissing},
		{"hub: too long", HMACSHA256, map[string]string{"X-Hub-Signature-256": signHub(secret, body) + strings.Repeat("0", maxProof)}, reasonBad},
		{"bearer", Bearer, map[string]string{"Authorization": "Bearer " + secret}, ""},
		{"bearer: the word in any case, spaces", Bearer, map[string]string{"Authorization": "bEaReR   " + secret}, ""},
		{"bearer: basic", Bearer, map[string]string{"Authorization": "Basic " + secret}, reasonBad},
		{"bearer: no word", Bearer, map[string]string{"Authorization": secret}, reasonBad},
		{"bearer: a prefix of the secret", Bearer, map[string]string{"Authorization": "Bearer " + secret[:20]}, reasonBad},
		{"bearer: the secret and more", Bearer, map[string]string{"Authorization": "Bearer " + secret + "x"}, reasonBad},
		{"bearer: none", Bearer, map[string]string{}, reasonMissing},
		{"header", Header, map[string]string{"X-Webhook-Secret": secret}, ""},
		{"header: other", Header, map[string]string{"X-Webhook-Secret": secret[1:] + "x"}, reasonBad},
		{"header: Bearer form is not the value", Header, map[string]string{"X-Webhook-Secret": "Bearer " + secret}, reasonBad},
		{"sanity: space after comma", Sanity, map[string]string{"Sanity-Webhook-Signature": strings.Replace(signSanity(secret, body, epoch), ",", ", ", 1)}, ""},
		{"sanity: v2", Sanity, map[string]string{"Sanity-Webhook-Signature": strings.Replace(signSanity(secret, body, epoch), "v1=", "v2=", 1)}, reasonBad},
		{"sanity: no t", Sanity, map[string]string{"Sanity-Webhook-Signature": "v1=abc"}, reasonBad},
		{"sanity: t not digits", Sanity, map[string]string{"Sanity-Webhook-Signature": "t=17654x2100000,v1=abc"}, reasonStale},
		{"sanity: two v1", Sanity, map[string]string{"Sanity-Webhook-Signature": signSanity(secret, body, epoch) + ",v1=abc"}, reasonBad},
		{"sanity: padded", Sanity, map[string]string{"Sanity-Webhook-Signature": signSanity(secret, body, epoch) + "="}, reasonBad},
		{"ghost: no t", Ghost, map[string]string{"X-Ghost-Signature": strings.Split(signGhost(secret, body, epoch), ",")[0]}, reasonBad},
		{"ghost: no sha256=", Ghost, map[string]string{"X-Ghost-Signature": strings.TrimPrefix(signGhost(secret, body, epoch), "sha256=")}, reasonBad},
		{"ghost: t of another time", Ghost, map[string]string{"X-Ghost-Signature": strings.Replace(signGhost(secret, body, epoch), "t="+ts, "t=1765432100001", 1)}, reasonBad},
		{"ghost: t too long", Ghost, map[string]string{"X-Ghost-Signature": "sha256=00, t=12345678901234567"}, reasonStale},
		{"ghost: t empty", Ghost, map[string]string{"X-Ghost-Signature": "sha256=00, t="}, reasonStale},
		{"storyblok: base64", Storyblok, map[string]string{"Webhook-Signature": signWP(secret, body)}, reasonBad},
		{"wp: hex", WPWebhooks, map[string]string{"X-Wp-Webhook-Signature": hexOf(signWP(secret, body))}, reasonBad},
	} {
		t.Run(c.name, func(t *testing.T) {
			header := ""
			if c.s == Header {
				header = "X-Webhook-Secret"
			}
			p := hookFor(c.s, secret, header).verify(requestOf("POST", "/hooks/h", body, c.header, epoch))
			if p.ok != (c.reason == "") || p.reason != c.reason {
				t.Errorf("%+v; want reason %q", p, c.reason)
			}
		})
	}
}

func hexOf(b64 string) string {
	var b strings.Builder
	for i := 0; i < len(b64); i++ {
		b.WriteString("0123456789abcdef"[b64[i]%16 : b64[i]%16+1])
	}
	return b.String()
}

// A header sent twice is refused: which value would be the proof?
func TestTwoProofs(t *testing.T) {
	const secret = "a-secret-of-thirty-two-characters"
	r := requestOf("POST", "/hooks/h", "{}", nil, epoch)
	r.header.Add("Authorization", "Bearer "+secret)
	r.header.Add("Authorization", "Bearer "+secret)
	if p := hookFor(Bearer, secret, "").verify(r); p.ok || p.reason != reasonBad {
		t.Errorf("%+v", p)
	}
}

// Contentful's canonical request: what is signed counts, in any order and
// case; what is not signed does not; the method, the path and the
// timestamp are always signed; a query is refused.
func TestContentfulCanonical(t *testing.T) {
	const secret = "qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19"
	body := `{"sys":{"id":"x"}}`
	signed := func() map[string]string {
		h := map[string]string{"Content-Type": "application/vnd.contentful.management.v1+json", "X-Contentful-Topic": "ContentManagement.Entry.publish", "X-Other": "a"}
		signContentful(secret, "POST", "/hooks/h", body, h, []string{"content-type", "x-contentful-topic"}, epoch)
		return h
	}
	verify := func(method, path, query string, header map[string]string) proof {
		r := requestOf(method, path, body, header, epoch)
		r.rawQuery = query
		return hookFor(Contentful, secret, "").verify(r)
	}
	if p := verify("POST", "/hooks/h", "", signed()); !p.ok {
		t.Fatalf("refused: %+v", p)
	}
	h := signed()
	h["X-Other"] = "b"
	if p := verify("POST", "/hooks/h", "", h); !p.ok {
		t.Errorf("an unsigned header changed: %+v", p)
	}
	h = signed()
	h["X-Contentful-Topic"] = "  ContentManagement.Entry.publish  "
	if p := verify("POST", "/hooks/h", "", h); !p.ok {
		t.Errorf("a signed value's spaces are trimmed: %+v", p)
	}
	h = signed()
	h["X-Contentful-Topic"] = "ContentManagement.Entry.unpublish"
	if p := verify("POST", "/hooks/h", "", h); p.ok {
		t.Error("a signed header changed, still verified")
	}
	h = signed()
	h["X-Contentful-Signed-Headers"] = "x-contentful-signed-headers,x-contentful-timestamp"
	if p := verify("POST", "/hooks/h", "", h); p.ok {
		t.Error("the signed list shortened, still verified")
	}
	if p := verify("PUT", "/hooks/h", "", signed()); p.ok {
		t.Error("another method verified")
	}
	if p := verify("POST", "/hooks/g", "", signed()); p.ok {
		t.Error("another path verified")
	}
	if p := verify("POST", "/hooks/h", "a=1", signed()); p.ok || p.reason != reasonBad {
		t.Errorf("a query: %+v", p)
	}
	h = signed()
	h["X-Contentful-Timestamp"] = "1765432100001"
	if p := verify("POST", "/hooks/h", "", h); p.ok || p.reason != reasonBad {
		t.Errorf("another timestamp: %+v", p)
	}
	for _, drop := range []string{"X-Contentful-Timestamp", "X-Contentful-Signed-Headers", "X-Contentful-Signature"} {
		h = signed()
		delete(h, drop)
		if p := verify("POST", "/hooks/h", "", h); p.ok || p.reason != reasonMissing {
			t.Errorf("without %s: %+v", drop, p)
		}
	}
	// A signed header sent twice is refused.
	r := requestOf("POST", "/hooks/h", body, signed(), epoch)
	r.header.Add("X-Contentful-Topic", "again")
	if p := hookFor(Contentful, secret, "").verify(r); p.ok {
		t.Error("a signed header twice, verified")
	}
	// Host is signed when listed (Go keeps it apart from the headers).
	h = map[string]string{"Host": "broker.example"}
	signContentful(secret, "POST", "/hooks/h", body, h, []string{"host"}, epoch)
	delete(h, "Host")
	if p := verify("POST", "/hooks/h", "", h); !p.ok {
		t.Errorf("host signed: %+v", p)
	}
	r = requestOf("POST", "/hooks/h", body, h, epoch)
	r.host = "other.example"
	if p := hookFor(Contentful, secret, "").verify(r); p.ok {
		t.Error("another host verified")
	}
	// More than 32 signed names: refused before any is read.
	h = signed()
	h["X-Contentful-Signed-Headers"] = strings.Repeat("a,", 32) + "b"
	if p := verify("POST", "/hooks/h", "", h); p.ok || p.reason != reasonBad {
		t.Errorf("33 names: %+v", p)
	}
}
