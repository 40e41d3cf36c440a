package action_test

// The network paths to GitHub, in process with an injected transport:
// every proxy variable read exactly as Go reads it (no switch of the
// action's own), GitHub Enterprise Server by name over TLS, and plain http
// only for loopback.

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/apptest"
	appenv "github.com/app-token/app-token/internal/env"
)

// In process, with Deps.Base = ghtransport.NewBase(getenv) and a dialer
// that reaches apptest.GHESHost: every proxy variable is read exactly as
// Go reads it, so the action either tunnels through the proxy or goes
// direct, and succeeds both ways.
func TestProxyEnvironmentAsGoReadsIt(t *testing.T) {
	t.Parallel()
	const viaProxy = "PROXY" // stands for the test proxy's URL
	for _, tt := range []struct {
		name    string
		env     map[string]string
		proxied bool
	}{
		{"HTTPS_PROXY", map[string]string{"HTTPS_PROXY": viaProxy}, true},
		{"https_proxy", map[string]string{"https_proxy": viaProxy}, true},
		{"lower case wins", map[string]string{"https_proxy": viaProxy, "HTTPS_PROXY": "http://127.0.0.1:1"}, true},
		{"NO_PROXY elsewhere", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "github.com,10.0.0.0/8"}, true},
		{"NO_PROXY names the host", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": apptest.GHESHost}, false},
		{"no_proxy with the port", map[string]string{"HTTPS_PROXY": viaProxy, "no_proxy": apptest.GHESHost + ":443"}, false},
		{"NO_PROXY parent domain", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "invalid"}, false},
		{"NO_PROXY star", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "*"}, false},
		{"HTTP_PROXY is for http only", map[string]string{"HTTP_PROXY": viaProxy}, false},
		{"ALL_PROXY is not Go's", map[string]string{"ALL_PROXY": viaProxy}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t).With("github-api-url", "https://"+apptest.GHESHost)
			gh := apptest.ServeTLS(t, w)
			proxy := apptest.StartProxy(t, map[string]string{apptest.GHESHost + ":443": gh.Addr()})
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, viaProxy, proxy.URL(""))
				w.Step.Env[k] = env[k]
			}
			var direct atomic.Int32
			base := gh.Base(func(k string) string { return env[k] }, "443", &direct)
			t.Cleanup(base.CloseIdleConnections)
			res := w.InProcess(action.Main, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, nil)
			apptest.Succeeded(t, res)
			if res.Outputs["token"] != w.OnlyToken().Token {
				t.Error("no token minted")
			}
			asked, _ := proxy.Seen()
			if tt.proxied {
				apptest.Tunnelled(t, proxy)
				if direct.Load() != 0 {
					t.Errorf("%d direct dials besides the proxy", direct.Load())
				}
				return
			}
			if len(asked) != 0 || direct.Load() == 0 {
				t.Errorf("proxy saw %q, %d direct dials; want direct only", asked, direct.Load())
			}
		})
	}
}

// GitHub Enterprise Server over TLS: the API URL with or without /api/v3,
// with or without a trailing slash, by name on a custom port (in process,
// the dialler reaching the name), always reaches the same endpoints on
// that port; by address through the built binary in e2e's test of the
// same name.
func TestEnterpriseServerOverTLS(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api/v3", "/api/v3/"} {
		t.Run("by name"+suffix, func(t *testing.T) {
			w := apptest.NewWorld(t).With("github-api-url", "https://"+apptest.GHESHost+":8443"+suffix)
			gh := apptest.ServeTLS(t, w)
			var direct atomic.Int32
			base := gh.Base(nil, "8443", &direct)
			t.Cleanup(base.CloseIdleConnections)
			res := w.InProcess(action.Main, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, nil)
			apptest.Succeeded(t, res)
			apptest.Succeeded(t, w.InProcess(action.Post, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, res.State))
			if direct.Load() == 0 {
				t.Errorf("nothing dialled %s:8443", apptest.GHESHost)
			}
			apptest.AssertEnterprisePaths(t, w)
		})
	}
}

// Plain http is allowed only to a loopback host, with a warning: elsewhere
// the App JWT and the token would cross the network in clear text, and the
// step fails before any call.
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		url  func(port string) string
		ok   bool
	}{
		{"127.0.0.1", func(port string) string { return "http://127.0.0.1:" + port }, true},
		{"localhost", func(port string) string { return "http://localhost:" + port + "/api/v3" }, true},
		{"remote host", func(string) string { return "http://" + apptest.GHESHost + "/api/v3" }, false},
		{"loopback-looking name", func(port string) string { return "http://127.0.0.1.nip.io:" + port }, false},
		{"localhost as a subdomain", func(port string) string { return "http://localhost." + apptest.GHESHost + ":" + port }, false},
		{"IPv4-mapped loopback", func(port string) string { return "http://[::ffff:127.0.0.1]:" + port }, true},
		{"localhost with the root's dot", func(port string) string { return "http://localhost.:" + port }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t)
			_, port, _ := net.SplitHostPort(w.Srv.Listener.Addr().String())
			w.With("github-api-url", tt.url(port))
			res := w.InProcess(action.Main, action.Deps{Env: appenv.Env{Sleep: noSleep(t)}}, nil)
			if !tt.ok {
				apptest.FailedWith(t, res, "uses plain http", "use https")
				if n := len(w.Emu.Requests()); n != 0 {
					t.Errorf("GitHub saw %d requests over plain http", n)
				}
				return
			}
			apptest.Succeeded(t, res)
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "plain http to a loopback host") {
				t.Errorf("warnings = %q, want the plain-http warning", res.Warnings)
			}
		})
	}
}
