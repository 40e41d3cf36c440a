package loopback

import (
	"net/url"
	"testing"
)

// The one rule, decided case by case: addresses by value, the one name by
// spelling, nothing by prefix.
func TestHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1":              true,
		"127.1.2.3":              true,
		"127.255.255.254":        true,
		"::1":                    true,
		"0:0:0:0:0:0:0:1":        true,
		"::ffff:127.0.0.1":       true, // the same address, IPv4-mapped
		"::ffff:7f00:1":          true,
		"localhost":              true,
		"LocalHost":              true,
		"":                       false,
		"localhost.":             false, // a fully qualified name resolvers may send to DNS
		"localhost.localdomain":  false,
		"foo.localhost":          false,
		"localhost.example.com":  false,
		"127.0.0.1.nip.io":       false,
		"127.0.0.1.":             false,
		"127.1":                  false, // inet_aton's short form: a name to Go's resolver
		"0177.0.0.1":             false,
		"2130706433":             false,
		"0.0.0.0":                false,
		"::":                     false,
		"::ffff:10.0.0.1":        false,
		"::1%lo":                 false,
		"128.0.0.1":              false,
		"10.0.0.1":               false,
		"169.254.169.254":        false,
		"api.github.com":         false,
		"localhost\x00.evil.com": false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

// Plain is http to anything but loopback, read from a parsed URL the way
// a client dials it (Hostname: brackets and port removed).
func TestPlain(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"https://sts.example.com":             false,
		"HTTPS://kms.example.com":             false,
		"http://127.0.0.1:8080/x":             false,
		"http://[::1]:9/":                     false,
		"http://[::ffff:127.0.0.1]:9/":        false,
		"http://localhost/":                   false,
		"HTTP://LOCALHOST:1/":                 false,
		"http://user:pw@127.0.0.1/":           false,
		"http://sts.example.com":              true,
		"HTTP://sts.example.com":              true,
		"http://127.0.0.1.nip.io:8080/":       true,
		"http://localhost.:8080/":             true,
		"http://[::ffff:10.0.0.1]/":           true,
		"http://127.0.0.1@evil.example.com/":  true,
		"http://evil.example.com#@127.0.0.1/": true,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Plain(u); got != want {
			t.Errorf("Plain(%s) = %v, want %v", raw, got, want)
		}
	}
}
