package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
)

// runInstallations lists the App's installations, so nobody copies an
// installation ID from a settings page by hand. Names from GitHub are shown
// only when they are names: a terminal is no place for a server's escape
// sequences.
func runInstallations(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("installations", flag.ContinueOnError)
	app := newAppFlags(c, fs)
	asJSON := fs.Bool("json", false, "print a JSON array: id, account, account_type, repository_selection, suspended")
	if err := c.parse(fs, args, "["+appSynopsis+"] ["+keySynopsis+"] [--json]"+appNote); err != nil {
		return err
	}
	if err := app.load(c); err != nil {
		return err
	}
	cfg, err := c.readConfig(config.ReadApp(app.in))
	if err != nil {
		return err
	}
	m, err := c.minter(ctx, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	list, err := m.Client().ListInstallations(ctx)
	if err != nil {
		return mint.Explain(ctx, "list the App's installations", err, cfg.App)
	}
	rows := make([]installationRow, len(list))
	for i, in := range list {
		rows[i] = rowOf(in)
	}
	if *asJSON {
		return json.NewEncoder(c.env.Stdout).Encode(rows)
	}
	if len(rows) == 0 {
		c.notef("the App has no installations: install it on an account from the App's page (Install App)")
		return nil
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tTYPE\tREPOSITORIES\tSTATUS")
	for _, r := range rows {
		status := "active"
		if r.Suspended {
			status = "suspended"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Account, r.AccountType, r.RepositorySelection, status)
	}
	return tw.Flush()
}

// installationRow is one installation as shown.
type installationRow struct {
	ID                  int64  `json:"id"`
	Account             string `json:"account"`
	AccountType         string `json:"account_type"`
	RepositorySelection string `json:"repository_selection"`
	Suspended           bool   `json:"suspended"`
}

// notShown stands for a value from GitHub that is not what it should be.
const notShown = "(not shown)"

func rowOf(in ghclient.Installation) installationRow {
	r := installationRow{ID: in.ID, Account: notShown, AccountType: notShown, RepositorySelection: notShown, Suspended: in.SuspendedAt != nil}
	if ghtext.IsLogin(in.Account.Login) {
		r.Account = in.Account.Login
	}
	switch in.Account.Type {
	case "User", "Organization", "Enterprise":
		r.AccountType = in.Account.Type
	}
	switch in.RepositorySelection {
	case "all", "selected":
		r.RepositorySelection = in.RepositorySelection
	}
	return r
}
