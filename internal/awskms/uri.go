// Package awskms signs the App's JWTs with its key held in AWS KMS, so the
// key never reaches the runner: each JWT's signing input goes to KMS Sign
// (RSASSA_PKCS1_V1_5_SHA_256, MessageType RAW) and only the signature comes
// back. Credentials come from the AWS SDK's standard chain, or from the
// job's OIDC token exchanged for a role's temporary credentials
// (AssumeRoleWithWebIdentity) that never leave this process.
//
// Keys are named as sigstore/cosign name them: awskms:///KEY, where KEY is
// a key ID, alias/NAME, a key ARN or an alias ARN, or awskms://ENDPOINT/KEY
// for a private endpoint.
package awskms

import (
	"errors"
	"regexp"
	"strings"
)

// Scheme starts every key URI.
const Scheme = "awskms://"

// Key is a parsed key URI.
type Key struct {
	// ID is what KMS's KeyId parameter takes: a key ID, alias/NAME, or an ARN.
	ID string
	// Region comes from an ARN; empty for a key ID or alias (the SDK's
	// AWS_REGION or AWS_DEFAULT_REGION then).
	Region string
	// Endpoint is https://ENDPOINT from awskms://ENDPOINT/KEY; empty means
	// the SDK's (AWS_ENDPOINT_URL_KMS, else AWS's).
	Endpoint string
}

// The forms of KEY, as AWS documents them.
var (
	keyIDPattern  = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	aliasPattern  = `alias/[A-Za-z0-9/_-]{1,250}`
	arnPrefix     = `arn:aws(?:-[a-z]+)*:kms:([a-z0-9-]{1,30}):[0-9]{12}:`
	keyIDRE       = regexp.MustCompile(`^` + keyIDPattern + `$`)
	aliasRE       = regexp.MustCompile(`^` + aliasPattern + `$`)
	keyARNRE      = regexp.MustCompile(`^` + arnPrefix + `key/` + keyIDPattern + `$`)
	aliasARNRE    = regexp.MustCompile(`^` + arnPrefix + aliasPattern + `$`)
	endpointRE    = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$`)
	errKeyURIForm = errors.New("is not an AWS KMS key URI: write awskms:///KEY where KEY is a key ID, alias/NAME, a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or an alias ARN")
)

// ParseURI reads awskms:///KEY or awskms://ENDPOINT/KEY. Its error names
// what is wrong without quoting the value.
func ParseURI(uri string) (Key, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(uri), Scheme)
	if !ok {
		return Key{}, errors.New("must start with " + Scheme + " (for example awskms:///alias/github-app), as sigstore/cosign name AWS KMS keys")
	}
	endpoint, id, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return Key{}, errKeyURIForm
	}
	if endpoint != "" && !endpointRE.MatchString(endpoint) {
		return Key{}, errors.New("names an endpoint that is not HOST or HOST:PORT; write awskms://HOST/KEY, or awskms:///KEY to use AWS's endpoint (or AWS_ENDPOINT_URL_KMS)")
	}
	k := Key{ID: id}
	if endpoint != "" {
		k.Endpoint = "https://" + endpoint
	}
	switch {
	case keyIDRE.MatchString(id), aliasRE.MatchString(id):
	case keyARNRE.MatchString(id):
		k.Region = keyARNRE.FindStringSubmatch(id)[1]
	case aliasARNRE.MatchString(id):
		k.Region = aliasARNRE.FindStringSubmatch(id)[1]
	default:
		return Key{}, errKeyURIForm
	}
	return k, nil
}
