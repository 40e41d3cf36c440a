package secret

import (
	"io"
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
	benchLinesThrough(b, func(l string) { _ = r.Redact(l) })
}

// BenchmarkWriter is the same lines through the scrubbing writer.
func BenchmarkWriter(b *testing.B) {
	w := &Writer{W: io.Discard, Redactor: benchRedactor()}
	benchLinesThrough(b, func(l string) { _, _ = w.Write([]byte(l)) })
}

func benchLinesThrough(b *testing.B, scrub func(line string)) {
	var n int64
	for _, l := range benchLines {
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range benchLines {
			scrub(l)
		}
	}
}
