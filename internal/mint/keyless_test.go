package mint_test

import (
	"context"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
)

// An App JWT signed elsewhere mints like a key, and is masked before use;
// one that is no JWT of this App fails before any call.
func TestKeylessSigner(t *testing.T) {
	t.Parallel()
	jwt, err := appkey.NewSigner(githubtest.DefaultClientID, appKey, time.Now).Sign()
	if err != nil {
		t.Fatal(err)
	}
	for _, issuer := range []string{githubtest.DefaultClientID, ""} {
		c := newCore(t, config.Config{Owner: "octocat"}, nil, nil)
		cfg := config.Config{Owner: "octocat", JWT: jwt, Issuer: issuer, APIURL: c.url, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}
		var masked []string
		opts := mint.Options{Mask: func(s string) { masked = append(masked, s) }}
		signer, err := mint.KeylessSigner(context.Background(), &cfg, opts)
		if err != nil || signer == nil {
			t.Fatalf("issuer %q: %v", issuer, err)
		}
		if len(masked) == 0 || masked[0] != jwt {
			t.Errorf("the JWT was not masked first")
		}
		if cfg.Issuer != githubtest.DefaultClientID {
			t.Errorf("issuer %q, want the JWT's", cfg.Issuer)
		}
		m := mint.NewSigned(&cfg, signer, opts)
		inst, err := m.Installation(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Mint(context.Background(), inst); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{JWT: "not.a.jwt", Issuer: "1"}
	if s, err := mint.KeylessSigner(context.Background(), &cfg, mint.Options{}); err == nil || s != nil {
		t.Errorf("a bad JWT: signer %v, error %v", s, err)
	}
	cfg = config.Config{Issuer: "1"}
	if s, err := mint.KeylessSigner(context.Background(), &cfg, mint.Options{}); err != nil || s != nil {
		t.Errorf("a key's config: signer %v, error %v; want neither", s, err)
	}
}
