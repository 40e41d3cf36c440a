// Package awskms is the App's key held in AWS KMS (Key, an appkey.Key), so
// the key never reaches this process: each JWT's signing input goes to KMS Sign
// (RSASSA_PKCS1_V1_5_SHA_256, MessageType RAW) and only the signature comes
// back. Credentials come from the AWS SDK's standard chain, or from the
// job's OIDC token exchanged for a role's temporary credentials
// (AssumeRoleWithWebIdentity) that never leave this process. Keys are
// named as internal/kmsuri reads them.
package awskms

import (
	"context"
	"errors"
	"time"

	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/kmsuri"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MaxMessage is the most KMS Sign takes as a RAW message.
const MaxMessage = 4096

// Options are the outside world a Key uses. Zero fields mean the real
// one; the SDK itself reads the process environment (AWS_REGION,
// AWS_ENDPOINT_URL_KMS, credentials ...).
type Options struct {
	// Env: Getenv reads the runner's variables for the OIDC token request
	// (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN), the proxy for that request,
	// the session name and where an endpoint came from (nil: none); Now is
	// the clock the role's credentials are checked against. Base and Sleep
	// are not used: the SDK has its own transport (see awsHTTPClient) and
	// its own waits between retries.
	env.Env
	// Role, when set, is assumed with the job's OIDC token instead of the
	// SDK's standard credential chain.
	Role string
	// MaxAttempts bounds each AWS call's tries, throttling included, as
	// retry-attempts bounds GitHub's; 0 means the SDK's default.
	MaxAttempts int
	// Timeout bounds one HTTP request to AWS or the runner; 0 means 20 s.
	Timeout time.Duration
	// Mask is called with every credential before it is used: the OIDC
	// token, the runner's request token, and every part of the AWS
	// credentials (access key ID, secret key, session token). Nil masks
	// nothing.
	Mask func(secret string)
}

func (o Options) mask(s string) {
	if o.Mask != nil && s != "" {
		o.Mask(s)
	}
}

// Key is one App key in AWS KMS: it signs JWT signing inputs (an
// appkey.Key). It is safe for concurrent use.
type Key struct {
	key    kmsuri.Key
	uri    string
	region string // for messages, made fit to print
	client *kms.Client
}

// New checks that credentials and a region can be had for uri (a key URI,
// see kmsuri.ParseURI) and returns its Key. With o.Role it first exchanges the
// job's OIDC token for the role's credentials (two calls: the runner, then
// STS); otherwise it makes no call. Every error is an *Error.
func New(ctx context.Context, uri string, o Options) (*Key, error) {
	key, err := kmsuri.ParseURI(uri)
	if err != nil {
		return nil, errorf("%s %s", kmsInput, err.Error())
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	httpClient := awsHTTPClient(o, uri)
	opts := []func(*config.LoadOptions) error{
		// The SDK's own log lines would reach stderr unchecked; its errors
		// are what the step reports.
		config.WithLogger(logging.Nop{}),
		config.WithHTTPClient(httpClient),
		// The container credential endpoint's client is its own unless
		// given one: it gets the same bounds and the same refusal.
		config.WithEndpointCredentialOptions(func(eo *endpointcreds.Options) { eo.HTTPClient = httpClient }),
		config.WithAPIOptions([]func(*middleware.Stack) error{boundAnswers}),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				if o.MaxAttempts > 0 {
					so.MaxAttempts = o.MaxAttempts
				}
				so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notRetried)}, so.Retryables...)
			})
		}),
	}
	if key.Region != "" {
		opts = append(opts, config.WithRegion(key.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, errorf("%s: cannot read the AWS configuration (%s): check AWS_PROFILE, AWS_CONFIG_FILE, AWS_CA_BUNDLE and the shared config file", kmsInput, safeText(err))
	}
	if cfg.Region == "" {
		return nil, errorf("%s names no region: use the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or set AWS_REGION (aws-actions/configure-aws-credentials sets it)", kmsInput)
	}
	if o.Role != "" {
		stsClient := sts.NewFromConfig(cfg)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(stsClient, o.Role,
			newOIDCToken(o),
			func(w *stscreds.WebIdentityRoleOptions) { w.RoleSessionName = sessionName(o.Var) }))
	}
	if cfg.Credentials == nil {
		return nil, errNoCredentials
	}
	cfg.Credentials = maskingCredentials{cfg.Credentials, o}
	// Fetched now, once: a missing credential is an error before any call
	// to GitHub, and each JWT later costs one KMS call, no more.
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, credentialsError(err, o.Role)
	}
	if o.Role != "" {
		if err := o.checkLife(creds); err != nil {
			return nil, err
		}
		// Held for the step: one OIDC request and one STS call per step,
		// as docs/keyless.md says, never a silent second exchange.
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
	}
	client := kms.NewFromConfig(cfg, func(ko *kms.Options) {
		if key.Endpoint != "" {
			ko.BaseEndpoint = aws.String(key.Endpoint)
		}
	})
	// The region may come from AWS_REGION or a config file: outside text,
	// which messages show only through the one rule.
	return &Key{key: key, uri: uri, region: ghtext.Message(cfg.Region), client: client}, nil
}

// Sign returns the RS256 signature of input made by KMS. Its errors are
// *Error and say what to do.
func (s *Key) Sign(ctx context.Context, input []byte) ([]byte, error) {
	if len(input) > MaxMessage {
		return nil, errorf("the App JWT to sign is %d bytes, more than the %d bytes KMS Sign takes", len(input), MaxMessage)
	}
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.key.ID),
		Message:          input,
		MessageType:      types.MessageTypeRaw,
		SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
	})
	if err != nil {
		return nil, s.signError(err)
	}
	if n := len(out.Signature); n < 256 || n > 512 {
		return nil, errorf("%s %s: KMS answered with a %d-byte signature, not an RSA one of 2048 to 4096 bits: is it an RSA key?", kmsInput, s.uri, n)
	}
	return out.Signature, nil
}

// boundAnswers makes every AWS answer unreadable past ghtransport.MaxAnswer,
// as GitHub's are: the SDK reads a whole body before decoding it. It is an
// API option, so it reaches every client made from the configuration,
// those the SDK's credential chain makes for itself included (STS, SSO,
// the container and instance metadata endpoints). It sits last in the
// deserialize step, next to the transport, so it wraps the raw body before
// any decoder reads it.
func boundAnswers(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("app-token/boundAnswers",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
				resp.Body = ghtransport.LimitReader(resp.Body, ghtransport.MaxAnswer)
			}
			return out, md, err
		}), middleware.After)
}

// maskingCredentials masks each credential before the SDK signs with it.
type maskingCredentials struct {
	aws.CredentialsProvider
	o Options
}

func (m maskingCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.CredentialsProvider.Retrieve(ctx)
	if err == nil {
		// The access key ID too: AWS names it in some error messages,
		// and it says whose key this job holds.
		m.o.mask(c.AccessKeyID)
		m.o.mask(c.SecretAccessKey)
		m.o.mask(c.SessionToken)
	}
	return c, err
}

// sessionName names the assumed role's session after the run, so that
// CloudTrail shows which run signed.
func sessionName(getenv func(string) string) string {
	name := "app-token"
	if id := getenv("GITHUB_RUN_ID"); id != "" && len(id) <= 20 && isDigits(id) {
		name += "-" + id
	}
	return name
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// minCredentialLife is the least life the role's credentials must have
// when STS hands them out. STS gives at least 15 minutes (an hour unless
// the caller asks otherwise), so less means a wrong clock here or an
// endpoint that is not STS; and a long step signs again after about seven
// minutes.
const minCredentialLife = 5 * time.Minute

// checkLife refuses role credentials that are expired or about to be: the
// cache would otherwise buy another set on the next call, with a second
// OIDC token, and the step would pay twice without saying why.
func (o Options) checkLife(c aws.Credentials) error {
	if !c.CanExpire {
		return nil
	}
	left := c.Expires.Sub(o.Time())
	switch {
	case left <= 0:
		return errorf("%s: AWS STS gave role %s credentials that already expired (%s ago by this machine's clock): check the runner's clock; STS gives at least 15 minutes", roleInput, o.Role, (-left).Round(time.Second))
	case left < minCredentialLife:
		return errorf("%s: AWS STS gave role %s credentials that expire in %s, less than the %d minutes a step may need: check the runner's clock; STS gives at least 15 minutes", roleInput, o.Role, left.Round(time.Second), int(minCredentialLife/time.Minute))
	}
	return nil
}

// errTimeout says a call ran out of time without quoting anything.
var errTimeout = errors.New("timed out")
