package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// mangles are what servers and proxies realistically do to a credential
// they echo: a line break or spaces put inside, JSON \u escapes (all, or
// the first character only), percent-encoding, base64.
var mangles = map[string]func(string) string{
	"line break in the header":    func(s string) string { return s[:40] + "\n" + s[40:] },
	"line break in the signature": func(s string) string { return s[:len(s)-40] + "\n" + s[len(s)-40:] },
	"CRLF and spaces": func(s string) string {
		return strings.Join([]string{s[:30], s[30:90], s[90:]}, "\r\n ")
	},
	"JSON \\u escapes": func(s string) string {
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	},
	"JSON \\u0065yJ": func(s string) string { return strings.Replace(s, "eyJ", `\u0065yJ`, 1) },
	"percent-encoded": func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	},
	"base64": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
}

// A server that echoes the App JWT mangled in its error message gets it
// hidden at both doors: nothing of it, plain or in the mangled form it was
// sent back in, reaches the log or stderr; the run fails with GitHub's
// message, the credential replaced by ***.
func TestMangledEchoesStayHidden(t *testing.T) {
	t.Parallel()
	for name, mangle := range mangles {
		for _, door := range []string{"action", "command line"} {
			t.Run(name+"/"+door, func(t *testing.T) {
				t.Parallel()
				w := NewWorld(t)
				w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/*", Times: -1, Status: http.StatusUnprocessableEntity,
					Body: `{"message":"Invalid request from {{authorization}} (echoed)"}`,
					Echo: func(auth string) string {
						quoted, _ := json.Marshal(mangle(auth))
						return strings.Trim(string(quoted), `"`)
					}})
				var shown string
				if door == "action" {
					res := w.Main() // with the leak check
					FailedWith(t, res, "Invalid request from")
					shown = res.Stdout + res.Stderr
				} else {
					code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org")
					if code != 1 || !strings.Contains(stderr, "Invalid request from") {
						t.Fatalf("exit %d, stderr %q; want exit 1 with GitHub's message", code, stderr)
					}
					shown = stdout + stderr
				}
				if !strings.Contains(shown, "***") {
					t.Errorf("nothing was hidden: %q", shown)
				}
				mangled := runnertest.NewSecrets()
				for _, jwt := range w.Emu.JWTs() {
					mangled.Add(runnertest.JWTSignature(jwt), mangle(runnertest.JWTSignature(jwt)))
					if name == "base64" { // base64 of the whole header value, at its own alignment
						mangled.Add(mangle("Bearer " + jwt)[len(mangle("Bearer "+jwt[:29])):])
					}
				}
				for _, line := range strings.Split(shown, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						continue
					}
					if p := mangled.In(line); p != "" {
						t.Errorf("a piece of the App JWT, as echoed, reached the output (%q):\n%s", p, line)
					}
				}
			})
		}
	}
}
