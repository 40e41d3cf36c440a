package config

import (
	"regexp"
	"strings"

	"github.com/app-token/app-token/internal/awskms"
)

// The keyless inputs: where the App's JWT comes from when the private key
// is not in a secret.
const (
	// InJWT is an App JWT signed elsewhere (a KMS, an HSM, Vault).
	InJWT = "jwt"
	// InKMSKey names the App's key in AWS KMS: awskms:///KEY.
	InKMSKey = "kms-key"
	// InAWSRole is the IAM role assumed with the job's OIDC token to sign
	// with kms-key.
	InAWSRole = "aws-role-to-assume"
)

// roleARNPattern is an IAM role ARN in any partition.
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// readKeySource reads private-key, jwt, kms-key and aws-role-to-assume:
// exactly one of the first three says how App JWTs are made. It reports
// whether the issuer (client-id or app-id) is required.
func (c *Config) readKeySource(r Reader, bad *problems) (issuerRequired bool) {
	c.PrivateKey, c.JWT = r.GetInput(InPrivateKey), r.GetInput(InJWT)
	c.KMSKey, c.AWSRole = r.GetInput(InKMSKey), r.GetInput(InAWSRole)
	var set []string
	for _, in := range []struct{ name, value string }{{InPrivateKey, c.PrivateKey}, {InJWT, c.JWT}, {InKMSKey, c.KMSKey}} {
		if in.value != "" {
			set = append(set, in.name)
		}
	}
	switch {
	case len(set) > 1:
		bad.addf("inputs %s are set together: the App's JWT comes from exactly one of them; keep one (jwt and kms-key exist so that private-key can be deleted)", joinAnd(set))
	case len(set) == 0:
		bad.addf("input %s is empty: pass the App's private key, e.g. `private-key: ${{ secrets.APP_PRIVATE_KEY }}` (is the secret defined for this repository or environment?), or sign without it through %s or %s (docs/keyless.md)", InPrivateKey, InKMSKey, InJWT)
	case c.KMSKey != "":
		if _, err := awskms.ParseURI(c.KMSKey); err != nil {
			bad.addf("input %s: %v", InKMSKey, err)
		}
	}
	if c.AWSRole != "" {
		switch {
		case c.KMSKey == "":
			bad.addf("input %s is set but %s is not: the role is assumed to sign with a key in AWS KMS; set %s, or remove %s", InAWSRole, InKMSKey, InKMSKey, InAWSRole)
		case !roleARNPattern.MatchString(c.AWSRole):
			bad.addf("input %s is %s, which is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME", InAWSRole, quote(c.AWSRole))
		}
	}
	return c.JWT == ""
}

// joinAnd renders "a and b" or "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
