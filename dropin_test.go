package main

import (
	"reflect"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/permissions"
)

// grant adds permissions to the octo-org installation (1001).
func grant(perms map[string]string) worldOption {
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
	w := newWorld(t, grant(map[string]string{"team_discussions": "write"})).with("permission-team-discussions", "read")
	res := w.main()
	succeeded(t, res)
	if got, want := w.onlyToken().Permissions, map[string]string{"team_discussions": "read"}; !reflect.DeepEqual(got, want) {
		t.Errorf("token permissions = %v, want %v", got, want)
	}
	for _, n := range res.Notices {
		t.Errorf("a declared input should need no notice: %q", n)
	}

	// Not granted: refused before minting, naming it.
	w = newWorld(t).with("permission-team-discussions", "read")
	failedWith(t, w.main(), "team_discussions")
	if len(w.emu.Tokens()) != 0 {
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
	w := newWorld(t)
	for _, in := range official {
		if _, set := w.step.With[in.Name]; !set {
			w.step.With[in.Name] = "" // passed, empty: as the runner passes an unset input
		}
	}
	w.step.With["permission-contents"] = "read"
	res := w.main()
	succeeded(t, res)
	if got := w.onlyToken().Permissions; !reflect.DeepEqual(got, map[string]string{"contents": "read"}) {
		t.Errorf("token permissions = %v", got)
	}
}
