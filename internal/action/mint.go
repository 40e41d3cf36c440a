package action

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/filecmd"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/sethvargo/go-githubactions"
)

// Main runs the main phase: read inputs, find the installation, check the
// request, mint the token, check GitHub's answer, mask the token, and hand it
// to the workflow and to Post. Its error is one sentence that says what to
// fix; it never holds a secret.
func Main(ctx context.Context, a *githubactions.Action, d Deps) error {
	mask := d.masker(a)
	cfg, err := config.Read(a, config.InputNames(d.environ()))
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		a.Warningf("%s", w)
	}
	for _, n := range cfg.Notices {
		a.Noticef("%s", n)
	}
	key, err := appkey.Parse(cfg.PrivateKey)
	if err != nil {
		return err
	}
	for _, line := range key.Mask {
		mask(line)
	}
	d.redactor().Add(key.Body...)
	cfg.PrivateKey = "" // parsed: nothing later needs the raw text

	ctx, cancel := context.WithTimeout(ctx, deadline(cfg.Retry))
	defer cancel()
	signer := maskingSigner{appkey.NewSigner(cfg.Issuer, key.RSA, d.Now), mask}
	d.roots = cfg.CACertificates
	appT, tokenT := d.transports(a, retryPolicy(cfg.Retry), signer)
	m := &minter{cfg: cfg, gh: ghclient.New(cfg.APIURL, appT, tokenT)}

	inst, err := m.installation(ctx)
	if err != nil {
		return err
	}
	tok, err := m.mint(ctx, inst.ID)
	if err != nil {
		return err
	}
	// Mask before anything else can print it. The shape is checked first,
	// so a hostile answer cannot smuggle a workflow command into the mask.
	if !validToken(tok.Token) {
		return fmt.Errorf("mint a token for installation %d: GitHub's answer holds no usable token; is input %s GitHub's API?", inst.ID, config.InAPIURL)
	}
	mask(tok.Token)
	scope, err := m.check(inst, tok)
	if err != nil {
		return m.revokeAfter(ctx, tok, err)
	}
	for _, w := range scope.warnings {
		a.Warningf("%s", w)
	}

	w := filecmd.New(a)
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	// State first: if writing outputs fails, Post can still revoke. If state
	// cannot be saved, nothing would revoke the token: revoke it now.
	if err := saveAll(w.SaveState, [][2]string{
		{stateToken, tok.Token},
		{stateExpiresAt, expires},
	}); err != nil {
		return m.revokeAfter(ctx, tok, fmt.Errorf("save the token for the post phase, which revokes it: %v", err))
	}
	bot := m.botIdentity(ctx, a, inst, tok.Token)
	if err := saveAll(w.SetOutput, [][2]string{
		{"token", tok.Token},
		{"installation-id", strconv.FormatInt(inst.ID, 10)},
		{"app-slug", bot.slug},
		{"expires-at", expires},
		{"permissions", scope.permissionsJSON},
		{"bot-user-id", bot.id},
		{"git-user-name", bot.name},
		{"git-user-email", bot.email},
	}); err != nil {
		return err
	}
	a.Infof("Minted an installation token for %s with %s; it expires at %s%s.",
		scope.repositories, scope.describe(), expires, revokeNote(cfg))
	if err := w.AddSummary(summary(cfg, bot.slug, inst, scope, expires)); err != nil {
		a.Warningf("could not write the job summary: %v", err)
	}
	return nil
}

// maskingSigner masks every App JWT before its first use: a server or proxy
// that echoes the Authorization header would otherwise print a credential
// that can mint tokens for every installation of the App for ten minutes.
type maskingSigner struct {
	*appkey.Signer
	mask func(string)
}

func (s maskingSigner) Sign() (string, error) {
	jwt, err := s.Signer.Sign()
	if err == nil {
		s.mask(jwt)
	}
	return jwt, err
}

func saveAll(save func(name, value string) error, entries [][2]string) error {
	for _, e := range entries {
		if err := save(e[0], e[1]); err != nil {
			return err
		}
	}
	return nil
}

func revokeNote(cfg *config.Config) string {
	if cfg.SkipRevoke {
		return " (skip-token-revoke is set: it stays valid until then)"
	}
	return " and is revoked when the job ends"
}

// revokeAfter revokes a token that must not be handed out, and returns why.
func (m *minter) revokeAfter(ctx context.Context, tok *ghclient.Token, why error) error {
	if err := m.gh.RevokeToken(ctx, tok.Token); err != nil {
		return fmt.Errorf("%v. Revoking the token failed too (%v); it expires at %s", why, explain(ctx, "revoke the token", err, m.cfg), tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return fmt.Errorf("%v. The token was revoked at once", why)
}

// mustJSON marshals a map of strings, which cannot fail.
func mustJSON(v map[string]string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
