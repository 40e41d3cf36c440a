package mint

import (
	"context"
	"errors"
	"strings"

	"github.com/app-token/app-token/internal/awskms"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// Explain turns a failed call into a sentence that says what to do. Its ctx
// is the phase's: its cancellation is an interruption (*Interrupted), its
// end the step's deadline. A try that timed out
// also wraps context.DeadlineExceeded, but is a network failure to report
// with its own reason.
func Explain(ctx context.Context, op string, err error, cfg config.App) error {
	var (
		apiErr *ghclient.APIError
		bad    *ghclient.BadAnswerError
		kmsErr *awskms.Error
	)
	// The first test that matches says what happened.
	if interrupted(ctx) {
		// The user's Ctrl-C or the runner's signal, not the network: no
		// advice about URLs or proxies.
		return interruption(ctx, op)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return setting.Errorf("%s: GitHub did not answer within %s deadline of %s: it may be having an outage (https://www.githubstatus.com); raise %s or retry %s later",
			op, setting.Words{Action: "the step's", CLI: "the command's"}, Deadline(cfg.Retry), setting.RetrySeconds, setting.Words{Action: "the job", CLI: "the command"})
	}
	if errors.As(err, &kmsErr) {
		// Signing the App JWT failed: the KMS error names the key and what
		// to do, in the door's words; the GitHub request it interrupted
		// (method, URL) is beside the point.
		return setting.Errorf("%s: %s", op, kmsErr)
	}
	if errors.As(err, &apiErr) && apiErr.RateLimited() {
		when := "later"
		if !apiErr.RateLimitReset.IsZero() {
			when = "after " + apiErr.RateLimitReset.UTC().Format("15:04:05 MST")
		} else if apiErr.RetryAfter > 0 {
			when = "in " + apiErr.RetryAfter.String()
		}
		return setting.Errorf("%s: GitHub's API rate limit for this App is exhausted (%s); retry %s", op, err, when)
	}
	if errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable && cfg.KMSKey != "" {
		return setting.Errorf("%s: GitHub could not verify the App JWT (%s): the %s %s does not belong to the App named by %s %s; import that App's key into KMS (docs/keyless.md) or fix %s",
			op, apiErr.Message, setting.KMSKey, cfg.KMSKey, cfg.IssuerSetting, cfg.Issuer, cfg.IssuerSetting).With(err)
	}
	if errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable && cfg.JWT != "" {
		return setting.Errorf("%s: GitHub could not verify the App JWT (%s): %s was not signed with the private key of App %s; sign it with that App's key",
			op, apiErr.Message, setting.Input(setting.JWT), cfg.Issuer).With(err)
	}
	if errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTTime && cfg.JWT != "" {
		return setting.Errorf("%s: GitHub rejected the time claims of %s (%s): sign it right before %s, with iat 60 seconds in the past and exp at most ten minutes after iat, on a machine whose clock is right",
			op, setting.Input(setting.JWT), apiErr.Message, setting.Words{Action: "this step", CLI: "this command"}).With(err)
	}
	if errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable {
		return setting.Errorf("%s: GitHub could not verify the App JWT (%s): does the private key belong to App %s? Check that %s and %s come from the same App, and that the key was not regenerated",
			op, apiErr.Message, cfg.Issuer, cfg.IssuerSetting, setting.PrivateKey).With(err)
	}
	if errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTTime {
		return setting.Errorf("%s: GitHub rejected the App JWT's time even after correcting for its clock (%s): check %s clock", op, apiErr.Message, setting.Words{Action: "the runner's", CLI: "this machine's"}).With(err)
	}
	if errors.As(err, &apiErr) {
		return setting.Errorf("%s: %s", op, err)
	}
	if errors.As(err, &bad) {
		// GitHub (or something in between) answered, but not usably.
		return setting.Errorf("%s: %s", op, badAnswer(bad))
	}
	var skew *ghtransport.ClockSkewError
	if errors.As(err, &skew) {
		clock := setting.Words{Action: "the runner's", CLI: "this machine's"}
		return setting.Errorf("%s: GitHub rejected the App JWT's time, and its clock (the Date it answered with) is %s %s, more than the %s %s corrects for: set %s clock right (is NTP running?) and check that %s is GitHub's",
			op, skew.Describe(), clock, ghtransport.MaxClockCorrection, setting.Words{Action: "the action", CLI: "app-token"}, clock, setting.Input(setting.APIURL)).With(err)
	}
	var uncertain *ghtransport.UncertainError
	if errors.As(err, &uncertain) {
		return setting.Errorf("%s: the connection to GitHub failed after the request was sent (%s): GitHub may have acted on it, so it was not sent again; check before repeating it",
			op, ghtext.Message(uncertain.Err.Error())).With(err)
	}
	if tlsErr := untrustedCA(op, err, cfg); tlsErr != nil {
		return tlsErr
	}
	// A transport error can quote what a server or proxy sent (a malformed
	// status line, say): it is server text like any other.
	return setting.Errorf("%s: could not reach GitHub at %s: %s. Check %s and %s proxy settings (HTTPS_PROXY, NO_PROXY)",
		op, cfg.APIURL, ghtext.Message(err.Error()), setting.Input(setting.APIURL), setting.Words{Action: "the runner's", CLI: "the"}).With(err)
}

// badAnswer says what was wrong with an answer ghclient refused and what
// to check, in the door's words.
func badAnswer(bad *ghclient.BadAnswerError) *setting.Error {
	check := setting.Input(setting.APIURL)
	who := setting.Words{Action: "the action", CLI: "app-token"}
	between := setting.Words{Action: "the runner", CLI: "this machine"}
	var reason *setting.Error
	switch bad.Problem {
	case ghclient.RedirectElsewhere:
		reason = setting.Errorf("redirected to %s, outside the API's origin %s: %s only follows redirects within the API's origin. Check %s and any proxy between %s and GitHub",
			bad.Target, bad.Origin, who, check, between)
	case ghclient.TooManyRedirects:
		reason = setting.Errorf("redirected more than %d times (last to %s): %s follows at most %d redirects. Check %s", bad.Limit, bad.Target, who, bad.Limit, check)
	case ghclient.RedirectDropsBody:
		reason = setting.Errorf("was a %d redirect to %s, which would turn the %s into a GET without its body: %s follows only 307 and 308 redirects for a %s",
			bad.Status, bad.Target, bad.Method, who, bad.Method)
	case ghclient.TooLarge:
		reason = setting.Errorf("is larger than %s once decompressed, far more than GitHub's API sends: check %s and any proxy between %s and GitHub",
			ghtransport.Size(bad.Limit), check, between)
	case ghclient.Empty, ghclient.WrongJSONKind, ghclient.InvalidJSON:
		reason = setting.Errorf("%s: check %s", bad.Reason(), check)
	default:
		// A mismatch names the field; without one, the answer is not
		// GitHub's to read.
		reason = setting.Errorf("%s", bad.Reason())
		if bad.Problem == ghclient.UnexpectedJSON && bad.Mismatch() == "" {
			reason = setting.Errorf("%s: check %s", bad.Reason(), check)
		}
	}
	return setting.Errorf("GitHub's answer to %s %s %s", bad.Method, bad.Path, reason).With(bad)
}

// joinList renders "a, b and c".
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
