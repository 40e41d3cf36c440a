package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

func (c *Config) readAPIURL(s Source, bad *problems) {
	u, warning, err := apiURL(s)
	if err != nil {
		bad.addf("%s", err)
		return
	}
	if warning != nil {
		c.Warnings = append(c.Warnings, warning)
	}
	c.APIURL = u
}

// apiURL reads the API URL setting, falling back to the environment's
// GITHUB_API_URL (the runner sets it) and then to GitHub.com, as the
// table's DefaultEnv and Default say. Its warning
// and error name where the URL came from.
func apiURL(s Source) (*url.URL, *setting.Error, *setting.Error) {
	var from any = setting.Input(setting.APIURL)
	spec := setting.APIURL.Spec()
	raw := s.Setting(setting.APIURL)
	if raw == "" {
		raw = s.Getenv(spec.DefaultEnv)
		from = setting.Errorf("%s (%s is not set)", spec.DefaultEnv, setting.APIURL)
	}
	if raw == "" {
		raw = spec.Default
	}
	u, warning, err := APIBase(raw)
	if err != nil {
		return nil, nil, setting.Errorf("%s: %s", from, err)
	}
	if warning != "" {
		return u, setting.Errorf("%s: %s", from, warning), nil
	}
	return u, nil, nil
}

// APIBase turns what users write for the API URL into the base every endpoint
// hangs off, ending in "/": GitHub.com's https://api.github.com as is; a GitHub
// Enterprise Server host with or without /api/v3, with or without a trailing
// slash or port, always as https://HOST[:PORT]/api/v3/. Plain http is refused
// except for loopback hosts (local emulators), which get a warning: the JWT and
// the token would otherwise cross the network in clear text.
func APIBase(raw string) (u *url.URL, warning string, err error) {
	trimmed := strings.TrimSpace(raw)
	u, err = url.Parse(trimmed)
	// Its host and path are shown in messages as they are: no character
	// secret.Printable would change (a bidi override, say) is taken.
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !secret.IsPrintable(trimmed) {
		return nil, "", fmt.Errorf("%s is not an API URL like https://api.github.com or https://HOST/api/v3", quote(raw))
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback.Host(host) {
			return nil, "", fmt.Errorf("%s uses plain http: the App JWT and the token would travel unencrypted; use https", quote(raw))
		}
		warning = "plain http to a loopback host: fine for a local emulator, never for GitHub"
	default:
		return nil, "", fmt.Errorf("%s must start with https://", quote(raw))
	}
	if strings.EqualFold(host, "github.com") || strings.EqualFold(host, "www.github.com") {
		return nil, "", fmt.Errorf("%s is GitHub's web address; the API is https://api.github.com", quote(raw))
	}
	path := strings.TrimRight(u.Path, "/")
	if path == "" && !strings.HasPrefix(strings.ToLower(host), "api.") {
		path = "/api/v3" // a GitHub Enterprise Server host given without its API path
	}
	u.Path, u.RawPath = path+"/", ""
	return u, warning, nil
}
