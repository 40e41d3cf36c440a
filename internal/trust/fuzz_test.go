package trust

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the policy reader: it must never
// panic, every refusal is a *PolicyError on one line, and what it accepts
// grants exactly its permissions, checks tokens without panicking, and
// grants an owner's repositories or none.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal), false)
	f.Add([]byte(minimal+"repositories: [app, lib]\n"), true)
	f.Add([]byte("issuer_pattern: https://.*\nsubject_pattern: 'repo:org/(a|b):.*'\naudience: x\nclaim_pattern: {ref: main, ok: true}\npermissions: {contents: write}\n"), false)
	f.Add([]byte("a: &a [x]\nissuer: *a\n"), false)
	f.Add([]byte("issuer: x\nsubject: on\npermissions: {contents: read}\n---\n"), false)
	f.Add([]byte("issuer: !!binary eA==\n"), true)
	f.Add([]byte("issuer: x\nsubject_pattern: 'x)|(.*'\npermissions: {contents: read}\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, owner bool) {
		kind := Repository
		if owner {
			kind = Owner
		}
		c, err := Load(data, kind)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || c != nil {
				t.Fatalf("%T %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("a message of more than one line: %q", err)
			}
			return
		}
		if len(data) > MaxPolicyBytes {
			t.Fatalf("read %d bytes", len(data))
		}
		claims := Claims{"iss": "https://x", "sub": "repo:org/app:ref:refs/heads/main", "aud": []any{broker, "x"}, "ref": "main", "ok": true, "n": 1.0}
		if err := c.Check(claims, broker); err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("a denial of more than one line: %q", err)
		}
		scope := Scope{Owner: "org", Repo: "app"}
		if owner {
			scope.Repo = ""
		}
		g, err := c.Grant(scope, Request{})
		if err != nil || len(g.Permissions) == 0 || !maps.Equal(g.Permissions, c.Permissions()) {
			t.Fatalf("grant %+v, %v; the policy's permissions %v", g, err, c.Permissions())
		}
		if names, all := c.Repositories(); owner && all != g.AllRepositories || owner && len(names) != len(g.Repositories) || !owner && (len(g.Repositories) != 1 || g.AllRepositories) {
			t.Fatalf("grant %+v for repositories %v (all %v)", g, names, all)
		}
	})
}
