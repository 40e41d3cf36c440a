package awskms

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Error is a failure to sign with the KMS key or to get credentials for
// it, worded for the user: it names the setting (rendered by the door, see
// internal/setting), the key and what to do. It never holds a credential;
// AWS's own text passes through ghtext.Message.
type Error struct{ err *setting.Error }

func (e *Error) Error() string                { return e.err.Error() }
func (e *Error) Render(d setting.Door) string { return e.err.Render(d) }

// The settings these errors are about.
var (
	kmsInput  = setting.Input(setting.KMSKey)
	roleInput = setting.Input(setting.AWSRole)
)

func errorf(format string, args ...any) *Error { return &Error{setting.Errorf(format, args...)} }

var errNoCredentials = errorf("%s: no AWS credentials found: %s (docs/keyless.md)", kmsInput, setting.Words{
	Action: "run aws-actions/configure-aws-credentials before this step, or set aws-role-to-assume to a role this job may assume with its OIDC token",
	CLI:    "give them as the AWS CLI takes them (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
})

// identity is whose AWS credentials sign, in each door's words.
var identity = setting.Words{Action: "this job's", CLI: "your"}

// safeText is an SDK or server error fit for one log line.
func safeText(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return ghtext.Message(api.ErrorCode() + ": " + api.ErrorMessage())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errTimeout.Error()
	}
	return ghtext.Message(err.Error())
}

// credentialsError explains why no credentials could be had.
func credentialsError(err error, role string) error {
	var e *Error
	if errors.As(err, &e) {
		return e // the OIDC request's own, already worded
	}
	var op *smithy.OperationError
	if role == "" && errors.As(err, &op) && op.ServiceID == "STS" {
		// The SDK's chain found a role to assume (AWS_ROLE_ARN, a
		// profile's role_arn) and STS failed it: not "no credentials".
		return errorf("%s: the AWS SDK's credential chain could not assume its role with AWS STS: %s", kmsInput, reach(err, "AWS_ENDPOINT_URL_STS"))
	}
	if role == "" {
		return errNoCredentials
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "InvalidIdentityToken", "IDPRejectedClaim", "ExpiredTokenException":
			return errorf("%s: AWS STS refused this job's OIDC token for role %s (%s): the role's trust policy must admit token.actions.githubusercontent.com with audience sts.amazonaws.com and this repository's subject (docs/keyless.md)",
				roleInput, role, safeText(err))
		}
	}
	return errorf("%s: could not assume role %s with AWS STS: %s", roleInput, role, reach(err, "AWS_ENDPOINT_URL_STS"))
}

// signError explains a failed KMS Sign.
func (s *Key) signError(err error) error {
	if e := (*Error)(nil); errors.As(err, &e) {
		return e // refused before sending, already worded
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return errorf("%s %s: could not reach AWS KMS in %s: %s", kmsInput, s.uri, s.region, reach(err, "AWS_ENDPOINT_URL_KMS"))
	}
	text := safeText(err)
	switch api.ErrorCode() {
	case "NotFoundException":
		return errorf("%s %s: AWS KMS has no such key in region %s (%s): check the key ID or alias, and the region (from a key ARN, else AWS_REGION)", kmsInput, s.uri, s.region, text)
	case "AccessDeniedException":
		return errorf("%s %s: AWS denied kms:Sign on this key (%s): allow the IAM action kms:Sign on the key to %s AWS identity, in the key policy or its IAM policy (docs/keyless.md)", kmsInput, s.uri, text, identity)
	case "InvalidKeyUsageException", "UnsupportedOperationException", "ValidationException":
		return errorf("%s %s cannot sign RS256 JWTs (%s): the App's key must be an RSA key (RSA_2048 or larger) with key usage SIGN_VERIFY, imported as docs/keyless.md shows", kmsInput, s.uri, text)
	case "DisabledException", "KMSInvalidStateException":
		return errorf("%s %s is disabled or pending deletion (%s): enable it in AWS KMS", kmsInput, s.uri, text)
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignature":
		return errorf("%s %s: AWS rejected %s credentials (%s): %s", kmsInput, s.uri, identity, text, setting.Words{
			Action: "check the credentials aws-actions/configure-aws-credentials set, or use aws-role-to-assume",
			CLI:    "check AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)",
		})
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return errorf("%s %s: AWS KMS kept throttling kms:Sign after every retry (%s): %s later, raise %s, or ask AWS for a higher KMS request quota", kmsInput, s.uri, text,
			setting.Words{Action: "retry the job", CLI: "try again"}, setting.RetryAttempts)
	}
	return errorf("%s %s: AWS KMS refused to sign (%s)", kmsInput, s.uri, text)
}

// reach explains a failure to reach AWS or the runner, whose endpoint
// comes from the variable endpoint.
func reach(err error, endpoint string) string {
	var api smithy.APIError
	var netErr net.Error
	var tlsErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &api):
		return safeText(err)
	case errors.As(err, &tlsErr):
		return "the endpoint's TLS certificate is not trusted (" + ghtext.Message(tlsErr.Err.Error()) + "): if a proxy or a private endpoint uses its own CA, set AWS_CA_BUNDLE to that CA's PEM file"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time; check the endpoint (" + endpoint + ") and the proxy settings (HTTPS_PROXY, NO_PROXY)"
	case headersTooLarge(err):
		return fmt.Sprintf("the answer's headers are larger than %d KiB, far more than AWS or the runner sends; check the endpoint (%s) and any proxy in between", ghtransport.MaxHeaderBytes>>10, endpoint)
	}
	return cause(err) + "; check the endpoint (" + endpoint + ") and the proxy settings (HTTPS_PROXY, NO_PROXY)"
}

// cause is a failure to send or read, without the SDK's wrapping around it
// (operation, attempts, status 0, an empty request ID), which says nothing
// a user can act on.
func cause(err error) string {
	var u *url.Error
	if errors.As(err, &u) && u.Err != nil {
		return ghtext.Message(u.Err.Error())
	}
	return safeText(err)
}

// headersTooLarge tells an answer refused for its headers'
// size (ghtransport.MaxHeaderBytes). net/http gives that error no type,
// only these words.
func headersTooLarge(err error) bool {
	return strings.Contains(err.Error(), "server response headers exceeded")
}

// notRetried tells the SDK's retryer which failures another try would only
// repeat: an *Error of ours (plain http refused), and an answer whose
// headers are too large.
func notRetried(err error) aws.Ternary {
	var e *Error
	if errors.As(err, &e) || headersTooLarge(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
