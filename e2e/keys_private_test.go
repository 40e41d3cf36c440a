package e2e_test

// The private-key input in every shape users paste it; a private-key step
// never reads the AWS configuration.

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

func pkcs8PEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(apptest.AppKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Keys arrive in every shape users paste into secrets; decoded forms get
// their lines masked too.
func TestPrivateKeyForms(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(apptest.AppPEM))
	escaped := strings.ReplaceAll(strings.TrimSpace(apptest.AppPEM), "\n", `\n`)
	tests := []struct {
		name     string
		key      string
		wantMask bool
	}{
		{"pem", apptest.AppPEM, false},
		{"crlf and quotes", `"` + strings.ReplaceAll(apptest.AppPEM, "\n", "\r\n") + `"`, true},
		{"escaped newlines", escaped, true},
		{"base64 of the pem", b64, true},
		{"pkcs8", pkcs8PEM(t), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t).With("private-key", tt.key, "app-id", "123456", "client-id", "")
			res := w.Main()
			apptest.Succeeded(t, res)
			bodyLines := w.Secrets
			masked := 0
			for _, l := range bodyLines {
				if slices.Contains(res.Masks, l) {
					masked++
				}
			}
			if tt.wantMask && masked == 0 {
				t.Errorf("decoded key lines were not masked (masks: %d)", len(res.Masks))
			}
			if tt.wantMask {
				i := strings.Index(res.Stdout, "::add-mask::"+bodyLines[0])
				j := strings.Index(res.Stdout, "::add-mask::"+w.OnlyToken().Token)
				if i < 0 || j < i {
					t.Error("key lines must be masked before anything else happens")
				}
			}
		})
	}
}

// The AWS SDK reads its configuration only for kms-key: a private-key step
// mints with an AWS setup that would make that reading fail (a profile the
// shared config lacks), while the same setup stops a kms-key step before
// any call to GitHub, which shows the trap is live.
func TestPrivateKeyNeverLoadsAWSConfig(t *testing.T) {
	broken := map[string]string{
		"AWS_PROFILE":     "no-such-profile",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "config"),
		"AWS_REGION":      "eu-west-1",
	}

	w := apptest.NewWorld(t)
	for k, v := range broken {
		w.Step.Env[k] = v
	}
	if res := w.Main(); res.ExitCode != 0 || res.Outputs["token"] == "" {
		t.Fatalf("private-key step with a broken AWS setup: exit %d, errors %q", res.ExitCode, res.Errors)
	}

	k := apptest.NewWorld(t).With("private-key", "", "kms-key", "awskms:///alias/app-token")
	for key, v := range broken {
		k.Step.Env[key] = v
	}
	res := k.Main()
	if res.ExitCode == 0 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "cannot read the AWS configuration") {
		t.Fatalf("kms-key step with a broken AWS setup: exit %d, errors %q; want the AWS configuration refused", res.ExitCode, res.Errors)
	}
	if calls := k.Calls(); len(calls) != 0 {
		t.Errorf("kms-key step called GitHub before its AWS configuration was read: %v", calls)
	}
}
