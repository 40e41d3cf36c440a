package secret

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// benchRedactor knows what a run's redactor knows: a 2048-bit key's body
// lines, a few App JWTs and a token.
func benchRedactor() *Redactor {
	r := &Redactor{}
	for i := range 25 {
		r.Add(strings.Repeat(string(rune('A'+i)), 3) + "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0g"[:61])
	}
	for i := range 4 {
		r.Add(jwt + strings.Repeat(string(rune('a'+i)), 10))
	}
	r.Add("ghs_16C7e42F292c6912E7710c838347Ae178B4a")
	return r
}

// benchLines are what the action prints: short notes, retry lines, an
// error quoting a server's message.
var benchLines = []string{
	"Minted an installation token for octo-org/app with permissions contents:write; it expires at 2026-01-01T00:00:00Z.\n",
	"GET /repos/octo-org/app/installation: 502 Bad Gateway; retrying in 1.2s (try 2 of 4)\n",
	"::error::mint a token for installation 1001: GitHub answered 422 Unprocessable Entity: " + strings.Repeat("The permissions requested are not granted to this installation. ", 8) + "\n",
}

// BenchmarkRedact is the cost of scrubbing the lines of benchLines.
func BenchmarkRedact(b *testing.B) {
	r := benchRedactor()
	benchLinesThrough(b, benchLines, func(l string) { _ = r.Redact(l) })
}

// BenchmarkWriter is the same lines through the scrubbing writer.
func BenchmarkWriter(b *testing.B) {
	w := &Writer{W: io.Discard, Redactor: benchRedactor()}
	benchLinesThrough(b, benchLines, func(l string) { _, _ = w.Write([]byte(l)) })
}

func benchLinesThrough(b *testing.B, lines []string, scrub func(line string)) {
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			scrub(l)
		}
	}
}

// What a private-key run teaches its redactor: a 2048-bit key's body lines
// (PKCS#8: 25 lines of 64 and one of 24), an App JWT of about 800
// characters and an installation token. The bytes are random, as a key's
// and a signature's are.
var (
	benchKeyLines = func() []string {
		body := randomText(25*64+24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
		var lines []string
		for len(body) > 64 {
			lines, body = append(lines, body[:64]), body[64:]
		}
		return append(lines, body)
	}()
	benchJWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." +
		randomText(420, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") + "." +
		randomText(342, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	benchToken = "ghs_" + randomText(36, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
)

// randomSeed makes each randomText call's text its own.
var randomSeed byte

func randomText(n int, alphabet string) string {
	randomSeed++
	rng := rand.New(rand.NewChaCha8([32]byte{randomSeed}))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// BenchmarkAdd is what teaching a redactor costs, each case ending with the
// first line it scrubs (a redactor may learn lazily, on that line): the
// key's lines one by one, as the command line adds them; one JWT; the token;
// and a whole private-key run, lines written in between as the command line
// writes them.
func BenchmarkAdd(b *testing.B) {
	const line = "app-token: minted an installation token for octo-org/app with permissions contents:read"
	for _, bc := range []struct {
		name string
		run  func(r *Redactor)
	}{
		{"key", func(r *Redactor) {
			for _, l := range benchKeyLines {
				r.Add(l)
			}
			r.Add(benchKeyLines...)
			_ = r.Redact(line)
		}},
		{"jwt", func(r *Redactor) { r.Add(benchJWT); _ = r.Redact(line) }},
		{"token", func(r *Redactor) { r.Add(benchToken); _ = r.Redact(line) }},
		{"run", func(r *Redactor) {
			for _, l := range benchKeyLines {
				r.Add(l)
			}
			_ = r.Redact(line)
			r.Add(benchKeyLines...)
			r.Add(benchJWT)
			r.Add(benchToken)
			_ = r.Redact(line)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.run(&Redactor{})
			}
		})
	}
}

// runRedactor knows what a private-key run's redactor knows (the key's
// lines, an App JWT, the token), learnt already.
func runRedactor() *Redactor {
	r := &Redactor{}
	r.Add(benchKeyLines...)
	r.Add(benchJWT, benchToken)
	_ = r.Redact("")
	return r
}

// benchLongLine is the longest line a Writer scrubs at once (MaxPending): a
// server's JSON answer quoted whole, with some escapes for walk to decode
// and no secret in it.
var benchLongLine = func() string {
	var b strings.Builder
	for i := 0; b.Len() < MaxPending; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"repo-%d","full_name":"octo-org/repo-%d","html_url":"https:\/\/github.com\/octo-org\/repo-%d","description":"Service %d \u2014 deploys"},`, 100000+i, i, i, i, i)
	}
	return b.String()[:MaxPending]
}()

// BenchmarkRedactRun is what scrubbing costs once a run's secrets are
// learnt: the action's typical lines, one 64 KiB line without a secret,
// and the same line with the token and a piece of the JWT inside (each
// found stretch is hidden).
func BenchmarkRedactRun(b *testing.B) {
	r := runRedactor()
	hit := benchLongLine[:MaxPending/3] + benchToken + benchLongLine[MaxPending/3:2*MaxPending/3] +
		benchJWT[100:160] + benchLongLine[2*MaxPending/3:]
	for _, bc := range []struct {
		name  string
		lines []string
	}{
		{"lines", benchLines},
		{"64KiB", []string{benchLongLine}},
		{"64KiB-hit", []string{hit}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchLinesThrough(b, bc.lines, func(l string) { _ = r.Redact(l) })
		})
	}
}

// BenchmarkLearnt is learning a run's secrets whole, and what the learnt
// redactor keeps on the heap (retained-B).
func BenchmarkLearnt(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = runRedactor()
	}
	b.ReportMetric(retained(func() any { return runRedactor() }), "retained-B")
}

// BenchmarkWindowTable weighs fragmentSet, the hand-made table, against a
// Go map holding the same keys (map[uint64]struct{}, sized for them up
// front) on what a run asks of it: learn, every window of a private-key
// run's secrets (about 10,000); probe, every window of a 64 KiB line
// holding the token (nearly all misses, as in any log line). The hashing,
// the same for both, is done beforehand; retained-B is what each keeps on
// the heap.
func BenchmarkWindowTable(b *testing.B) {
	var learnt fragmentSet
	for _, s := range append(slices.Clone(benchKeyLines), benchJWT, benchToken) {
		learnt.add(forms(normal(s))...)
	}
	var keys []uint64
	for _, k := range learnt.slots {
		if k != 0 {
			keys = append(keys, k)
		}
	}
	line := []byte(normal(benchLongLine[:MaxPending/2] + benchToken + benchLongLine[MaxPending/2:]))
	probes := make([]uint64, 0, len(line))
	for i := 0; i+MinFragment <= len(line); i++ {
		var h uint64 // the rolling hash's definition, computed afresh
		for _, c := range line[i : i+MinFragment] {
			h = h*hashBase + uint64(fold(c))
		}
		probes = append(probes, h)
	}

	table := func() *fragmentSet {
		f := &fragmentSet{}
		f.reserve(len(keys))
		for _, k := range keys {
			f.insert(k)
		}
		return f
	}
	hashMap := func() map[uint64]struct{} {
		m := make(map[uint64]struct{}, len(keys))
		for _, k := range keys {
			m[k] = struct{}{}
		}
		return m
	}
	f, m := table(), hashMap()
	hits := 0
	for _, h := range probes {
		_, inMap := m[slotKey(h)]
		if f.has(h) != inMap {
			b.Fatalf("the table and the map disagree on %x", h)
		}
		if inMap {
			hits++
		}
	}
	if hits != len(benchToken)-MinFragment+1 {
		b.Fatalf("%d of %d probes hit, want the token's %d windows", hits, len(probes), len(benchToken)-MinFragment+1)
	}

	b.Run("learn/table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = table()
		}
		b.ReportMetric(retained(func() any { return table() }), "retained-B")
	})
	b.Run("learn/map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = hashMap()
		}
		b.ReportMetric(retained(func() any { return hashMap() }), "retained-B")
	})
	b.Run("probe/table", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			for _, h := range probes {
				if f.has(h) {
					hits++
				}
			}
		}
	})
	b.Run("probe/map", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			for _, h := range probes {
				if _, ok := m[slotKey(h)]; ok {
					hits++
				}
			}
		}
	})
}

// retained is how many heap bytes what build returns keeps alive.
func retained(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}
