package config

import (
	"reflect"
	"strings"
	"testing"
)

const (
	inBrokerURL      = "broker-url"
	inBrokerIdentity = "broker-identity"
	inBrokerAudience = "broker-audience"
)

// broker reads in with no App credential and a broker.
func broker(t *testing.T, in map[string]string) (*Config, error) {
	t.Helper()
	base := map[string]string{InClientID: "<unset>", InPrivateKey: "<unset>", inBrokerURL: "https://broker.example.com", inBrokerIdentity: "release"}
	for k, v := range in {
		base[k] = v
	}
	return read(t, base)
}

func TestBrokerSettings(t *testing.T) {
	t.Parallel()
	c, err := broker(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Broker.URL.String() != "https://broker.example.com/" || c.Broker.Identity != "release" || c.Broker.Audience != "broker.example.com" {
		t.Errorf("broker %+v, want the URL with its slash, the identity, and the host as the audience", c.Broker)
	}
	if c.Issuer != "" || c.PrivateKey != "" {
		t.Errorf("a broker config holds an App: %q", c.Issuer)
	}
	c, err = broker(t, map[string]string{inBrokerURL: "http://127.0.0.1:8080/sts//", inBrokerAudience: "https://broker.example"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Broker.URL.String() != "http://127.0.0.1:8080/sts/" || c.Broker.Audience != "https://broker.example" {
		t.Errorf("broker %+v", c.Broker)
	}
}

func TestBrokerRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   map[string]string
		want string
	}{
		{"with a private key", map[string]string{InPrivateKey: "k"}, "inputs broker-url and private-key are set together"},
		{"with a jwt", map[string]string{"jwt": "a.b.c"}, "inputs broker-url and jwt are set together"},
		{"with a kms key", map[string]string{"kms-key": "awskms:///alias/app"}, "inputs broker-url and kms-key are set together"},
		{"with a client id", map[string]string{InClientID: "Iv23liABC"}, "inputs broker-url and client-id are set together"},
		{"with an installation", map[string]string{"installation-id": "1"}, "inputs broker-url and installation-id are set together"},
		{"with an enterprise", map[string]string{"enterprise": "acme"}, "inputs broker-url and enterprise are set together"},
		{"plain http", map[string]string{inBrokerURL: "http://broker.example.com"}, `input broker-url: "http://broker.example.com" uses plain http`},
		{"plain http to a name like loopback", map[string]string{inBrokerURL: "http://127.0.0.1.nip.io"}, "uses plain http"},
		{"another scheme", map[string]string{inBrokerURL: "ftp://broker.example.com"}, "must start with https://"},
		{"no host", map[string]string{inBrokerURL: "https://"}, "is not a broker URL"},
		{"credentials", map[string]string{inBrokerURL: "https://u:p@broker.example.com"}, "is not a broker URL"},
		{"a query", map[string]string{inBrokerURL: "https://broker.example.com/?x=1"}, "is not a broker URL"},
		{"a fragment", map[string]string{inBrokerURL: "https://broker.example.com/#x"}, "is not a broker URL"},
		{"unprintable", map[string]string{inBrokerURL: "https://broker.example.com/\u202e"}, "is not a broker URL"},
		{"no identity", map[string]string{inBrokerIdentity: ""}, "input broker-identity is empty"},
		{"identity a path", map[string]string{inBrokerIdentity: "../x"}, `input broker-identity is "../x", which is not a policy name`},
		{"identity hidden", map[string]string{inBrokerIdentity: ".x"}, "which is not a policy name"},
		{"audience unprintable", map[string]string{inBrokerAudience: "a\u202eb"}, "input broker-audience holds characters that cannot be shown"},
		{"identity without url", map[string]string{inBrokerURL: "", InClientID: "Iv23liABC", InPrivateKey: "k"}, "input broker-identity is set but broker-url is not"},
		{"audience without url", map[string]string{inBrokerURL: "", inBrokerIdentity: "", InClientID: "Iv23liABC", InPrivateKey: "k", inBrokerAudience: "x"}, "input broker-audience is set but broker-url is not"},
	} {
		_, err := broker(t, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The scope rules: one repository is its policy; an owner alone or
// several repositories are the owner's, narrowed.
func TestBrokerScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     map[string]string
		scope  string
		narrow []string
	}{
		{nil, "octo-org/app", nil},
		{map[string]string{InRepositories: "infra"}, "octo-org/infra", nil},
		{map[string]string{InOwner: "octocat"}, "octocat", nil},
		{map[string]string{InRepositories: "app, infra"}, "octo-org", []string{"app", "infra"}},
	} {
		c, err := broker(t, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		scope, narrow := c.BrokerScope()
		if scope != tc.scope || !reflect.DeepEqual(narrow, tc.narrow) {
			t.Errorf("%v: scope %q narrowed to %q, want %q %q", tc.in, scope, narrow, tc.scope, tc.narrow)
		}
	}
}
