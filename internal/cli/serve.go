package cli

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/hooks"
	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/serve"
	"github.com/app-token/app-token/internal/setting"
)

// runServe is the token broker (docs/broker.md): it holds the App's key,
// and gives a workload that proves who it is with an OIDC token the
// installation token the trust policy of the repository it reaches allows;
// with --hooks it also turns signed webhooks into dispatches. It runs
// until SIGTERM, then drains. Audit lines go to stdout, the server's own
// lines to stderr.
func runServe(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	app := &appFlags{in: newSettings(c, fs, setting.RetryFlags, setting.APIFlags, setting.AppFlags, setting.ReadyFlags, setting.ServeFlags)}
	app.keyFlags(fs)
	if err := c.parse(fs, args, "--audience AUDIENCE [--issuer URL]... [--listen ADDRESS] [--hooks FILE] ["+appSynopsis+"] ["+signerSynopsis+"]"+appNote+
		"\nServes GET /sts/exchange, POST /token, POST /hooks/NAME (with --hooks), GET /healthz and GET /metrics until SIGTERM; one JSON audit line per exchange or delivery on stdout (docs/broker.md)."); err != nil {
		return err
	}
	in := app.in.values
	if l := in[setting.Listen]; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil || port == "" {
			return usagef("%s must be HOST:PORT or :PORT (e.g. :8080 or 127.0.0.1:8080), got %s", setting.Listen.Flag(), secret.Quote(l))
		}
	}
	// Checked before the key is read: nothing to ask of anyone yet.
	verifier, err := idtoken.New(idtoken.Config{Audience: in[setting.Audience], Issuers: lines(in[setting.Issuer])})
	if err != nil {
		return &usageError{err}
	}
	if err := app.load(c); err != nil {
		return err
	}
	// A file's path is config's business no more than the file is: a
	// temporary directory's random name can look like a credential.
	hooksPath := in[setting.Hooks]
	delete(in, setting.Hooks)
	cfg, err := c.readConfig(config.ReadApp(app.in))
	if err != nil {
		return err
	}
	var set *hooks.Set
	if hooksPath != "" {
		if set, err = hooks.ReadFile(hooksPath, c.env.Var); err != nil {
			return usagef("%s: %s", setting.Hooks.Flag(), words(err))
		}
		set.Mask(func(s string) { c.redactor.Add(s) })
	}
	metrics := serve.NewMetrics()
	log := slog.New(slog.NewJSONHandler(c.stderr, nil))
	a, err := c.serverApp(ctx, cfg.App, metrics, log)
	if err != nil {
		return err
	}
	exchanger, err := newExchanger(a, verifier, in[setting.Audience], metrics)
	if err != nil {
		return err
	}
	audit := serve.NewAudit(c.env.Stdout)
	sc := serve.Config{
		Exchanger: exchanger, Audit: audit, Log: c.stderr, Metrics: metrics,
		Listen: in[setting.Listen], Getenv: c.env.Var, Now: c.env.Now,
	}
	if set != nil {
		sc.Hooks = hooks.NewHandler(set, hookDispatcher{a, log}, hooks.Options{Audit: audit, Now: c.env.Now, MaxInputs: maxInputs(cfg.App)})
	}
	if err := serve.Run(ctx, sc); err != nil {
		return setting.Errorf("%s", err)
	}
	return nil
}

// serverApp is the core's App for a server: its base transport counted by
// the metrics (under the retries, so every request sent counts once), and
// no mask: a server mints without end, and a redactor that learnt every
// token would grow as long; its writers scrub the shapes of tokens and
// JWTs whatever they hold, and the key's lines were learnt by load.
func (c *command) serverApp(ctx context.Context, app config.App, m *serve.Metrics, log *slog.Logger) (*mint.App, error) {
	base := c.env.Base
	if base == nil {
		t := ghtransport.NewBase(c.env.Var)
		// config checked the certificates already: this cannot fail.
		_ = ghtransport.AddRoots(t, app.CACertificates)
		base = t
	}
	o := c.options()
	// Nor is a grant outstanding: it is the caller's once answered. A
	// retry is one of the server's JSON lines.
	o.Base, o.Mask, o.Scrub, o.Outstanding = m.Tap(base), func(string) {}, nil, nil
	o.Log = func(line string) { log.Warn("github", "retry", line) }
	a, err := mint.NewApp(ctx, app, o)
	return a, keyUsage(err)
}

// maxInputs is GitHub's bound on workflow_dispatch's inputs where the App
// lives: GitHub Enterprise Server's API is under /api/v3.
func maxInputs(app config.App) int {
	if app.APIURL != nil && strings.HasSuffix(app.APIURL.Path, "/api/v3/") {
		return hooks.MaxInputsGHES
	}
	return hooks.MaxInputsGitHub
}

// lines splits a repeatable flag's values, one a line.
func lines(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// hookDispatcher fires a hook's event through the core's one dispatch
// sequence, and logs what went wrong (the hook's answer only says whether
// the event may have arrived).
type hookDispatcher struct {
	app *mint.App
	log *slog.Logger
}

func (d hookDispatcher) Dispatch(ctx context.Context, e hooks.Event) error {
	warn := func(w error) {
		d.log.Warn("hook dispatch", "hook", e.Hook, "warning", words(w))
	}
	sent, err := d.app.Dispatch(ctx, mint.Event{Owner: e.Owner, Repo: e.Repo, EventType: e.EventType, Workflow: e.Workflow, Ref: e.Ref, Payload: e.Payload}, warn)
	if err != nil {
		d.log.Error("hook dispatch failed", "hook", e.Hook, "error", words(err))
		var de *mint.DispatchError
		if errors.As(err, &de) {
			return &hooks.DispatchError{Sent: de.Sent, Err: err}
		}
		return err
	}
	if sent.Revoke != nil {
		warn(sent.Revoke)
	}
	return nil
}
