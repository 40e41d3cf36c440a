package mint_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
)

// countingSigner counts the JWTs the App's key signs.
type countingSigner struct {
	*appkey.JWTSigner
	mu    sync.Mutex
	signs int
}

func (s *countingSigner) Sign(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.signs++
	s.mu.Unlock()
	return s.JWTSigner.Sign(ctx)
}

func (s *countingSigner) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signs
}

// A scoped mint makes its App calls (find the installation, mint) with
// one JWT, signed once and masked once before its first use; a clock
// correction costs one more, which the later calls share.
func TestOneAppJWTPerMint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		skew  time.Duration // GitHub's clock minus the runner's
		signs int
	}{
		{"clocks agree", 0, 1},
		{"GitHub's clock 3 minutes behind", -3 * time.Minute, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, config.Config{}, nil, nil)
			c.emu.SetClockOffset(tc.skew)
			cfg := config.Config{App: config.App{Issuer: githubtest.DefaultClientID, APIURL: c.url, Retry: config.Retry{Attempts: 2, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}, Request: config.Request{Owner: "octo-org", Repositories: []string{"app", "infra"}, Permissions: permissions.Set{"contents": "write"}}}
			var mu sync.Mutex
			var masked []string
			opts := mint.Options{Mask: func(s string) { mu.Lock(); masked = append(masked, s); mu.Unlock() }}
			signer := &countingSigner{JWTSigner: appkey.NewJWTSigner(cfg.Issuer, &appkey.PrivateKey{RSA: appKey}, nil)}
			m := mint.NewMinterFrom(&cfg, signer, opts)
			if _, err := m.Mint(context.Background()); err != nil {
				t.Fatal(err)
			}
			appCalls := 0
			for _, r := range c.emu.Requests() {
				if r.Auth == "jwt" {
					appCalls++
				}
			}
			jwts := c.emu.JWTs()
			if signer.count() != tc.signs || len(jwts) != tc.signs || appCalls < tc.signs+1 {
				t.Errorf("%d JWTs signed, %d sent in %d App calls; want %d signed and sent, shared by the calls", signer.count(), len(jwts), appCalls, tc.signs)
			}
			for _, jwt := range jwts {
				if n := count(masked, jwt); n != 1 {
					t.Errorf("a JWT GitHub received was masked %d times, want once", n)
				}
			}
		})
	}
}

func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
