package runnertest

import "strings"

// MinLeak is the shortest piece of a secret the leak check looks for: any
// MinLeak characters in a row of a key line, a JWT signature, a token or any
// other secret a test names count as a leak, not only the whole. A secret
// shorter than that (a proxy password, say) is looked for whole.
const MinLeak = 20

// Secrets is what a leak check looks for: every MinLeak-long piece of each
// long secret, each short secret whole. The zero value finds nothing; Add
// more at any time. Tests of every door share it: the action's Result.Leaks,
// the command line's checks, the native entry's.
type Secrets struct {
	pieces map[string]bool
	short  []string
}

// NewSecrets returns the check for secrets (empty strings are ignored).
func NewSecrets(secrets ...string) *Secrets {
	s := &Secrets{}
	s.Add(secrets...)
	return s
}

// Add teaches the check more secrets.
func (s *Secrets) Add(secrets ...string) {
	for _, sec := range secrets {
		if len(sec) < MinLeak {
			if sec != "" {
				s.short = append(s.short, sec)
			}
			continue
		}
		if s.pieces == nil {
			s.pieces = map[string]bool{}
		}
		for i := 0; i+MinLeak <= len(sec); i++ {
			s.pieces[sec[i:i+MinLeak]] = true
		}
	}
}

// In returns the first piece of a secret that text holds, or "".
func (s *Secrets) In(text string) string {
	if s == nil {
		return ""
	}
	for _, sec := range s.short {
		if strings.Contains(text, sec) {
			return sec
		}
	}
	if len(s.pieces) == 0 {
		return ""
	}
	for i := 0; i+MinLeak <= len(text); i++ {
		if p := text[i : i+MinLeak]; s.pieces[p] {
			return p
		}
	}
	return ""
}

// JWTSignature is the part of a JWT that is secret to the last bit (its
// header and claims are predictable): what the leak check looks for in
// pieces. A value that is no JWT is returned whole.
func JWTSignature(jwt string) string {
	if i := strings.LastIndexByte(jwt, '.'); i >= 0 && strings.Count(jwt, ".") == 2 {
		return jwt[i+1:]
	}
	return jwt
}
