package secret

import (
	"encoding/base64"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// MinFragment is the shortest piece of a known secret that is hidden on its
// own. 20 characters of a key line, a JWT signature or a token carry about
// 120 random bits: no ordinary text holds one by chance, and every secret
// the action holds (a 40-character token, key lines of 64, JWTs of
// hundreds) is cut into pieces this long many times over. Shorter pieces
// would start to hide words; longer ones would let a secret through cut
// into halves of 20 to 30.
const MinFragment = 20

// forms are the ways a secret (whitespace already removed) is looked for:
// as itself, and base64-encoded at each of the three alignments its first
// byte can have inside a longer encoded text. An encoding's first and last
// characters also depend on the bytes around the secret, so they are left
// out. The standard alphabet stands for both: windows are hashed with the
// URL alphabet read as the standard one (see fold).
func forms(s string) [][]byte {
	src := make([]byte, 2+len(s)) // two bytes of room for the alignments
	copy(src[2:], s)
	out := [][]byte{src[2:]}
	for k := range 3 {
		enc := make([]byte, base64.RawStdEncoding.EncodedLen(k+len(s)))
		base64.RawStdEncoding.Encode(enc, src[2-k:])
		enc = enc[(8*k+5)/6:]
		if (8*(k+len(s)))%6 != 0 {
			enc = enc[:len(enc)-1]
		}
		out = append(out, enc)
	}
	return out
}

// fold reads base64's URL alphabet as its standard one ('-' as '+', '_' as
// '/'), in the secrets' forms and in the text alike, so that one set of
// windows finds a secret base64-encoded in either alphabet. A false match
// only hides text; it cannot let a secret through.
func fold(c byte) byte {
	if c == '-' {
		return '+'
	}
	if c == '_' {
		return '/'
	}
	return c
}

// Rolling hash of MinFragment-byte windows: h = Σ c[i]·B^(MinFragment-1-i)
// mod 2^64. A false match only hides text; it cannot let a secret through.
const hashBase = 0x100000001b3

var hashTop = func() uint64 { // B^MinFragment, to take the oldest byte out
	p := uint64(1)
	for range MinFragment {
		p *= hashBase
	}
	return p
}()

// fragmentSet holds the hash of every MinFragment-long window of every form
// of every long secret, in one open-addressing table (see insert) at most
// three quarters full, sized once for all the forms one add learns: a
// private-key run's 10,000 windows fit 16,384 slots (128 KiB).
//
// A Go map holding the same keys, sized up front, would need less code; it
// was measured beside this table to decide (BenchmarkWindowTable, medians
// of 15 runs taken in turn on the shared 2-core machine): learning a run's
// windows takes the map 2.7 times as long (0.50 ms against 0.19 ms) and
// 2.3 times the memory (289 KiB against 128: a map[uint64]struct{} slot
// takes 16 bytes, the empty value padded); probing a 64 KiB line's windows
// costs about the same (1.2 ms against 0.95 ms, within the noise). With
// the map in the table's place, a run's BenchmarkAdd went from 0.50 ms and
// 220 KiB to 0.95 ms and 461 KiB, and Redact got no faster (typical lines
// 23 µs against 17).
type fragmentSet struct {
	slots []uint64 // a window's slotKey, or 0: free
	shift uint     // 64 - log2(len(slots)): a key's home slot is its top bits
	n     int      // keys held
}

// slotKey is what the table holds for a window's hash: never 0, the free
// slot's mark (h and h^1 share it: a false match only hides text).
func slotKey(h uint64) uint64 { return h | 1 }

func (f *fragmentSet) empty() bool { return f.n == 0 }

// add learns every window of each form.
func (f *fragmentSet) add(forms ...[]byte) {
	windows := 0
	for _, form := range forms {
		windows += max(len(form)-MinFragment+1, 0)
	}
	f.reserve(windows)
	for _, form := range forms {
		var h uint64
		for i, c := range form {
			h = h*hashBase + uint64(fold(c))
			if i >= MinFragment {
				h -= uint64(fold(form[i-MinFragment])) * hashTop
			}
			if i >= MinFragment-1 {
				f.insert(slotKey(h))
			}
		}
	}
}

// reserve makes room for more keys, keeping the table at most three
// quarters full.
func (f *fragmentSet) reserve(more int) {
	need := 4 * (f.n + more) / 3
	if need <= len(f.slots) {
		return
	}
	bitsNeeded := bits.Len(uint(need - 1))
	old := f.slots
	f.slots, f.shift, f.n = make([]uint64, 1<<bitsNeeded), uint(64-bitsNeeded), 0
	for _, k := range old {
		if k != 0 {
			f.insert(k)
		}
	}
}

// home is the slot a key is first looked for in: the top bits of its
// Fibonacci hash.
func (f *fragmentSet) home(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> f.shift) }

// insert puts k in the table by Robin Hood hashing: k goes to its home slot
// or to a later one (wrapping at the end), and takes the place of any key
// it meets that sits nearer its own home, which moves on instead. Every run
// of keys is then ordered by home slot, so has gives up on a missing key
// as soon as it meets one whose home is past k's: ordinary text asks
// about two or three slots a window, also with the table three quarters
// full.
func (f *fragmentSet) insert(k uint64) {
	mask := len(f.slots) - 1
	for i, d := f.home(k), 0; ; i, d = (i+1)&mask, d+1 {
		o := f.slots[i]
		if o == 0 {
			f.slots[i] = k
			f.n++
			return
		}
		if o == k {
			return
		}
		if od := (i - f.home(o)) & mask; od < d {
			f.slots[i], k, d = k, o, od
		}
	}
}

func (f *fragmentSet) has(h uint64) bool {
	k, mask := slotKey(h), len(f.slots)-1
	for i, d := f.home(k), 0; ; i, d = (i+1)&mask, d+1 {
		o := f.slots[i]
		if o == k {
			return true
		}
		if o == 0 || (i-f.home(o))&mask < d {
			return false
		}
	}
}

// span is a stretch of the original text, [from, to).
type span struct{ from, to int }

// hide replaces in s every stretch whose decoded, whitespace-free reading
// holds a window of a known secret.
func (f *fragmentSet) hide(s string) string {
	var (
		ring  [MinFragment]int // where each of the last MinFragment bytes started in s
		n     int              // bytes read so far
		h     uint64
		hits  []span
		bytes [MinFragment]byte
	)
	walk(s, true, func(b byte, from, to int) {
		slot := n % MinFragment
		b = fold(b)
		h = h*hashBase + uint64(b)
		if n >= MinFragment {
			h -= uint64(bytes[slot]) * hashTop
		}
		bytes[slot], ring[slot] = b, from
		n++
		if n < MinFragment || !f.has(h) {
			return
		}
		start := ring[n%MinFragment] // the window's first byte
		if k := len(hits) - 1; k >= 0 && start <= hits[k].to {
			hits[k].to = max(hits[k].to, to)
			return
		}
		hits = append(hits, span{start, to})
	})
	return replaceSpans(s, hits)
}

// replaceSpans puts Hidden in place of each of the ordered, disjoint spans.
func replaceSpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.from])
		b.WriteString(Hidden)
		last = sp.to
	}
	b.WriteString(s[last:])
	return b.String()
}

// walk reads s as a server, a proxy or an encoder may have rewritten a
// secret, and gives emit each byte of the decoded reading with the stretch
// of s it came from: JSON escapes (\uXXXX, \/, and \n \r \t, read as
// whitespace; any run of backslashes, as a string escaped twice has) and
// percent-escapes (%XX, %25XX as a twice-encoded one) are decoded; with
// stripSpace, whitespace is left out, so a secret with a line break or a
// space put inside reads whole again.
func walk(s string, stripSpace bool, emit func(b byte, from, to int)) {
	// if chains rather than switch cases: a case's condition lies outside
	// every coverage block, so mutation testing would call it untested.
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			i = walkEscape(s, i, stripSpace, emit)
			continue
		}
		if c == '%' && i+3 <= len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b := unhex(s[i+1])<<4 | unhex(s[i+2])
			end := i + 3
			for b == '%' && end+2 <= len(s) && isHex(s[end]) && isHex(s[end+1]) {
				b = unhex(s[end])<<4 | unhex(s[end+1])
				end += 2
			}
			if !stripSpace || !isSpace(b) {
				emit(b, i, end)
			}
			i = end
			continue
		}
		if !stripSpace || !isSpace(c) {
			emit(c, i, i+1)
		}
		i++
	}
}

// walkEscape reads the backslash escape at s[i] for walk and returns where
// the text after it starts.
func walkEscape(s string, i int, stripSpace bool, emit func(b byte, from, to int)) int {
	j := i
	for j < len(s) && s[j] == '\\' {
		j++
	}
	if j == len(s) {
		emit('\\', i, i+1)
		return i + 1
	}
	e := s[j]
	if e == 'n' || e == 'r' || e == 't' {
		if !stripSpace {
			emit(' ', i, j+1)
		}
		return j + 1
	}
	if e == '/' {
		emit('/', i, j+1)
		return j + 1
	}
	if e == 'u' && j+5 <= len(s) && isHex(s[j+1]) && isHex(s[j+2]) && isHex(s[j+3]) && isHex(s[j+4]) {
		r := rune(unhex(s[j+1]))<<12 | rune(unhex(s[j+2]))<<8 | rune(unhex(s[j+3]))<<4 | rune(unhex(s[j+4]))
		emitRune(r, i, j+5, stripSpace, emit)
		return j + 5
	}
	emit('\\', i, i+1)
	return i + 1
}

func emitRune(r rune, from, to int, stripSpace bool, emit func(b byte, from, to int)) {
	if r < utf8.RuneSelf {
		if !(stripSpace && isSpace(byte(r))) {
			emit(byte(r), from, to)
		}
		return
	}
	var buf [utf8.UTFMax]byte
	for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
		emit(b, from, to)
	}
}

// spaces are the bytes isSpace reports.
const spaces = " \n\r\t\v\f"

func isSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\v' || b == '\f'
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	if b <= '9' {
		return b - '0'
	}
	if b <= 'F' {
		return b - 'A' + 10
	}
	return b - 'a' + 10
}

// decoded is s as walk reads it, with the stretch of s each byte came from.
type decoded struct {
	text     []byte
	from, to []int
}

// normal is s as Redact reads it (decode's text, whitespace left out),
// without the copy when nothing in s is read otherwise.
func normal(s string) string {
	if !strings.ContainsAny(s, "\\%"+spaces) {
		return s
	}
	b := make([]byte, 0, len(s))
	walk(s, true, func(c byte, _, _ int) { b = append(b, c) })
	return string(b)
}

func decode(s string, stripSpace bool) decoded {
	d := decoded{text: make([]byte, 0, len(s))}
	walk(s, stripSpace, func(b byte, from, to int) {
		d.text = append(d.text, b)
		d.from = append(d.from, from)
		d.to = append(d.to, to)
	})
	return d
}

// stretch is the part of the original text that bytes [i, j) of the
// decoding came from.
func (d decoded) stretch(i, j int) span { return span{d.from[i], d.to[j-1]} }

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var out []span
	for _, sp := range spans {
		if k := len(out) - 1; k >= 0 && sp.from <= out[k].to {
			out[k].to = max(out[k].to, sp.to)
			continue
		}
		out = append(out, sp)
	}
	return out
}
