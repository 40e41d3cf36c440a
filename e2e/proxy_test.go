package e2e_test

// HTTPS proxies, through the built binary: every call of both phases
// through HTTPS_PROXY's tunnel, NO_PROXY going direct, and the proxy's
// credentials never shown. How every proxy variable is read, in process:
// internal/action's TestProxyEnvironmentAsGoReadsIt.

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

// The built binary honours HTTPS_PROXY like any Go program: every call of
// both phases goes through the proxy's CONNECT tunnel, and the proxy's
// credentials are sent to it and never shown.
func TestHTTPSProxyCarriesEveryCall(t *testing.T) {
	t.Parallel()
	const password = "pr0xy-pa55word"
	for _, tt := range []struct {
		name, env, userinfo string
	}{
		{"HTTPS_PROXY", "HTTPS_PROXY", ""},
		{"https_proxy", "https_proxy", ""},
		{"with credentials", "HTTPS_PROXY", "builder:" + password},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _, proxy := apptest.ProxiedWorld(t)
			w.Step.Env[tt.env] = proxy.URL(tt.userinfo)
			w.Secrets = append(w.Secrets, password)
			res := w.Main()
			apptest.Succeeded(t, res)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings over https: %q", res.Warnings)
			}
			apptest.Tunnelled(t, proxy)
			asked, _ := proxy.Seen()
			apptest.Succeeded(t, w.Post(res.State))
			if now, _ := proxy.Seen(); len(now) == len(asked) {
				t.Error("the post phase did not go through the proxy")
			}
			apptest.Tunnelled(t, proxy)
			tok := w.OnlyToken()
			if res.Outputs["token"] != tok.Token || !tok.Revoked {
				t.Errorf("token minted %v, revoked %v", res.Outputs["token"] == tok.Token, tok.Revoked)
			}
			for _, r := range w.Emu.Requests() {
				if !strings.HasPrefix(r.FullPath, "/api/v3/") {
					t.Errorf("request to %s, want under /api/v3/", r.FullPath)
				}
			}
			if tt.userinfo != "" {
				want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tt.userinfo))
				if _, auth := proxy.Seen(); auth[0] != want {
					t.Errorf("Proxy-Authorization = %q, want the credentials from HTTPS_PROXY", auth[0])
				}
			}
		})
	}
}

// NO_PROXY naming GitHub's host sends the built binary straight to it, past
// the proxy. Here the host does not resolve, so the step fails with the
// clear could-not-reach error, and the proxy saw nothing.
func TestNoProxyGoesDirect(t *testing.T) {
	t.Parallel()
	for _, noProxy := range []string{apptest.GHESHost, ".invalid", "*"} {
		t.Run(noProxy, func(t *testing.T) {
			w, _, proxy := apptest.ProxiedWorld(t)
			// One try: a machine without DNS at all makes the lookup a
			// temporary error, which would be retried for real.
			w.With("retry-attempts", "1")
			w.Step.Env["HTTPS_PROXY"] = proxy.URL("")
			w.Step.Env["NO_PROXY"] = noProxy
			res := w.Main()
			apptest.FailedWith(t, res, "could not reach GitHub at https://"+apptest.GHESHost+"/api/v3/", "HTTPS_PROXY, NO_PROXY")
			if asked, _ := proxy.Seen(); len(asked) != 0 {
				t.Errorf("proxy saw %q despite NO_PROXY", asked)
			}
			if n := len(w.Emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests", n)
			}
		})
	}
}

// A proxy that refuses the tunnel fails the step with the could-not-reach
// error, and the credentials in HTTPS_PROXY appear nowhere.
func TestRefusingProxyKeepsItsCredentials(t *testing.T) {
	t.Parallel()
	const password = "pr0xy-pa55word"
	w := apptest.NewWorld(t).With("github-api-url", "https://"+apptest.GHESHost, "retry-attempts", "1")
	proxy := apptest.StartProxy(t, nil)
	w.Step.Env["HTTPS_PROXY"] = proxy.URL("builder:" + password)
	w.Secrets = append(w.Secrets, password)
	res := w.Main()
	apptest.FailedWith(t, res, "could not reach GitHub at https://"+apptest.GHESHost+"/api/v3/", "Forbidden")
	if asked, auth := proxy.Seen(); len(asked) != 1 || !strings.HasPrefix(auth[0], "Basic ") {
		t.Errorf("proxy saw CONNECT %q with authorization %v, want one with credentials", asked, len(auth) > 0 && auth[0] != "")
	}
}
