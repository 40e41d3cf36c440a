package main

import (
	"reflect"
	"testing"

	"github.com/app-token/app-token/internal/emulator"
)

// grant adds permissions to the octo-org installation (1001).
func grant(perms map[string]string) worldOption {
	return func(c *emulator.Config) {
		for k, v := range perms {
			c.Installations[0].Permissions[k] = v
		}
	}
}

// permission-team-discussions, which the official action declares and
// GitHub's current table lacks, is an input here and reaches GitHub: a
// migrating workflow keeps the permission instead of silently losing it.
func TestTeamDiscussionsIsNotDropped(t *testing.T) {
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
