package githubtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

// stateless is GitHub's published pattern for installation tokens.
var stateless = regexp.MustCompile(`^ghs_[A-Za-z0-9._]{36,}$`)

// The mint's header forces either form, whatever the server's default.
func TestStatelessHeaderForcesTheForm(t *testing.T) {
	t.Parallel()
	for _, def := range []bool{false, true} {
		_, ts := newTestServer(t, func(c *Config) { c.LongTokens = def })
		for _, tc := range []struct {
			header string
			long   bool
		}{{"", def}, {"enabled", true}, {"disabled", false}, {"Enabled", true}} {
			req, _ := http.NewRequest("POST", ts.URL+"/app/installations/1001/access_tokens", nil)
			req.Header.Set("Authorization", "Bearer "+appJWT(t))
			if tc.header != "" {
				req.Header.Set(StatelessHeader, tc.header)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Token string }
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !stateless.MatchString(got.Token) || (len(got.Token) > 40) != tc.long || (len(got.Token) == 40) == tc.long {
				t.Errorf("default long %v, header %q: token of %d characters", def, tc.header, len(got.Token))
			}
			if a := call(t, ts, "GET", "/installation/repositories", "Bearer "+got.Token, ""); a.status != 200 {
				t.Errorf("default long %v, header %q: the token does not work: %d", def, tc.header, a.status)
			}
		}
	}
}

// A new token is refused as GitHub's replication lag refuses it: for a
// window of server time, and on its first uses; then it works.
func TestTokenLag(t *testing.T) {
	t.Parallel()
	t.Run("window", func(t *testing.T) {
		now := t0
		s, ts := newTestServer(t, func(c *Config) {
			c.TokenLag = 2 * time.Second
			c.Now = func() time.Time { return now }
		})
		tok := mint(t, ts, "1001", "")
		for _, step := range []struct {
			after time.Duration
			want  int
		}{{0, 401}, {1999 * time.Millisecond, 401}, {2 * time.Second, 200}} {
			now = t0.Add(step.after)
			a := call(t, ts, "GET", "/installation/repositories?per_page=1", "Bearer "+tok, "")
			if a.status != step.want || (a.status == 401 && a.message(t) != msgBadCredentials) {
				t.Errorf("%v after minting: %d %s, want %d", step.after, a.status, a.body, step.want)
			}
		}
		if got := s.Tokens()[0].Lagged; got != 2 {
			t.Errorf("Lagged = %d, want 2", got)
		}
	})
	t.Run("calls", func(t *testing.T) {
		s, ts := newTestServer(t, func(c *Config) { c.TokenLagCalls = 2 })
		tok := mint(t, ts, "1001", "")
		var got []int
		for range 3 {
			got = append(got, call(t, ts, "DELETE", "/installation/token", "Bearer "+tok, "").status)
		}
		if want := []int{401, 401, 204}; !slices.Equal(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
		if !s.Tokens()[0].Revoked {
			t.Error("not revoked after the lag")
		}
	})
}
