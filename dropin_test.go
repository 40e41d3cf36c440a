package main

import (
	"reflect"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/permissions"
)

// grant adds permissions to the octo-org installation (1001).
func grant(perms map[string]string) Option {
	return func(c *githubtest.Config) {
		for k, v := range perms {
			c.Installations[0].Permissions[k] = v
		}
	}
}

// permission-team-discussions, which the official action declares and
// GitHub's current table lacks, is an input here and reaches GitHub: a
// migrating workflow keeps the permission instead of silently losing it.
func TestTeamDiscussionsIsNotDropped(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, grant(map[string]string{"team_discussions": "write"})).With("permission-team-discussions", "read")
	res := w.Main()
	Succeeded(t, res)
	if got, want := w.OnlyToken().Permissions, map[string]string{"team_discussions": "read"}; !reflect.DeepEqual(got, want) {
		t.Errorf("token permissions = %v, want %v", got, want)
	}
	for _, n := range res.Notices {
		t.Errorf("a declared input should need no notice: %q", n)
	}

	// Not granted: refused before minting, naming it.
	w = NewWorld(t).With("permission-team-discussions", "read")
	FailedWith(t, w.Main(), "team_discussions")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("a token was minted without the permission")
	}
}

// The runner passes every input of a step written for the official action,
// empty when the workflow leaves it out of `with:`, as INPUT_<NAME>; the
// binary refuses undeclared names whatever their value, so a step that
// names every official input must mint.
func TestEveryOfficialInputIsAccepted(t *testing.T) {
	t.Parallel()
	official, err := permissions.OfficialInputs()
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorld(t)
	for _, in := range official {
		if _, set := w.Step.With[in.Name]; !set {
			w.Step.With[in.Name] = "" // passed, empty: as the runner passes an unset input
		}
	}
	w.Step.With["permission-contents"] = "read"
	res := w.Main()
	Succeeded(t, res)
	if got := w.OnlyToken().Permissions; !reflect.DeepEqual(got, map[string]string{"contents": "read"}) {
		t.Errorf("token permissions = %v", got)
	}
}
