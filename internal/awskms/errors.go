package awskms

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Error is a failure to sign with the KMS key or to get credentials for
// it, worded for the user: it names the input, the key and what to do. It
// never holds a credential; AWS's own text passes through ghtext.Message.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

var errNoCredentials = &Error{msg: "input kms-key: no AWS credentials found: run aws-actions/configure-aws-credentials before this step, or set aws-role-to-assume to a role this job may assume with its OIDC token (docs/keyless.md)"}

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
	if role == "" {
		return errNoCredentials
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "InvalidIdentityToken", "IDPRejectedClaim", "ExpiredTokenException":
			return &Error{msg: fmt.Sprintf("input aws-role-to-assume: AWS STS refused this job's OIDC token for role %s (%s): the role's trust policy must admit token.actions.githubusercontent.com with audience sts.amazonaws.com and this repository's subject (docs/keyless.md)",
				role, safeText(err))}
		}
	}
	return &Error{msg: fmt.Sprintf("input aws-role-to-assume: could not assume role %s with AWS STS: %s", role, reach(err))}
}

// signError explains a failed KMS Sign.
func (s *Signer) signError(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &Error{msg: fmt.Sprintf("input kms-key %s: could not reach AWS KMS in %s: %s", s.uri, s.region, reach(err))}
	}
	text := safeText(err)
	switch api.ErrorCode() {
	case "NotFoundException":
		return &Error{msg: fmt.Sprintf("input kms-key %s: AWS KMS has no such key in region %s (%s): check the key ID or alias, and the region (from a key ARN, else AWS_REGION)", s.uri, s.region, text)}
	case "AccessDeniedException":
		return &Error{msg: fmt.Sprintf("input kms-key %s: AWS denied kms:Sign on this key (%s): allow the IAM action kms:Sign on the key to this job's AWS identity, in the key policy or its IAM policy (docs/keyless.md)", s.uri, text)}
	case "InvalidKeyUsageException", "UnsupportedOperationException", "ValidationException":
		return &Error{msg: fmt.Sprintf("input kms-key %s cannot sign RS256 JWTs (%s): the App's key must be an RSA key (RSA_2048 or larger) with key usage SIGN_VERIFY, imported as docs/keyless.md shows", s.uri, text)}
	case "DisabledException", "KMSInvalidStateException":
		return &Error{msg: fmt.Sprintf("input kms-key %s is disabled or pending deletion (%s): enable it in AWS KMS", s.uri, text)}
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignature":
		return &Error{msg: fmt.Sprintf("input kms-key %s: AWS rejected this job's credentials (%s): check the credentials aws-actions/configure-aws-credentials set, or use aws-role-to-assume", s.uri, text)}
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return &Error{msg: fmt.Sprintf("input kms-key %s: AWS KMS kept throttling kms:Sign after every retry (%s): retry the job later, raise retry-attempts, or ask AWS for a higher KMS request quota", s.uri, text)}
	}
	return &Error{msg: fmt.Sprintf("input kms-key %s: AWS KMS refused to sign (%s)", s.uri, text)}
}

// reach explains a failure to reach AWS or the runner.
func reach(err error) string {
	var api smithy.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &api):
		return safeText(err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time; check the endpoint (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_STS) and the runner's proxy settings"
	}
	return safeText(err) + "; check the endpoint (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_STS) and the runner's proxy settings"
}
