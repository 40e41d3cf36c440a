package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/setting"
)

// runToken mints a token and prints it: alone on stdout by default, or as
// JSON with --json. The token is not revoked: the caller uses it, and
// revokes it with `app-token revoke` (or lets it expire within the hour).
func runToken(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	app := newAppFlags(c, fs, setting.ScopeFlags, setting.InstallationFlags, setting.ReadyFlags, setting.BrokerFlags)
	asJSON := fs.Bool("json", false, "print JSON: token, expires_at, installation_id, permissions, repository_selection, repositories")
	if err := c.parse(fs, args, "["+appSynopsis+"] ["+keySynopsis+"] (--owner OWNER [--repositories A,B] | --repositories OWNER/A,OWNER/B) [--permissions 'contents: read'] [--installation-id ID] [--json]"+appNote+brokerNote+
		"\nWithout --owner and --repositories, the token is for the repository $GITHUB_REPOSITORY names (in a GitHub Actions run: step)."); err != nil {
		return err
	}
	if err := app.load(c); err != nil {
		return err
	}
	got, err := c.mint(ctx, app.in)
	if err != nil {
		return err
	}
	tok := got.tok
	if err := got.m.HandOver(ctx, tok.Token, "print the token"); err != nil {
		return err
	}
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	c.notef("minted an installation token for %s with %s; it expires at %s (revoke it with `app-token revoke`)", tok.Scope.Repositories, tok.Scope.Describe(), expires)
	if !*asJSON {
		_, err = fmt.Fprintln(c.env.Stdout, tok.Token.Token)
	} else {
		err = json.NewEncoder(c.env.Stdout).Encode(tokenJSON(tok, expires))
	}
	if err != nil {
		return got.undelivered(ctx, err)
	}
	return nil
}

// undelivered revokes a token stdout did not take (a full disk, a closed
// pipe): a token nobody holds must not stay valid for an hour.
func (got *minted) undelivered(ctx context.Context, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mint.Deadline(got.cfg.Retry))
	defer cancel()
	return got.m.Revoke(ctx, got.tok.Token, fmt.Errorf("the token could not be written to stdout (%v)", errText(err)))
}

// minted is a token the core minted, with what it was minted from.
type minted struct {
	cfg *config.Config
	tok *mint.Token
	m   *mint.Minter
}

// mint reads the App's flags into a checked config and mints through the
// core, printing the answer's warnings, and checks GitHub accepts the token
// (mint.Ready) before it is used. The deadline is the action's.
func (c *command) mint(ctx context.Context, in *settings) (*minted, error) {
	cfg, err := c.readMintConfig(in)
	if err != nil {
		return nil, err
	}
	m, err := c.minter(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	tok, err := m.Mint(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range tok.Scope.Warnings {
		c.warnf("%s", words(w))
	}
	// The caller's tools do not retry a new token's 401.
	warning, err := m.Ready(ctx, tok)
	if err != nil {
		return nil, err
	}
	if warning != nil {
		c.warnf("%s", words(warning))
	}
	return &minted{cfg, tok, m}, nil
}

// tokenOutput is what --json prints. Names and permissions are GitHub's
// answer as checked by the core; ones outside GitHub's alphabets are left
// out, as in the action's outputs.
type tokenOutput struct {
	Token               string          `json:"token"`
	ExpiresAt           string          `json:"expires_at"`
	InstallationID      int64           `json:"installation_id"`
	Permissions         json.RawMessage `json:"permissions"`
	RepositorySelection string          `json:"repository_selection"`
	Repositories        []string        `json:"repositories"`
}

func tokenJSON(tok *mint.Token, expires string) tokenOutput {
	out := tokenOutput{
		Token: tok.Token.Token, ExpiresAt: expires, InstallationID: tok.Installation.ID,
		Permissions: json.RawMessage("null"), RepositorySelection: "all", Repositories: []string{},
	}
	if tok.Scope.PermissionsJSON != "" {
		out.Permissions = json.RawMessage(tok.Scope.PermissionsJSON)
	}
	if tok.RepositorySelection == "selected" {
		out.RepositorySelection = "selected"
	}
	out.Repositories = append(out.Repositories, tok.Scope.RepositoryNames...)
	return out
}
