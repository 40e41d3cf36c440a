package permissions

import (
	"slices"

	"github.com/app-token/app-token/internal/ghtext"
	"strings"
	"testing"
)

// FuzzParseBlock feeds arbitrary text to the `permissions` input parser: it
// must never panic, every error must stay one line (so it cannot forge a
// workflow command in the log), and whatever passes Validate is a real
// permission at a real level.
func FuzzParseBlock(f *testing.F) {
	for _, seed := range []string{
		"contents: write\npull-requests: read",
		"{contents: write, issues: read}",
		"contents: write\n::add-mask::x\nissues: read",
		"contents: write<<EOF\nEOF",
		"# only a comment",
		"contents: \"write\"\r\nissues: 'read'",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		set, err := ParseBlock(in)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		forwarded, err := Validate(set)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for name, level := range set {
			spec, ok := Lookup(name)
			if slices.Contains(forwarded, name) {
				ok = !ok && ghtext.IsPermission(name, level) && slices.Contains(anyLevel, level)
				spec.Levels = anyLevel
			}
			if !ok || !spec.Allows(level) {
				t.Fatalf("%q: %q passed Validate", name, level)
			}
		}
	})
}
