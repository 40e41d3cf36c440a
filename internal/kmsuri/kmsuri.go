// Package kmsuri reads AWS KMS key URIs as sigstore/cosign write them:
// awskms:///KEY, where KEY is a key ID, alias/NAME, a key ARN or an alias
// ARN, or awskms://ENDPOINT/KEY for a private endpoint. It holds no AWS
// code, so that checking the kms-key input links no SDK (internal/awskms
// signs).
package kmsuri

import (
	"errors"
	"regexp"
	"strings"
	"sync"
)

// Scheme starts every key URI.
const Scheme = "awskms://"

// maxURI bounds a key URI: an alias ARN with the longest alias AWS allows
// (256 characters) and a host name fit well within it.
const maxURI = 600

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

// The forms of KEY, as AWS documents them. Lengths are checked apart
// (maxURI): a counted repetition like {1,250} compiles into as many
// copies, which every start of the binary would pay for.
var (
	keyIDPattern = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	aliasPattern = `alias/[A-Za-z0-9/_-]+`
	arnPrefix    = `arn:aws(?:-[a-z]+)*:kms:([a-z0-9-]+):[0-9]{12}:`
	// Compiled on first use: a run with private-key never parses a key URI.
	patterns = sync.OnceValue(func() uriPatterns {
		return uriPatterns{
			keyID:    regexp.MustCompile(`^` + keyIDPattern + `$`),
			alias:    regexp.MustCompile(`^` + aliasPattern + `$`),
			keyARN:   regexp.MustCompile(`^` + arnPrefix + `key/` + keyIDPattern + `$`),
			aliasARN: regexp.MustCompile(`^` + arnPrefix + aliasPattern + `$`),
			endpoint: regexp.MustCompile(`^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$`),
		}
	})
	errKeyURIForm = errors.New("is not an AWS KMS key URI: write awskms:///KEY where KEY is a key ID, alias/NAME, a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or an alias ARN")
)

type uriPatterns struct{ keyID, alias, keyARN, aliasARN, endpoint *regexp.Regexp }

// ParseURI reads awskms:///KEY or awskms://ENDPOINT/KEY. Its error names
// what is wrong without quoting the value.
func ParseURI(uri string) (Key, error) {
	if len(uri) > maxURI {
		return Key{}, errKeyURIForm
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(uri), Scheme)
	if !ok {
		return Key{}, errors.New("must start with " + Scheme + " (for example awskms:///alias/github-app), as sigstore/cosign name AWS KMS keys")
	}
	p := patterns()
	endpoint, id, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return Key{}, errKeyURIForm
	}
	if endpoint != "" && !p.endpoint.MatchString(endpoint) {
		return Key{}, errors.New("names an endpoint that is not HOST or HOST:PORT; write awskms://HOST/KEY, or awskms:///KEY to use AWS's endpoint (or AWS_ENDPOINT_URL_KMS)")
	}
	k := Key{ID: id}
	if endpoint != "" {
		k.Endpoint = "https://" + endpoint
	}
	switch {
	case p.keyID.MatchString(id), p.alias.MatchString(id):
	case p.keyARN.MatchString(id):
		k.Region = p.keyARN.FindStringSubmatch(id)[1]
	case p.aliasARN.MatchString(id):
		k.Region = p.aliasARN.FindStringSubmatch(id)[1]
	default:
		return Key{}, errKeyURIForm
	}
	return k, nil
}
