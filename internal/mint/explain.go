package mint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/awskms"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
)

// Explain turns a failed call into a sentence that says what to do. Its ctx
// is the phase's: only its end is the step's deadline. A try that timed out
// also wraps context.DeadlineExceeded, but is a network failure to report
// with its own reason.
func Explain(ctx context.Context, op string, err error, cfg *config.Config) error {
	var (
		apiErr *ghclient.APIError
		bad    *ghclient.BadAnswerError
		kmsErr *awskms.Error
	)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: GitHub did not answer within the step's deadline of %s: it may be having an outage (https://www.githubstatus.com); raise retry-max-seconds or retry the job later",
			op, Deadline(cfg.Retry))
	case errors.As(err, &kmsErr):
		// Signing the App JWT failed: the message names kms-key already.
		return fmt.Errorf("%s: %v", op, kmsErr)
	case errors.As(err, &apiErr) && apiErr.RateLimited():
		when := "later"
		if !apiErr.RateLimitReset.IsZero() {
			when = "after " + apiErr.RateLimitReset.UTC().Format("15:04:05 MST")
		} else if apiErr.RetryAfter > 0 {
			when = "in " + apiErr.RetryAfter.String()
		}
		return fmt.Errorf("%s: GitHub's API rate limit for this App is exhausted (%v); retry %s", op, apiErr, when)
	case errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable && cfg.KMSKey != "":
		return fmt.Errorf("%s: GitHub could not verify the App JWT (%s): the %s %s does not belong to the App named by %s %s; import that App's key into KMS (docs/keyless.md) or fix %s",
			op, apiErr.Message, config.InKMSKey, cfg.KMSKey, cfg.IssuerInput, cfg.Issuer, cfg.IssuerInput)
	case errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable && cfg.JWT != "":
		return fmt.Errorf("%s: GitHub could not verify the App JWT (%s): input %s was not signed with the private key of App %s; sign it with that App's key",
			op, apiErr.Message, config.InJWT, cfg.Issuer)
	case errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTTime && cfg.JWT != "":
		return fmt.Errorf("%s: GitHub rejected the time claims of input %s (%s): sign it right before this step, with iat 60 seconds in the past and exp at most ten minutes after iat, on a machine whose clock is right", op, config.InJWT, apiErr.Message)
	case errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTUndecodable:
		return fmt.Errorf("%s: GitHub could not verify the App JWT (%s): does the private key belong to App %s? Check that %s and private-key come from the same App, and that the key was not regenerated",
			op, apiErr.Message, cfg.Issuer, cfg.IssuerInput)
	case errors.As(err, &apiErr) && apiErr.Kind == ghapi.JWTTime:
		return fmt.Errorf("%s: GitHub rejected the App JWT's time even after correcting for its clock (%s): check the runner's clock", op, apiErr.Message)
	case errors.As(err, &apiErr):
		return fmt.Errorf("%s: %v", op, apiErr)
	case errors.As(err, &bad):
		// GitHub (or something in between) answered, but not usably: the
		// error already says what to check.
		return fmt.Errorf("%s: %v", op, bad)
	}
	var skew *ghtransport.ClockSkewError
	if errors.As(err, &skew) {
		return fmt.Errorf("%s: %v", op, skew)
	}
	var uncertain *ghtransport.UncertainError
	if errors.As(err, &uncertain) {
		return fmt.Errorf("%s: the connection to GitHub failed after the request was sent (%s): GitHub may have acted on it, so it was not sent again; check before repeating it",
			op, ghtext.Message(uncertain.Err.Error()))
	}
	if tlsErr := untrustedCA(op, err, cfg); tlsErr != nil {
		return tlsErr
	}
	// A transport error can quote what a server or proxy sent (a malformed
	// status line, say): it is server text like any other.
	return fmt.Errorf("%s: could not reach GitHub at %s: %s. Check input %s and the runner's proxy settings (HTTPS_PROXY, NO_PROXY)",
		op, cfg.APIURL, ghtext.Message(err.Error()), config.InAPIURL)
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
