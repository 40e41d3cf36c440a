package serve

import (
	"strings"

	"github.com/app-token/app-token/internal/secret"
)

// maxGuarded bounds what a guard learns of a bearer: an RS256 signature is
// 342 characters, RS512's 683; a longer one is a hostile token's, refused
// anyway, and learning all of it would let a flood of them cost
// milliseconds each.
const maxGuarded = 1 << 10

// guard keeps one exchange's own credential out of what its refusal shows:
// the answer's message, the audit line's text and a log line. The core
// promises never to echo a token, and secret.Scrub hides whole JWTs; the
// guard also finds a piece of one (secret.MinFragment characters or more,
// mangled or base64-encoded, as secret.Redactor finds them). It learns the
// bearer's signature, the part of a JWT nobody can predict, only when it
// is first asked about text long enough to hold a piece.
type guard struct {
	secret string
	pieces *secret.Pieces
}

func newGuard(bearer string) *guard {
	sig := bearer[strings.LastIndexByte(bearer, '.')+1:]
	return &guard{secret: sig[:min(len(sig), maxGuarded)]}
}

// show returns s, or a note in its place when it holds a piece of the
// credential. A nil guard (no bearer read yet) shows s.
func (g *guard) show(s string) string {
	if g == nil || len(s) < secret.MinFragment {
		return s
	}
	if g.pieces == nil {
		g.pieces = secret.NewPieces(g.secret)
	}
	if g.pieces.In(s) {
		return "(not shown: it holds a piece of the request's credential)"
	}
	return s
}
