package main

import (
	"path/filepath"
	"strings"
	"testing"
)

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

	w := NewWorld(t)
	for k, v := range broken {
		w.Step.Env[k] = v
	}
	if res := w.Main(); res.ExitCode != 0 || res.Outputs["token"] == "" {
		t.Fatalf("private-key step with a broken AWS setup: exit %d, errors %q", res.ExitCode, res.Errors)
	}

	k := NewWorld(t).With("private-key", "", "kms-key", "awskms:///alias/app-token")
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
