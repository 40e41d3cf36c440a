package hooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Scheme is how a sender proves it knows a hook's secret. Each vendor
// scheme follows its published description (docs/webhooks.md cites them;
// testdata/vectors.json holds their example values).
type Scheme uint8

// The schemes. The zero Scheme is none.
const (
	_ Scheme = iota
	// HMACSHA256: signature_header (X-Hub-Signature-256 by default) holds
	// "sha256=" and the hex HMAC-SHA256 of the raw body, as GitHub signs
	// its own webhooks: the generic signed webhook.
	HMACSHA256
	// Bearer: "Authorization: Bearer <secret>".
	Bearer
	// Header: signature_header's value is the secret.
	Header
	// Contentful: request verification, the HMAC-SHA256 (hex) of a
	// canonical request (method, path, signed headers, body) in
	// x-contentful-signature, timed by x-contentful-timestamp.
	Contentful
	// Sanity: sanity-webhook-signature "t=<ms>,v1=<base64url HMAC-SHA256
	// of t.body>".
	Sanity
	// Ghost: X-Ghost-Signature "sha256=<hex HMAC-SHA256 of body then
	// t>, t=<ms>".
	Ghost
	// Storyblok: webhook-signature, the hex HMAC-SHA1 of the body.
	Storyblok
	// WPWebhooks: the WP Webhooks plugin's X-WP-Webhook-Signature, the
	// base64 HMAC-SHA256 of the body.
	WPWebhooks
	numSchemes
)

// scheme is what the handler needs to know of a Scheme.
type scheme struct {
	name string
	// header carries the proof: the default for HMACSHA256, fixed for
	// the vendors, "" for Header (signature_header names it).
	header string
	// settable: signature_header may be set (HMACSHA256, Header).
	settable bool
	// timed: the proof is signed with a time, so it is checked against
	// ReplayWindow and a delivery is known again by its signature.
	timed bool
}

var schemes = [numSchemes]scheme{
	HMACSHA256: {"hmac-sha256", "X-Hub-Signature-256", true, false},
	Bearer:     {"bearer", "Authorization", false, false},
	Header:     {"header", "", true, false},
	Contentful: {"contentful", "X-Contentful-Signature", false, true},
	Sanity:     {"sanity", "Sanity-Webhook-Signature", false, true},
	Ghost:      {"ghost", "X-Ghost-Signature", false, true},
	Storyblok:  {"storyblok", "Webhook-Signature", false, false},
	WPWebhooks: {"wp-webhooks", "X-WP-Webhook-Signature", false, false},
}

func (s Scheme) String() string { return schemes[s].name }

// schemeNames lists the schemes as the hook file spells them.
func schemeNames() []string {
	names := make([]string, 0, numSchemes-1)
	for s := Scheme(1); s < numSchemes; s++ {
		names = append(names, schemes[s].name)
	}
	return names
}

// lookupScheme finds a scheme by its name in the hook file.
func lookupScheme(name string) (Scheme, bool) {
	for s := Scheme(1); s < numSchemes; s++ {
		if schemes[s].name == name {
			return s, true
		}
	}
	return 0, false
}

// ReplayWindow is how far a timed scheme's timestamp may be from the
// broker's clock, either way: older is a replay (or a delivery delayed
// past use), newer a clock to fix. Inside it, a replay of the same signed
// request is a duplicate (dedupeWindow is longer).
const ReplayWindow = 5 * time.Minute

// maxProof bounds a signature header's value; every scheme's fits in a
// few hundred bytes.
const maxProof = 1 << 10

// The reasons a delivery fails verification, as the audit line says them.
const (
	reasonMissing = "missing_signature"
	reasonBad     = "bad_signature"
	reasonStale   = "stale_signature"
)

// proof is what verify found: ok, or why not; and the signature's text
// for a timed scheme (a replay of it is a duplicate).
type proof struct {
	ok     bool
	reason string
	signed string
}

func refused(reason string) proof { return proof{reason: reason} }

// request is what verification reads of a delivery.
type request struct {
	method, host, path, rawQuery string
	header                       http.Header
	body                         []byte
	now                          time.Time
}

// verify checks r's proof for hook h. Every comparison of what the sender
// sent with what the secret makes is constant-time: a MAC with hmac.Equal
// (both sides a digest of one length), a secret by comparing SHA-256
// digests of both with hmac.Equal, so not even a secret's length leaks.
func (h *Hook) verify(r request) proof {
	name := h.SignatureHeader
	v, p := one(r.header, name)
	if !p.ok {
		return p
	}
	switch h.Scheme {
	case HMACSHA256:
		sent, well := strings.CutPrefix(v, "sha256=")
		return compareMAC(well, sent, hex.DecodeString, h.mac(sha256.New, r.body))
	case Bearer:
		word, token, _ := strings.Cut(v, " ")
		return secretProof(strings.EqualFold(word, "Bearer"), strings.TrimLeft(token, " "), h.key.b)
	case Header:
		return secretProof(true, v, h.key.b)
	case Contentful:
		return h.contentful(r, v)
	case Sanity:
		return h.sanity(r, v)
	case Ghost:
		return h.ghost(r, v)
	case Storyblok:
		return compareMAC(true, v, hex.DecodeString, h.mac(sha1.New, r.body))
	}
	return compareMAC(true, v, base64.StdEncoding.DecodeString, h.mac(sha256.New, r.body))
}

// one returns the value of the header name, which must come once and not
// empty; a second value is refused (which one would be signed?).
func one(h http.Header, name string) (string, proof) {
	vs := h.Values(name)
	if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
		return "", refused(reasonMissing)
	}
	if len(vs) > 1 || len(vs[0]) > maxProof {
		return "", refused(reasonBad)
	}
	return vs[0], proof{ok: true}
}

// mac is the HMAC of parts under the hook's secret.
func (h *Hook) mac(alg func() hash.Hash, parts ...[]byte) []byte {
	m := hmac.New(alg, h.key.b)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// compareMAC compares an encoded MAC, sent, with want; well is false when
// the header's shape was already wrong.
func compareMAC(well bool, sent string, decode func(string) ([]byte, error), want []byte) proof {
	got, err := decode(sent)
	if !well || err != nil || !hmac.Equal(got, want) {
		return refused(reasonBad)
	}
	return proof{ok: true}
}

// secretProof compares a secret sent as it is with the hook's, through
// their SHA-256 digests.
func secretProof(well bool, sent string, secret []byte) proof {
	a, b := sha256.Sum256([]byte(sent)), sha256.Sum256(secret)
	if !hmac.Equal(a[:], b[:]) || !well {
		return refused(reasonBad)
	}
	return proof{ok: true}
}

// timed checks a timestamp in milliseconds since 1970 (all three timed
// schemes send those) against ReplayWindow.
func timed(ms string, now time.Time) (string, bool) {
	if ms == "" || len(ms) > 16 || strings.Trim(ms, "0123456789") != "" {
		return "", false
	}
	t, _ := strconv.ParseInt(ms, 10, 64) // 16 digits cannot overflow
	d := now.UnixMilli() - t
	if d > ReplayWindow.Milliseconds() || -d > ReplayWindow.Milliseconds() {
		return "", false
	}
	return strconv.FormatInt(t, 10), true
}

// contentful verifies Contentful's request verification, as
// @contentful/node-apps-toolkit's verifyRequest does: the signed headers
// are those x-contentful-signed-headers lists (lower-cased, values
// trimmed), always with x-contentful-signed-headers and
// x-contentful-timestamp themselves (their values as the toolkit
// recomputes them), sorted by name, each "name:value", joined by ";"; the
// canonical request is method, path, those headers and the body joined by
// newlines; its HMAC-SHA256 in hex is the signature.
func (h *Hook) contentful(r request, sig string) proof {
	const listName, tsName = "x-contentful-signed-headers", "x-contentful-timestamp"
	ts, p := one(r.header, tsName)
	if !p.ok {
		return p
	}
	list, p := one(r.header, listName)
	if !p.ok {
		return p
	}
	ts, fresh := timed(ts, r.now)
	if !fresh {
		return refused(reasonStale)
	}
	// The signature covers the path as sent; a query string would be
	// signed in a form of the toolkit's own, so the hook's URL has none.
	if r.rawQuery != "" {
		return refused(reasonBad)
	}
	listed := strings.Split(list, ",")
	if len(listed) > 32 {
		return refused(reasonBad)
	}
	picked := map[string]string{listName: "", tsName: ts}
	// Go keeps Host apart from the other headers.
	if contains(listed, "host") {
		picked["host"] = r.host
	}
	for k, vs := range r.header {
		k = strings.ToLower(k)
		if k == listName || k == tsName || !contains(listed, k) {
			continue
		}
		if len(vs) != 1 {
			return refused(reasonBad)
		}
		picked[k] = strings.TrimSpace(vs[0])
	}
	names := make([]string, 0, len(picked))
	for k := range picked {
		names = append(names, k)
	}
	sort.Strings(names)
	picked[listName] = strings.Join(names, ",")
	lines := make([]string, len(names))
	for i, k := range names {
		lines[i] = k + ":" + picked[k]
	}
	canonical := r.method + "\n" + r.path + "\n" + strings.Join(lines, ";") + "\n"
	p = compareMAC(true, sig, hex.DecodeString, h.mac(sha256.New, []byte(canonical), r.body))
	p.signed = sig
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sanity verifies "t=<ms>,v1=<sig>" (a comma or spaces between, as
// @sanity/webhook reads it), sig the unpadded base64url HMAC-SHA256 of
// "<ms>.<body>".
func (h *Hook) sanity(r request, v string) proof {
	t, rest, ok := strings.Cut(strings.TrimSpace(v), ",")
	t, ok1 := strings.CutPrefix(t, "t=")
	sig, ok2 := strings.CutPrefix(strings.TrimLeft(rest, ", "), "v1=")
	if !ok || !ok1 || !ok2 || strings.ContainsAny(sig, ", ") {
		return refused(reasonBad)
	}
	ts, fresh := timed(t, r.now)
	if !fresh {
		return refused(reasonStale)
	}
	p := compareMAC(true, sig, base64.RawURLEncoding.DecodeString, h.mac(sha256.New, []byte(ts+"."), r.body))
	p.signed = v
	return p
}

// ghost verifies "sha256=<hex>, t=<ms>", hex the HMAC-SHA256 of the body
// followed by <ms>, as Ghost's webhook-trigger.js signs it.
func (h *Hook) ghost(r request, v string) proof {
	mac, t, ok := strings.Cut(v, ",")
	mac, ok1 := strings.CutPrefix(mac, "sha256=")
	t, ok2 := strings.CutPrefix(strings.TrimSpace(t), "t=")
	if !ok || !ok1 || !ok2 {
		return refused(reasonBad)
	}
	ts, fresh := timed(t, r.now)
	if !fresh {
		return refused(reasonStale)
	}
	p := compareMAC(true, mac, hex.DecodeString, h.mac(sha256.New, r.body, []byte(ts)))
	p.signed = v
	return p
}
