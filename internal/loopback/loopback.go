// Package loopback is the program's one rule for where a credential may
// travel over plain http: to this machine only. Every endpoint that carries
// one (the GitHub API, the runner's OIDC token endpoint, AWS STS and KMS)
// asks it, so that no two places decide differently. It imports only the
// standard library, so any package can use it.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// Host reports whether host, as url.URL.Hostname gives it, names this
// machine without asking anyone: an IP address in 127.0.0.0/8 or ::1
// (IPv4-mapped forms such as ::ffff:127.0.0.1 included: they are the same
// address), or the name localhost in any case. Nothing is decided by a
// prefix or a lookup: 127.0.0.1.nip.io and localhost.example.com are names
// a DNS server answers for, and localhost. (with the root's dot) is sent to
// DNS by resolvers that do not special-case it, so none of them counts.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Plain reports whether u is plain http to a host that is not loopback:
// a URL a credential must not be sent to. https is never Plain; neither is
// http to a loopback host (a local emulator or proxy). Any other scheme is
// not Plain either: the caller's own check refuses it.
func Plain(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, "http") && !Host(u.Hostname())
}
