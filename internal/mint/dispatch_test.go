package mint_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
)

// One dispatch: a token for that one repository with only the event's
// permission, the event sent once with the payload, the token revoked.
func TestDispatchScopesSendsRevokes(t *testing.T) {
	t.Parallel()
	for name, e := range map[string]mint.Event{
		"repository_dispatch": {Owner: "octo-org", Repo: "docs", EventType: "rebuild", Payload: json.RawMessage(`{"page":"home"}`)},
		"workflow_dispatch":   {Owner: "octo-org", Repo: "app", Workflow: "release.yml", Ref: "main", Payload: json.RawMessage(`{"v":"1"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, config.Config{}, nil, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, err := c.m.Dispatch(ctx, e, nil)
			if err != nil || got.Revoke != nil {
				t.Fatalf("Dispatch: %v, revoke %v", err, got)
			}
			toks := c.emu.Tokens()
			if len(toks) != 1 || !toks[0].Revoked || !slices.Equal(toks[0].Repositories, []string{e.Repo}) ||
				!maps.Equal(toks[0].Permissions, map[string]string{e.Permission(): "write"}) {
				t.Fatalf("tokens %+v: want one for %s only with %s: write, revoked", toks, e.Repo, e.Permission())
			}
			ds := c.emu.Dispatches()
			if len(ds) != 1 || ds[0].Repo != e.Repo || ds[0].EventType != e.EventType || ds[0].Workflow != e.Workflow {
				t.Fatalf("dispatches %+v, want one of %+v", ds, e)
			}
			payload := ds[0].ClientPayload
			if e.Workflow != "" {
				payload = ds[0].Inputs
			}
			if string(payload) != string(e.Payload) {
				t.Errorf("payload %s, want %s", payload, e.Payload)
			}
		})
	}
}

// A failure says whether GitHub may have the event: not when nothing was
// minted or GitHub refused the request outright; yes after a 5xx, which
// is not sent again. The token is revoked either way.
func TestDispatchSaysWhetherSent(t *testing.T) {
	t.Parallel()
	e := mint.Event{Owner: "octo-org", Repo: "docs", EventType: "rebuild"}
	for name, tc := range map[string]struct {
		fault  githubtest.Fault
		sent   bool
		minted int
	}{
		"mint refused": {githubtest.Fault{Method: "POST", Path: "/app/installations/*", Status: 403, Body: `{"message":"Forbidden"}`}, false, 0},
		"send refused": {githubtest.Fault{Method: "POST", Path: "/repos/octo-org/docs/dispatches", Status: 422, Body: `{"message":"Invalid"}`}, false, 1},
		"send failed":  {githubtest.Fault{Method: "POST", Path: "/repos/octo-org/docs/dispatches", Status: 502, Body: `{"message":"Bad gateway"}`, Times: -1}, true, 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, config.Config{}, nil, nil)
			c.emu.AddFault(tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := c.m.Dispatch(ctx, e, nil)
			var de *mint.DispatchError
			if !errors.As(err, &de) || de.Sent != tc.sent {
				t.Fatalf("Dispatch: %v (%#v), want a DispatchError with Sent %t", err, de, tc.sent)
			}
			toks := c.emu.Tokens()
			if len(toks) != tc.minted || tc.minted == 1 && !toks[0].Revoked {
				t.Errorf("tokens %+v: want %d, revoked", toks, tc.minted)
			}
			posts := 0
			for _, r := range c.emu.Requests() {
				if r.Method == "POST" && r.Path == "/repos/octo-org/docs/dispatches" {
					posts++
				}
			}
			if posts != tc.minted {
				t.Errorf("%d dispatch requests, want %d (never repeated)", posts, tc.minted)
			}
		})
	}
}
