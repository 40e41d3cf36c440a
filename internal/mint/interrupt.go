package mint

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/setting"
)

// Interrupt is the cause a door cancels its run's context with when a
// signal arrives (context.WithCancelCause): the signal's name, "SIGINT"
// (the user's Ctrl-C, the runner cancelling the job) or "SIGTERM".
type Interrupt string

func (i Interrupt) Error() string { return string(i) + " received" }

// revokeOnInterrupt bounds the revocation of a token nobody will take once
// the run was interrupted: the user waits for it, so a few seconds, not
// the retry settings' budget.
const revokeOnInterrupt = 5 * time.Second

// interrupted tells whether the run's context was cancelled, not timed out.
func interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// Interrupted is the end of a run a signal cut short, said as such (not
// as a network failure): what was under way, and what became of a token
// minted and not yet handed over. Both doors render it on one line.
type Interrupted struct {
	// Op is what was under way, as Explain's op says it.
	Op string
	// Cause is the context's cause; an Interrupt names the signal.
	Cause error
	// Token says what became of the token at stake; nil when none was.
	Token error
}

// Render says "OP: interrupted (SIGINT); what became of the token".
func (e *Interrupted) Render(d setting.Door) string {
	s := e.Op + ": interrupted"
	var sig Interrupt
	if errors.As(e.Cause, &sig) {
		s += " (" + string(sig) + ")"
	}
	if e.Token != nil {
		s += "; " + setting.Render(e.Token, d)
	}
	return s
}

func (e *Interrupted) Error() string { return e.Render(setting.Action) }

// Unwrap gives context.Canceled, so errors.Is still tells a cancelled run.
func (e *Interrupted) Unwrap() []error {
	if e.Token != nil {
		return []error{context.Canceled, e.Token}
	}
	return []error{context.Canceled}
}

func interruption(ctx context.Context, op string) *Interrupted {
	return &Interrupted{Op: op, Cause: context.Cause(ctx)}
}

// Interruption is the *Interrupted of a run interrupted while op was under
// way, for a door whose own call ended (a KMS signature); nil when ctx was
// not interrupted.
func Interruption(ctx context.Context, op string) error {
	if !interrupted(ctx) {
		return nil
	}
	return interruption(ctx, op)
}

// abandon revokes tok, which nobody will take because the run was
// interrupted while op was under way, and says what became of it.
func (a *App) abandon(ctx context.Context, tok *ghclient.Token, op string) error {
	e := interruption(ctx, op)
	e.Token = a.revokeBriefly(ctx, tok)
	return e
}

// revokeBriefly revokes tok after the run was interrupted: within
// revokeOnInterrupt, whatever the retry settings allow, with a young
// token's 401 retried as lag (GitHub may not know a token it minted a
// moment ago), and silently: no retry line follows the interruption. It
// returns what became of the token, never nil.
func (a *App) revokeBriefly(ctx context.Context, tok *ghclient.Token) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeOnInterrupt)
	defer cancel()
	o := a.opts
	o.Log = nil
	err := tokenClient(a.cfg, o, youngPolicy(a.cfg.Retry)).RevokeToken(ctx, tok.Token)
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	switch {
	case err == nil:
		a.opts.Outstanding.Settle(tok)
		return setting.Errorf("the token was revoked")
	case AlreadyRevoked(err):
		a.opts.Outstanding.Settle(tok)
		return setting.Errorf("GitHub refused to revoke the token (401 Bad credentials); should it ever work, it expires at %s", expires)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		// A try cut short by the bound ends a moment before ctx does.
		return setting.Errorf("revoking the token did not finish within %s; it stays valid until it expires at %s", revokeOnInterrupt, expires)
	}
	return setting.Errorf("revoking the token failed (%s); it stays valid until it expires at %s", Explain(ctx, "revoke the token", err, a.cfg), expires)
}

// Abandon is a door's look before it uses tok (sends an event with it):
// when the run was interrupted by then, tok is revoked (briefly, see
// revokeBriefly) and the Interrupted that says so comes back, naming op.
// Otherwise nil.
func (a *App) Abandon(ctx context.Context, tok *ghclient.Token, op string) error {
	if !interrupted(ctx) {
		return nil
	}
	return a.abandon(ctx, tok, op)
}

// HandOver is a door's last look before it hands tok over (the action's
// outputs, stdout): Abandon, and otherwise tok is the caller's from now on
// and no longer outstanding.
func (a *App) HandOver(ctx context.Context, tok *ghclient.Token, op string) error {
	if err := a.Abandon(ctx, tok, op); err != nil {
		return err
	}
	a.opts.Outstanding.Settle(tok)
	return nil
}

// Outstanding records the tokens a run minted and has neither revoked nor
// handed over, so a run ended at once (see Abandoned) can say until when
// they stay valid. Safe for concurrent use; a nil *Outstanding records
// nothing.
type Outstanding struct {
	mu     sync.Mutex
	tokens map[*ghclient.Token]time.Time
}

func (o *Outstanding) add(tok *ghclient.Token) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tokens == nil {
		o.tokens = map[*ghclient.Token]time.Time{}
	}
	o.tokens[tok] = tok.ExpiresAt
}

// Settle forgets tok: revoked, or handed over.
func (o *Outstanding) Settle(tok *ghclient.Token) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.tokens, tok)
}

// Abandoned is what a run ended at once says (a second Ctrl-C, the
// runner's SIGTERM after its SIGINT), with cause naming the signal: it
// stops revoking, and a token still outstanding stays valid until it
// expires.
func (o *Outstanding) Abandoned(cause error) error {
	sig := ""
	var i Interrupt
	if errors.As(cause, &i) {
		sig = " (" + string(i) + ")"
	}
	var last time.Time
	if o != nil {
		o.mu.Lock()
		for _, exp := range o.tokens {
			if exp.After(last) {
				last = exp
			}
		}
		o.mu.Unlock()
	}
	if last.IsZero() {
		return setting.Errorf("interrupted again%s: stopped at once", sig)
	}
	return setting.Errorf("interrupted again%s: stopped at once, without revoking the token: it stays valid until it expires at %s", sig, last.UTC().Format(time.RFC3339))
}
