package hooks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretValue is the secret the file tests' environment holds.
const secretValue = "s3cr3t-value-of-32-characters-ok"

var fileEnv = map[string]string{"CMS_HOOK_SECRET": secretValue, "OTHER_SECRET": "another-secret-of-enough-length"}

// issueExample is the hook file of issue 28, as written there.
const issueExample = `hooks:
  - name: cms-publish
    repository: octo-org/docs
    event_type: rebuild          # repository_dispatch; or workflow: deploy.yml with ref: main
    secret_env: CMS_HOOK_SECRET  # the shared secret, read from the broker's environment
    signature: hmac-sha256       # or: bearer (Authorization: Bearer <secret>), or header (signature_header's value is the secret)
    signature_header: X-Hub-Signature-256   # the default for hmac-sha256; value "sha256=<hex>" of the HMAC of the raw body
    delivery_header: X-Delivery-Id          # optional: deliveries are de-duplicated by it
`

func TestParseIssueExample(t *testing.T) {
	set, err := Parse([]byte(issueExample), getenv(fileEnv))
	if err != nil {
		t.Fatal(err)
	}
	h, ok := set.Lookup("cms-publish")
	if !ok {
		t.Fatal("no hook cms-publish")
	}
	want := Hook{Name: "cms-publish", Owner: "octo-org", Repo: "docs", EventType: "rebuild", Scheme: HMACSHA256, SecretEnv: "CMS_HOOK_SECRET", SignatureHeader: "X-Hub-Signature-256", DeliveryHeader: "X-Delivery-Id"}
	got := *h
	got.key = nil
	if got != want {
		t.Errorf("hook = %+v\nwant   %+v", got, want)
	}
	if string(h.key.b) != secretValue {
		t.Error("the secret is not the variable's value")
	}
	if _, ok := set.Lookup("CMS-PUBLISH"); ok {
		t.Error("a name is looked up exactly, as the URL has it")
	}
	// No format verb prints the secret.
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, h); strings.Contains(s, secretValue) {
			t.Errorf("%s of a hook prints its secret: %s", f, s)
		}
		if s := fmt.Sprintf(f, *h); strings.Contains(s, secretValue) {
			t.Errorf("%s of a hook's value prints its secret: %s", f, s)
		}
	}
	var masked []string
	set.Mask(func(s string) { masked = append(masked, s) })
	if len(masked) != 1 || masked[0] != secretValue {
		t.Errorf("Mask learnt %q", masked)
	}
}

func TestParseSchemesAndEvents(t *testing.T) {
	file := `hooks:
  - name: wf
    repository: o/site
    workflow: deploy.yml
    ref: main
    secret_env: CMS_HOOK_SECRET
    signature: bearer
  - name: hdr
    repository: o/site
    event_type: publish
    secret_env: OTHER_SECRET
    signature: header
    signature_header: x-webhook-secret
  - name: c
    repository: o/site
    event_type: publish
    secret_env: CMS_HOOK_SECRET
    signature: contentful
    delivery_header: X-Contentful-Idempotency-Key
  - name: s
    repository: o/site
    event_type: "123"
    secret_env: CMS_HOOK_SECRET
    signature: sanity
  - name: g
    repository: o/site
    event_type: on
    secret_env: CMS_HOOK_SECRET
    signature: ghost
  - name: sb
    repository: o/site
    event_type: publish
    secret_env: CMS_HOOK_SECRET
    signature: storyblok
  - name: wp
    repository: o/site
    event_type: publish
    secret_env: CMS_HOOK_SECRET
    signature: wp-webhooks
  - name: gh
    repository: o/site
    event_type: publish
    secret_env: CMS_HOOK_SECRET
    signature: hmac-sha256
    signature_header: X-Signature
`
	set, err := Parse([]byte(file), getenv(fileEnv))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Names(), ","); got != "wf,hdr,c,s,g,sb,wp,gh" {
		t.Errorf("names in file order: %s", got)
	}
	for name, want := range map[string]struct {
		s             Scheme
		header        string
		eventType, wf string
	}{
		"wf":  {Bearer, "Authorization", "", "deploy.yml"},
		"hdr": {Header, "X-Webhook-Secret", "publish", ""},
		"c":   {Contentful, "X-Contentful-Signature", "publish", ""},
		"s":   {Sanity, "Sanity-Webhook-Signature", "123", ""}, // text as written, quoted or not
		"g":   {Ghost, "X-Ghost-Signature", "on", ""},          // YAML 1.2: on is text
		"sb":  {Storyblok, "Webhook-Signature", "publish", ""},
		"wp":  {WPWebhooks, "X-Wp-Webhook-Signature", "publish", ""},
		"gh":  {HMACSHA256, "X-Signature", "publish", ""},
	} {
		h, _ := set.Lookup(name)
		if h.Scheme != want.s || h.SignatureHeader != want.header || h.EventType != want.eventType || h.Workflow != want.wf {
			t.Errorf("%s: %+v; want %+v", name, h, want)
		}
	}
	wf, _ := set.Lookup("wf")
	if wf.Ref != "main" || wf.DeliveryHeader != "" {
		t.Errorf("wf: %+v", wf)
	}
	c, _ := set.Lookup("c")
	if c.DeliveryHeader != "X-Contentful-Idempotency-Key" {
		t.Errorf("c: %+v", c)
	}
}

// hook is a good hook's lines with some replaced or added, for the
// refusal table.
func hook(lines ...string) string {
	base := map[string]string{"name": "cms", "repository": "octo-org/docs", "event_type": "rebuild", "secret_env": "CMS_HOOK_SECRET", "signature": "hmac-sha256"}
	order := []string{"name", "repository", "event_type", "secret_env", "signature"}
	var extra []string
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ":")
		if _, ok := base[k]; ok {
			base[k] = strings.TrimSpace(v)
			if v == "-" {
				delete(base, k)
			}
			continue
		}
		extra = append(extra, l)
	}
	var b strings.Builder
	b.WriteString("hooks:\n")
	first := true
	for _, k := range order {
		v, ok := base[k]
		if !ok {
			continue
		}
		if first {
			b.WriteString("  - " + k + ": " + v + "\n")
			first = false
		} else {
			b.WriteString("    " + k + ": " + v + "\n")
		}
	}
	for _, l := range extra {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// Every mistake stops the file with one message naming the hook and the
// field, on the right line; no message holds a secret's value.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       string // the whole message
	}{
		{"unknown field", hook("secret_evn: X"), `hook file: line 7: hook "cms": unknown field "secret_evn" (did you mean "secret_env"?): a hook holds name, repository, event_type, workflow, ref, secret_env, signature, signature_header, delivery_header`},
		{"field in another case", hook("Signature_Header: X-A"), `hook file: line 7: hook "cms": unknown field "Signature_Header" (did you mean "signature_header"?): a hook holds name, repository, event_type, workflow, ref, secret_env, signature, signature_header, delivery_header`},
		{"missing secret variable", hook("secret_env:NOT_SET"), `hook file: line 5: hook "cms": secret_env: the variable NOT_SET is not set or empty: set it to the shared secret in the broker's environment`},
		{"empty secret variable", hook("secret_env:EMPTY"), `hook file: line 5: hook "cms": secret_env: the variable EMPTY is not set or empty: set it to the shared secret in the broker's environment`},
		{"short secret", hook("secret_env:SHORT"), `hook file: line 5: hook "cms": secret_env: the variable SHORT holds 15 characters; a shared secret has 16 to 4096 (generate one, e.g. openssl rand -hex 32)`},
		{"long secret", hook("secret_env:LONG"), `hook file: line 5: hook "cms": secret_env: the variable LONG holds 4097 characters; a shared secret has 16 to 4096 (generate one, e.g. openssl rand -hex 32)`},
		{"secret with a space, bearer", hook("secret_env:SPACED", "signature:bearer"), `hook file: line 5: hook "cms": secret_env: the variable SPACED holds spaces at its ends or characters a header cannot carry; bearer sends the secret as a header's value`},
		{"secret with a line break, header", hook("secret_env:BROKEN", "signature:header", "signature_header: X-Secret"), `hook file: line 5: hook "cms": secret_env: the variable BROKEN holds spaces at its ends or characters a header cannot carry; header sends the secret as a header's value`},
		{"secret_env not a name", hook("secret_env: $X"), `hook file: line 5: hook "cms": secret_env: "$X" is not an environment variable's name (letters, digits and '_')`},
		{"secret_env missing", hook("secret_env:-"), `hook file: line 2: hook "cms": secret_env: missing: name the environment variable that holds the shared secret`},
		{"repository not owner/name", hook("repository: docs"), `hook file: line 3: hook "cms": repository: is "docs"; it is where the event goes, as owner/name (a GitHub account's name, a slash, a repository's)`},
		{"repository with a path", hook("repository: o/r/x"), `hook file: line 3: hook "cms": repository: is "o/r/x"; it is where the event goes, as owner/name (a GitHub account's name, a slash, a repository's)`},
		{"repository missing", hook("repository:-"), `hook file: line 2: hook "cms": repository: missing; it is where the event goes, as owner/name (a GitHub account's name, a slash, a repository's)`},
		{"both event_type and workflow", hook("workflow: deploy.yml", "ref: main"), `hook file: line 7: hook "cms": workflow: is set beside event_type: a hook sends repository_dispatch (event_type) or workflow_dispatch (workflow and ref), one of them`},
		{"ref with event_type", hook("ref: main"), `hook file: line 7: hook "cms": ref: belongs to workflow_dispatch (workflow); repository_dispatch (event_type) has none`},
		{"workflow without ref", hook("event_type:-", "workflow: deploy.yml"), `hook file: line 2: hook "cms": ref: missing: name the branch or tag to run workflow "deploy.yml" on, e.g. ref: main`},
		{"neither", hook("event_type:-"), `hook file: line 2: hook "cms": event_type: missing: give event_type (repository_dispatch) or workflow and ref (workflow_dispatch)`},
		{"workflow with a path", hook("event_type:-", "workflow: .github/workflows/d.yml", "ref: main"), `hook file: line 6: hook "cms": workflow: is the workflow's file name (like deploy.yml, without .github/workflows/) or its ID`},
		{"ref with a space", hook("event_type:-", "workflow: d.yml", "ref: a b"), `hook file: line 7: hook "cms": ref: is a branch or tag name (like main or v1.2), one word`},
		{"event_type too long", hook("event_type: " + strings.Repeat("e", 101)), `hook file: line 4: hook "cms": event_type: is repository_dispatch's event type: one line of at most 100 characters`},
		{"event_type a token", hook("event_type: ghs_abcdefghijklmnopqrstuvwxyz0123456789AB"), `hook file: line 4: hook "cms": event_type: is repository_dispatch's event type: one line of at most 100 characters`},
		{"bad header name", hook("delivery_header: X Delivery"), `hook file: line 7: hook "cms": delivery_header: "X Delivery" is not a header's name (letters, digits and '-', at most 255)`},
		{"bad signature header", hook("signature_header: X:Sig"), `hook file: line 7: hook "cms": signature_header: "X:Sig" is not a header's name (letters, digits and '-', at most 255)`},
		{"delivery header is the signature's", hook("delivery_header: x-hub-signature-256"), `hook file: line 7: hook "cms": delivery_header: x-hub-signature-256 carries the proof; the delivery ID is shown in the audit, so name a header that only identifies the delivery`},
		{"delivery header is Authorization", hook("delivery_header: Authorization"), `hook file: line 7: hook "cms": delivery_header: Authorization carries the proof; the delivery ID is shown in the audit, so name a header that only identifies the delivery`},
		{"a vendor's header is its own", hook("signature: sanity", "signature_header: X-Sig"), `hook file: line 7: hook "cms": signature_header: sanity reads its own header (Sanity-Webhook-Signature); leave signature_header out`},
		{"header scheme without its header", hook("signature: header"), `hook file: line 2: hook "cms": signature_header: missing: the header scheme needs the header that carries the secret, e.g. signature_header: X-Webhook-Secret`},
		{"unknown scheme", hook("signature: hmac-sha265"), `hook file: line 6: hook "cms": signature: is "hmac-sha265" (did you mean "hmac-sha256"?): it is one of hmac-sha256, bearer, header, contentful, sanity, ghost, storyblok, wp-webhooks`},
		{"no scheme", hook("signature:-"), `hook file: line 2: hook "cms": signature: missing: name how the sender proves it knows the secret: hmac-sha256, bearer, header, contentful, sanity, ghost, storyblok, wp-webhooks`},
		{"name not URL-safe", hook("name: cms/publish"), `hook file: line 2: hook 1: name: is "cms/publish"; a hook's name is in its URL (/hooks/NAME): 1 to 100 letters, digits, '-' and '_'`},
		{"name with a dot", hook("name: cms.publish"), `hook file: line 2: hook 1: name: is "cms.publish"; a hook's name is in its URL (/hooks/NAME): 1 to 100 letters, digits, '-' and '_'`},
		{"name missing", hook("name:-"), `hook file: line 2: hook 1: name: missing; a hook's name is in its URL (/hooks/NAME): 1 to 100 letters, digits, '-' and '_'`},
		{"duplicate name", hook() + strings.TrimPrefix(hook("name: CMS"), "hooks:\n"), `hook file: line 7: hook "CMS": name: a second hook of this name (the first is on line 2): names differ in more than case`},
		{"field twice", hook() + "    event_type: again\n", `hook file: line 7: hook "cms": event_type: set twice (first on line 4)`},
		{"field without a value", hook("event_type:"), `hook file: line 4: hook "cms": event_type: has no value; give it one as text, or leave the field out`},
		{"field of a list", hook("event_type: [a]"), `hook file: line 4: hook "cms": event_type: has no value; give it one as text, or leave the field out`},
		{"anchor", hook("event_type: &e rebuild"), `hook file: line 4: anchors and aliases (&name, *name) are not allowed in a hook file; write each value out`},
		{"tag", hook("event_type: !!str rebuild"), `hook file: line 4: YAML tags ("!!str") are not allowed in a hook file`},
		{"a hook of text", "hooks:\n  - cms\n", `hook file: line 2: hook 1: is a mapping of fields (name: ..., repository: ...), not text`},
		{"no hooks", "hooks: []\n", `hook file: line 1: hooks: is a list of hooks (- name: ..., one or more), not empty`},
		{"hooks null", "hooks:\n", `hook file: line 1: hooks: is a list of hooks (- name: ..., one or more), not empty`},
		{"hooks a mapping", "hooks:\n  cms: {}\n", `hook file: line 2: hooks: is a list of hooks (- name: ..., one or more), not a mapping`},
		{"hooks twice", hook() + "hooks: []\n", `hook file: line 7: hooks: set twice`},
		{"unknown top field", hook() + "version: 1\n", `hook file: line 7: unknown field "version": a hook file holds hooks, a list of hooks`},
		{"hooks missing", "hook: []\n", `hook file: line 1: unknown field "hook": a hook file holds hooks, a list of hooks`},
		{"only a comment", "# hooks\n", `hook file: the file is empty`},
		{"a list at the top", "- name: cms\n", `hook file: line 1: a hook file is a mapping with one field, hooks: a list of hooks`},
		{"not YAML", "hooks: [\n", `hook file: does not parse as YAML: line 1: did not find expected node content`},
		{"too big", "hooks:\n#" + strings.Repeat("x", MaxFileBytes), `hook file: the file has more than 65536 bytes; a hook file has a few lines a hook`},
		{"six problems, five shown", hook("name: a/b", "repository: x", "secret_env: NOT_SET", "signature: nope", "delivery_header: a b", "event_type: "+strings.Repeat("e", 101)),
			`hook file: line 2: hook 1: name: is "a/b"; a hook's name is in its URL (/hooks/NAME): 1 to 100 letters, digits, '-' and '_'; line 3: hook 1: repository: is "x"; it is where the event goes, as owner/name (a GitHub account's name, a slash, a repository's); line 4: hook 1: event_type: is repository_dispatch's event type: one line of at most 100 characters; line 6: hook 1: signature: is "nope": it is one of hmac-sha256, bearer, header, contentful, sanity, ghost, storyblok, wp-webhooks; line 7: hook 1: delivery_header: "a b" is not a header's name (letters, digits and '-', at most 255); and 0 more`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"CMS_HOOK_SECRET": secretValue, "EMPTY": "", "SHORT": secretValue[:15], "LONG": strings.Repeat("k", MaxSecret+1), "SPACED": " " + secretValue, "BROKEN": secretValue + "\n"}
			set, err := Parse([]byte(c.file), getenv(env))
			if err == nil {
				t.Fatalf("accepted:\n%s", c.file)
			}
			if set != nil {
				t.Error("a refused file gives no set")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%T, not a *FileError", err)
			}
			if err.Error() != strings.TrimSuffix(c.want, "; and 0 more") {
				t.Errorf("message:\n got %s\nwant %s", err, c.want)
			}
			for _, v := range env {
				if len(v) >= MinSecret-1 && strings.Contains(err.Error(), strings.TrimSpace(v)) {
					t.Errorf("the message holds a secret: %s", err)
				}
			}
		})
	}
}

// The table above shows five problems; a file with many more is one line
// naming five and counting the rest.
func TestParseManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("hooks:\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "  - name: h%d\n    repository: bad\n    event_type: e\n    secret_env: CMS_HOOK_SECRET\n    signature: bearer\n", i)
	}
	_, err := Parse([]byte(b.String()), getenv(fileEnv))
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Problems) != 5 || fe.More != 195 || !strings.HasSuffix(err.Error(), "; and 195 more") {
		t.Fatalf("%v", err)
	}
	b.Reset()
	b.WriteString("hooks:\n")
	for i := 0; i <= MaxHooks; i++ {
		fmt.Fprintf(&b, "  - {name: h%d}\n", i)
	}
	_, err = Parse([]byte(b.String()), getenv(fileEnv))
	if err == nil || err.Error() != "hook file: line 2: hooks: lists 501 hooks; a file holds at most 500" {
		t.Errorf("%v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hooks.yaml")
	if err := os.WriteFile(path, []byte(issueExample), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := ReadFile(path, getenv(fileEnv))
	if err != nil || len(set.Names()) != 1 {
		t.Fatalf("%v, %v", set, err)
	}
	_, err = ReadFile(filepath.Join(dir, "none.yaml"), getenv(fileEnv))
	if err == nil || !strings.HasPrefix(err.Error(), "hook file: cannot be read: open ") {
		t.Errorf("%v", err)
	}
	// A huge file is read no further than the bound.
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("hooks:\n#"+strings.Repeat("x", 4*MaxFileBytes)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, getenv(fileEnv)); err == nil || !strings.Contains(err.Error(), "more than 65536 bytes") {
		t.Errorf("%v", err)
	}
	if _, err := ReadFile(dir, getenv(fileEnv)); err == nil || !strings.HasPrefix(err.Error(), "hook file: cannot be read: read ") {
		t.Errorf("a directory: %v", err)
	}
}
