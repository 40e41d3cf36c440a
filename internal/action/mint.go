package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/filecmd"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/sethvargo/go-githubactions"
)

// Main runs the main phase: read inputs, find the installation, check the
// request, mint the token, mask it, and hand it to the workflow and to Post.
// Its error is one sentence that says what to fix; it never holds a secret.
func Main(ctx context.Context, a *githubactions.Action, d Deps) error {
	cfg, err := config.Read(a)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		a.Warningf("%s", w)
	}
	key, err := appkey.Parse(cfg.PrivateKey)
	if err != nil {
		return err
	}
	for _, line := range key.Mask {
		a.AddMask(line)
	}

	ctx, cancel := context.WithTimeout(ctx, deadline(cfg.Retry))
	defer cancel()
	signer := appkey.NewSigner(cfg.Issuer, key.RSA, d.Now)
	appT, tokenT := d.transports(a, retryPolicy(cfg.Retry), signer)
	m := &minter{cfg: cfg, gh: ghclient.New(cfg.APIURL, appT, tokenT), ctx: ctx}

	inst, err := m.installation()
	if err != nil {
		return err
	}
	slugOf := func() (string, error) { return inst.AppSlug, nil }
	if inst == nil {
		// With installation-id no lookup told us the App's slug, which the
		// identity outputs need: ask while the token is minted.
		slugOf = m.appSlugAsync()
	}
	tok, err := m.mint(inst)
	if err != nil {
		return err
	}
	// Mask before anything else can print it; GitHub's newer tokens are long
	// and dotted, so the whole string is masked, whatever its shape.
	a.AddMask(tok.Token)

	w := filecmd.New(a)
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	// State first: if writing outputs fails, Post can still revoke.
	if err := saveAll(w.SaveState, [][2]string{
		{stateToken, tok.Token},
		{stateExpiresAt, expires},
	}); err != nil {
		return err
	}
	granted, _ := json.Marshal(tok.Permissions) // a map of strings always marshals
	id := m.id(inst)
	bot := m.botIdentity(a, slugOf, tok.Token)
	if err := saveAll(w.SetOutput, [][2]string{
		{"token", tok.Token},
		{"installation-id", strconv.FormatInt(id, 10)},
		{"app-slug", bot.slug},
		{"expires-at", expires},
		{"permissions", string(granted)},
		{"bot-user-id", bot.id},
		{"git-user-name", bot.name},
		{"git-user-email", bot.email},
	}); err != nil {
		return err
	}
	a.Infof("Minted an installation token for %s with %s; it expires at %s%s.",
		cfg.RepositoryList(), describePermissions(tok.Permissions), expires, revokeNote(cfg))
	if err := w.AddSummary(summary(cfg, bot.slug, id, tok.Permissions, expires)); err != nil {
		a.Warningf("could not write the job summary: %v", err)
	}
	return nil
}

// summary is the job summary's account of the token: what it reaches and for
// how long, never the token itself.
func summary(cfg *config.Config, slug string, id int64, granted permissions.Set, expires string) string {
	return fmt.Sprintf("### GitHub App token\n\n| | |\n|---|---|\n| App | %s |\n| Installation | %d on %s |\n| Repositories | %s |\n| Permissions | %s |\n| Expires | %s%s |\n",
		orDash(slug), id, cfg.Owner, cfg.RepositoryList(), orDash(granted.String()), expires, revokeNote(cfg))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func saveAll(save func(name, value string) error, entries [][2]string) error {
	for _, e := range entries {
		if err := save(e[0], e[1]); err != nil {
			return err
		}
	}
	return nil
}

func describePermissions(p map[string]string) string {
	if len(p) == 0 {
		return "no permissions"
	}
	return "permissions " + permissions.Set(p).String()
}

func revokeNote(cfg *config.Config) string {
	if cfg.SkipRevoke {
		return " (skip-token-revoke is set: it stays valid until then)"
	}
	return " and is revoked when the job ends"
}

// minter carries one main phase's calls to GitHub.
type minter struct {
	cfg *config.Config
	gh  *ghclient.Client
	ctx context.Context
}

func (m *minter) id(inst *ghclient.Installation) int64 {
	if inst == nil {
		return m.cfg.InstallationID
	}
	return inst.ID
}

// installation finds the installation and checks it can serve the request.
// With installation-id it makes no call and returns nil.
func (m *minter) installation() (*ghclient.Installation, error) {
	cfg := m.cfg
	if cfg.InstallationID != 0 {
		return nil, nil
	}
	var (
		inst *ghclient.Installation
		err  error
	)
	if cfg.Repositories != nil {
		inst, err = m.gh.FindRepositoryInstallation(m.ctx, cfg.Owner, cfg.Repositories[0])
	} else {
		inst, err = m.gh.FindAccountInstallation(m.ctx, cfg.Owner)
	}
	if ghclient.StatusOf(err) == 404 {
		return nil, m.notInstalled()
	}
	if err != nil {
		return nil, m.explain(fmt.Sprintf("find the App's installation on %s", cfg.Owner), err)
	}
	if inst.SuspendedAt != nil {
		return nil, suspended(inst.ID, cfg.Owner)
	}
	if len(cfg.Permissions) > 0 {
		if err := permissions.CheckGranted(cfg.Permissions, inst.Permissions, cfg.Owner); err != nil {
			return nil, fmt.Errorf("the installation cannot grant the requested permissions: %v. Request less, or have an owner of %s grant the App more (and accept its permission update)", err, cfg.Owner)
		}
	}
	return inst, nil
}

// notInstalled tells apart "not installed on the account" from "installed
// but not on that repository" with one more lookup, on the error path only.
func (m *minter) notInstalled() error {
	cfg := m.cfg
	inst, err := m.gh.FindAccountInstallation(m.ctx, cfg.Owner)
	if ghclient.StatusOf(err) == 404 || (err == nil && cfg.Repositories == nil) {
		return fmt.Errorf("the App (%s %s) is not installed on %s: install it on that account (the App's page, Install App), or set owner to the account that has it",
			cfg.IssuerInput, cfg.Issuer, cfg.Owner)
	}
	if err != nil {
		return m.explain(fmt.Sprintf("find the App's installation on %s", cfg.Owner), err)
	}
	return fmt.Errorf("the App's installation %d on %s cannot reach repository %s/%s: add the repository to the installation's repository access, or check the name",
		inst.ID, cfg.Owner, cfg.Owner, cfg.Repositories[0])
}

func suspended(id int64, owner string) error {
	return fmt.Errorf("the App's installation %d on %s is suspended: an owner of %s must unsuspend it (Settings → GitHub Apps → Configure → Unsuspend)", id, owner, owner)
}

// mint asks for the token and explains GitHub's refusals.
func (m *minter) mint(inst *ghclient.Installation) (*ghclient.Token, error) {
	cfg := m.cfg
	id := m.id(inst)
	tok, err := m.gh.CreateToken(m.ctx, id, ghclient.TokenRequest{Repositories: cfg.Repositories, Permissions: cfg.Permissions})
	if err == nil {
		return tok, nil
	}
	var apiErr *ghclient.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Status == 422 && containsFold(apiErr.Message, "repositor"):
			return nil, m.unreachable(id)
		case apiErr.Status == 422 && containsFold(apiErr.Message, "permission"):
			return nil, fmt.Errorf("GitHub refused the permissions (%s): the installation %d on %s was not granted all of them. Request less, or have an owner grant the App more (and accept its permission update)",
				permissions.Set(cfg.Permissions).String(), id, cfg.Owner)
		case apiErr.Status == 403 && containsFold(apiErr.Message, "suspend"):
			return nil, suspended(id, cfg.Owner)
		case apiErr.Status == 404 && inst == nil:
			return nil, fmt.Errorf("installation %d was not found for App %s: check input installation-id (the number at the end of the installation's settings URL) or leave it empty to look it up", id, cfg.Issuer)
		}
	}
	return nil, m.explain(fmt.Sprintf("mint a token for installation %d", id), err)
}

// unreachable names the repositories the installation cannot reach, checked
// one by one on this error path only (at most maxReachChecks of them).
func (m *minter) unreachable(id int64) error {
	const maxReachChecks = 50
	var missing []string
	checked := 0
	for _, repo := range m.cfg.Repositories {
		if checked == maxReachChecks {
			break
		}
		checked++
		inst, err := m.gh.FindRepositoryInstallation(m.ctx, m.cfg.Owner, repo)
		if ghclient.StatusOf(err) == 404 || (err == nil && inst.ID != id) {
			missing = append(missing, m.cfg.Owner+"/"+repo)
		}
	}
	which := "some of the repositories"
	if len(missing) > 0 {
		which = joinList(missing)
	}
	more := ""
	if rest := len(m.cfg.Repositories) - checked; rest > 0 {
		more = fmt.Sprintf(" (%d more were not checked)", rest)
	}
	return fmt.Errorf("the App's installation %d cannot reach %s%s: add them to the installation's repository access, or fix the names in input repositories",
		id, which, more)
}

// bot holds the App's git identity outputs; empty when the lookup failed.
type bot struct{ slug, id, name, email string }

// botIdentity looks up the App's bot user for git commits. It never fails
// the step: the token is already minted, so a lookup problem is a warning.
func (m *minter) botIdentity(a *githubactions.Action, slugOf func() (string, error), token string) bot {
	slug, err := slugOf()
	if err != nil {
		a.Warningf("could not look up the App's slug, so the app-slug and git identity outputs are empty: %v", m.explain("get the App", err))
		return bot{}
	}
	login := slug + "[bot]"
	u, err := m.gh.GetUser(m.ctx, login, token)
	if err != nil {
		a.Warningf("could not look up the App's bot user %s, so bot-user-id and the git identity outputs are empty: %v", login, m.explain("get user "+login, err))
		return bot{slug: slug}
	}
	id := strconv.FormatInt(u.ID, 10)
	return bot{slug: slug, id: id, name: login, email: id + "+" + login + "@users.noreply.github.com"}
}

// appSlugAsync starts GET /app and returns a function that waits for its slug.
// The goroutine ends with the phase's context at the latest.
func (m *minter) appSlugAsync() func() (string, error) {
	type result struct {
		slug string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		app, err := m.gh.GetApp(m.ctx)
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{slug: app.Slug}
	}()
	return func() (string, error) {
		r := <-done
		return r.slug, r.err
	}
}

// explain turns a failed call into a sentence that says what to do.
func (m *minter) explain(op string, err error) error {
	return explain(m.ctx, op, err, m.cfg)
}

// explain's ctx is the phase's: only its end is the step's deadline. A try
// that timed out also wraps context.DeadlineExceeded, but is a network
// failure to report with its own reason.
func explain(ctx context.Context, op string, err error, cfg *config.Config) error {
	var apiErr *ghclient.APIError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: GitHub did not answer within the step's deadline of %s: it may be having an outage (https://www.githubstatus.com); raise retry-max-seconds or retry the job later",
			op, deadline(cfg.Retry))
	case errors.As(err, &apiErr) && apiErr.RateLimited():
		when := "later"
		if !apiErr.RateLimitReset.IsZero() {
			when = "after " + apiErr.RateLimitReset.UTC().Format("15:04:05 MST")
		} else if apiErr.RetryAfter > 0 {
			when = "in " + apiErr.RetryAfter.String()
		}
		return fmt.Errorf("%s: GitHub's API rate limit for this App is exhausted (%v); retry %s", op, apiErr, when)
	case errors.As(err, &apiErr) && apiErr.Status == 401 && containsFold(apiErr.Message, "could not be decoded"):
		return fmt.Errorf("%s: GitHub could not verify the App JWT (%s): does the private key belong to App %s? Check that %s and private-key come from the same App, and that the key was not regenerated",
			op, apiErr.Message, cfg.Issuer, cfg.IssuerInput)
	case errors.As(err, &apiErr) && apiErr.Status == 401 && containsFold(apiErr.Message, "claim"):
		return fmt.Errorf("%s: GitHub rejected the App JWT's time even after correcting for its clock (%s): check the runner's clock", op, apiErr.Message)
	case errors.As(err, &apiErr):
		return fmt.Errorf("%s: %v", op, apiErr)
	}
	return fmt.Errorf("%s: could not reach GitHub at %s: %v. Check input github-api-url and the runner's proxy settings (HTTPS_PROXY, NO_PROXY)", op, cfg.APIURL, err)
}
