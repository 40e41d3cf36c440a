package config

import (
	"strings"
	"testing"
)

// Exactly one of private-key, jwt and kms-key says how App JWTs are made;
// aws-role-to-assume only goes with kms-key and must be a role ARN.
func TestKeySource(t *testing.T) {
	t.Parallel()
	const (
		inJWT  = "jwt"
		inKMS  = "kms-key"
		inRole = "aws-role-to-assume"
		kmsKey = "awskms:///alias/github-app"
		role   = "arn:aws:iam::111122223333:role/app-token"
	)
	for _, tc := range []struct {
		name string
		in   map[string]string
		want string // "" means no error
	}{
		{"key alone", nil, ""},
		{"jwt alone names its App", map[string]string{InPrivateKey: "<unset>", InClientID: "<unset>", inJWT: "a.b.c"}, ""},
		{"key without its App", map[string]string{InClientID: "<unset>"}, "neither client-id nor app-id is set"},
		{"kms alone", map[string]string{InPrivateKey: "<unset>", inKMS: kmsKey}, ""},
		{"kms with a role", map[string]string{InPrivateKey: "<unset>", inKMS: kmsKey, inRole: role}, ""},
		{"two together", map[string]string{inKMS: kmsKey}, "inputs private-key and kms-key are set together"},
		{"three together", map[string]string{inKMS: kmsKey, inJWT: "a.b.c"}, "inputs private-key, jwt and kms-key are set together"},
		{"none", map[string]string{InPrivateKey: "<unset>"}, "input private-key is empty"},
		{"bad kms key", map[string]string{InPrivateKey: "<unset>", inKMS: "not-a-key"}, "input kms-key: "},
		{"role without kms", map[string]string{inRole: role}, "input aws-role-to-assume is set but kms-key is not"},
		{"bad role", map[string]string{InPrivateKey: "<unset>", inKMS: kmsKey, inRole: "arn:aws:iam::1:user/x"}, "which is not an IAM role ARN"},
		{"role too long", map[string]string{InPrivateKey: "<unset>", inKMS: kmsKey, inRole: role + strings.Repeat("a", maxRoleARN)}, "which is not an IAM role ARN"},
	} {
		c, err := read(t, tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		case tc.want == "" && tc.in[inKMS] != "" && (c.KMSKey != kmsKey || c.AWSRole != tc.in[inRole]):
			t.Errorf("%s: config %+v", tc.name, c)
		}
	}
	if got := andList(4); got != "%s, %s, %s and %s" {
		t.Errorf("andList(4) = %q", got)
	}
}
