package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/setting"
)

// Every installation, across pages, with what replaces the hand-copied ID.
func TestInstallations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("", "installations").ok(t)
	for _, want := range []string{
		"ID    ACCOUNT     TYPE          REPOSITORIES  STATUS",
		"1001  octo-org    Organization  selected      active",
		"1002  octocat     User          all           active",
		"1003  frozen-org  Organization  all           suspended",
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestInstallationsJSONAcrossPages(t *testing.T) {
	t.Parallel()
	const n = 230 // three pages of 100
	w := newWorld(t, func(c *githubtest.Config) {
		c.Installations = nil
		for i := range n {
			c.Installations = append(c.Installations, githubtest.Installation{
				ID: int64(5000 + i), Account: fmt.Sprintf("org-%d", i), AccountType: "Organization", RepositorySelection: "all",
				Permissions: map[string]string{"metadata": "read"},
			})
		}
	})
	r := w.run("", "installations", "--json").ok(t)
	var rows []installationRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || rows[n-1].ID != 5000+n-1 || rows[n-1].Account != fmt.Sprintf("org-%d", n-1) {
		t.Fatalf("got %d rows, last %+v; want %d", len(rows), rows[len(rows)-1], n)
	}
}

// A name that is not a name is not printed to a terminal.
func TestInstallationsHideWhatIsNotAName(t *testing.T) {
	t.Parallel()
	in := githubtestInstallation("octo\x1b[31morg", "Organization\n", "all")
	if r := rowOf(in); r.Account != notShown || r.AccountType != notShown || r.RepositorySelection != "all" {
		t.Errorf("row %+v", r)
	}
}

func TestInstallationsWrongKey(t *testing.T) {
	t.Parallel()
	other, _, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.env[setting.PrivateKey.Spec().Env] = other
	w.run("", "installations").failed(t, ExitFailed, "list the App's installations", "does the private key belong to App")
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
