package e2e_test

// Permissions reach GitHub as asked: the permission-* inputs and the
// permissions block as one map; a permission GitHub's table lacks is
// forwarded with a notice, never refused.

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// grant adds permissions to the octo-org installation (1001).
func grant(perms map[string]string) apptest.Option {
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
	w := apptest.NewWorld(t, grant(map[string]string{"team_discussions": "write"})).With("permission-team-discussions", "read")
	res := w.Main()
	apptest.Succeeded(t, res)
	if got, want := w.OnlyToken().Permissions, map[string]string{"team_discussions": "read"}; !reflect.DeepEqual(got, want) {
		t.Errorf("token permissions = %v, want %v", got, want)
	}
	for _, n := range res.Notices {
		t.Errorf("a declared input should need no notice: %q", n)
	}

	// Not granted: refused before minting, naming it.
	w = apptest.NewWorld(t).With("permission-team-discussions", "read")
	apptest.FailedWith(t, w.Main(), "team_discussions")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("a token was minted without the permission")
	}
}

// The permission-* inputs and the permissions block reach GitHub as one
// snake_case map, and the token carries exactly those.
func TestPermissionsReachGitHub(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With(
		"repositories", "app,infra",
		"permission-pull-requests", "write",
		"permissions", "contents: write\nissues: read\n",
	)
	res := w.Main()
	apptest.Succeeded(t, res)
	var body struct {
		Repositories []string          `json:"repositories"`
		Permissions  map[string]string `json:"permissions"`
	}
	req := w.Emu.Requests()[1]
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"contents": "write", "issues": "read", "pull_requests": "write"}
	if !reflect.DeepEqual(body.Permissions, want) || !reflect.DeepEqual(body.Repositories, []string{"app", "infra"}) {
		t.Errorf("request body = %s", req.Body)
	}
	if got := w.OnlyToken().Permissions; !reflect.DeepEqual(got, want) {
		t.Errorf("token permissions = %v", got)
	}
	var granted map[string]string
	json.Unmarshal([]byte(res.Outputs["permissions"]), &granted)
	if !reflect.DeepEqual(granted, want) {
		t.Errorf("permissions output = %s", res.Outputs["permissions"])
	}
}

// A permission newer than the action's table is forwarded to GitHub as
// written, with a notice, so new permissions keep working; the pre-flight
// check still refuses one the installation was not granted.
func TestNewPermissionsAreForwarded(t *testing.T) {
	t.Parallel()
	grant := func(c *githubtest.Config) { c.Installations[0].Permissions["quantum_leaps"] = "write" }
	w := apptest.NewWorld(t, grant).With("permission-quantum-leaps", "write", "permissions", "contents: read")
	res := w.Main()
	apptest.Succeeded(t, res)
	if got := w.OnlyToken().Permissions; got["quantum_leaps"] != "write" || got["contents"] != "read" || len(got) != 2 {
		t.Errorf("token permissions = %v", got)
	}
	if !slices.ContainsFunc(res.Notices, func(n string) bool {
		return strings.Contains(n, "quantum_leaps") && strings.Contains(n, "sent to GitHub as written")
	}) {
		t.Errorf("notices = %q", res.Notices)
	}

	w = apptest.NewWorld(t).With("permission-quantum-leaps", "write")
	apptest.FailedWith(t, w.Main(), "quantum_leaps:write is not granted to the installation on octo-org")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("minted although the installation lacks the permission")
	}
}

// withModels grants octocat's installation models:read, as GitHub Apps can
// be granted since May 2025 though GitHub's table does not list it yet.
func withModels(c *githubtest.Config) {
	for i := range c.Installations {
		if c.Installations[i].Account == "octocat" {
			c.Installations[i].Permissions["models"] = "read"
		}
	}
}

// mintedPermissions is the permissions object of the emulator's one mint request.
func mintedPermissions(w *apptest.World) map[string]string {
	w.T.Helper()
	for _, r := range w.Emu.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/access_tokens") {
			var body struct{ Permissions map[string]string }
			if err := json.Unmarshal(r.Body, &body); err != nil {
				w.T.Fatal(err)
			}
			return body.Permissions
		}
	}
	w.T.Fatalf("no mint request in %v", w.Calls())
	return nil
}

// A permission GitHub's table lacks (models) is forwarded with a notice,
// never refused, through the action and the command line.
func TestModelsPermissionReachesGitHub(t *testing.T) {
	t.Parallel()
	t.Run("action", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t, withModels).With("owner", "octocat", "permission-models", "read")
		res := w.Main()
		apptest.Succeeded(t, res)
		if p := mintedPermissions(w); p["models"] != "read" || len(p) != 1 {
			t.Errorf("mint request permissions %v, want models:read", p)
		}
		if !strings.Contains(strings.Join(res.Notices, "\n"), "models") {
			t.Errorf("notices %q, want one about models", res.Notices)
		}
	})
	t.Run("cli", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t, withModels)
		code, _, stderr := w.CLI("", nil, "token", "--owner", "octocat", "--permissions", "models:read")
		if code != 0 || !strings.Contains(stderr, "permission models is not in") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if p := mintedPermissions(w); p["models"] != "read" || len(p) != 1 {
			t.Errorf("mint request permissions %v, want models:read", p)
		}
	})
}

// A permission listed twice was reported with a doubled prefix ("input
// permissions: permissions: …").
func TestPermissionListedTwiceNamesTheLine(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With("permissions", "pull_requests: write\npull-requests: read")
	res := w.Main()
	apptest.FailedWith(t, res, `input permissions: line 2: "pull_requests" is listed twice`)
	code, _, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--permissions", "contents: read, contents: write")
	if code != 2 || !strings.Contains(stderr, `--permissions: line 1: "contents" is listed twice`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
