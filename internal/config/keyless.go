package config

import (
	"regexp"
	"strings"
	"sync"

	"github.com/app-token/app-token/internal/kmsuri"
	"github.com/app-token/app-token/internal/setting"
)

// roleARNPattern is an IAM role ARN in any partition.
// Its length is checked apart: a counted repetition compiles into copies.
// Compiled on first use: most runs name no role.
var roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
})

// maxRoleARN bounds a role ARN: a 512-character path and name and the prefix.
const maxRoleARN = 600

// readKeySource reads private-key, jwt, kms-key and aws-role-to-assume:
// exactly one of the first three says how App JWTs are made. It reports
// whether the issuer (client-id or app-id) is required.
func (c *Config) readKeySource(s Source, bad *problems) (issuerRequired bool) {
	c.PrivateKey, c.JWT = s.Setting(setting.PrivateKey), s.Setting(setting.JWT)
	c.KMSKey, c.AWSRole = s.Setting(setting.KMSKey), s.Setting(setting.AWSRole)
	var set []any
	for _, in := range []struct {
		id    setting.ID
		value string
	}{{setting.PrivateKey, c.PrivateKey}, {setting.JWT, c.JWT}, {setting.KMSKey, c.KMSKey}} {
		if in.value != "" {
			set = append(set, in.id)
		}
	}
	if len(set) > 1 {
		bad.addf("%s"+andList(len(set))+" are set together: the App's JWT comes from exactly one of them; keep one (%s and %s exist so that %s can be deleted)",
			append(append([]any{setting.Words{Action: "inputs "}}, set...), setting.JWT, setting.KMSKey, setting.PrivateKey)...)
	} else if len(set) == 0 {
		bad.addf("%s is empty: pass the App's private key%s (is the secret defined for this repository or environment?), or sign without it through %s or %s (docs/keyless.md)",
			setting.Input(setting.PrivateKey), setting.Words{Action: ", e.g. `private-key: ${{ secrets.APP_PRIVATE_KEY }}`"}, setting.KMSKey, setting.JWT)
	} else if c.KMSKey != "" {
		if _, err := kmsuri.ParseURI(c.KMSKey); err != nil {
			bad.addf("%s: %s", setting.Input(setting.KMSKey), err)
		}
	}
	if c.AWSRole != "" {
		if c.KMSKey == "" {
			bad.addf("%s is set but %s is not: the role is assumed to sign with a key in AWS KMS; set %s, or remove %s", setting.Input(setting.AWSRole), setting.KMSKey, setting.KMSKey, setting.AWSRole)
		} else if len(c.AWSRole) > maxRoleARN || !roleARNPattern().MatchString(c.AWSRole) {
			bad.addf("%s is %s, which is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME", setting.Input(setting.AWSRole), quote(c.AWSRole))
		}
	}
	return c.JWT == ""
}

// andList is a format for n settings: "%s and %s" or "%s, %s and %s".
func andList(n int) string {
	return strings.Repeat("%s, ", n-2) + "%s and %s"
}
