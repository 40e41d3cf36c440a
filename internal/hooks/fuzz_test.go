package hooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/ghtext"
)

// FuzzParse: any file is a Set or a *FileError, never a panic; a message
// never holds the secret; what is accepted holds every rule.
func FuzzParse(f *testing.F) {
	f.Add(issueExample)
	f.Add(handlerFile)
	f.Add(hook("signature: header", "signature_header: X-Secret", "delivery_header: X-Id"))
	f.Add(hook("event_type:-", "workflow: d.yml", "ref: main"))
	f.Add("hooks:\n  - &a {name: x}\n  - *a\n")
	f.Add("hooks: [{name: a, repository: o/r, event_type: e, secret_env: CMS_HOOK_SECRET, signature: sanity}]")
	f.Fuzz(func(t *testing.T, file string) {
		set, err := Parse([]byte(file), getenv(fileEnv))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || set != nil {
				t.Fatalf("%T %v", err, set)
			}
			if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), fileEnv["OTHER_SECRET"]) {
				t.Fatalf("a message holds a secret: %s", err)
			}
			if len(fe.Problems) == 0 || len(fe.Problems) > 5 {
				t.Fatalf("%d problems", len(fe.Problems))
			}
			return
		}
		names := set.Names()
		if len(names) == 0 || len(names) > MaxHooks {
			t.Fatalf("%d hooks", len(names))
		}
		folded := map[string]bool{}
		for _, n := range names {
			h, ok := set.Lookup(n)
			if !ok || !ghtext.IsName(h.Name) || !ghtext.IsLogin(h.Owner) || !ghtext.IsRepo(h.Repo) || folded[strings.ToLower(n)] {
				t.Fatalf("accepted %+v", h)
			}
			folded[strings.ToLower(n)] = true
			if (h.EventType == "") == (h.Workflow == "") || h.Workflow != "" && h.Ref == "" || h.Scheme == 0 || h.SignatureHeader == "" {
				t.Fatalf("accepted %+v", h)
			}
			if s := string(h.key.b); s != secretValue && s != fileEnv["OTHER_SECRET"] {
				t.Fatalf("a secret from nowhere")
			}
		}
	})
}
