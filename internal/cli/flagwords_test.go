package cli

import "testing"

// The core's messages name inputs; the command line names flags.
func TestFlagWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"input owner is bad":                                      "--owner is bad",
		"inputs owner and repositories are empty":                 "--owner and --repositories are empty",
		"check input github-api-url and any proxy":                "check --api-url and any proxy",
		"Check that client-id and private-key come from the same": "Check that --client-id and the private key come from the same",
		"the App (client-id Iv23) is not installed":               "the App (--client-id Iv23) is not installed",
		"or set owner to the account that has it":                 "or set --owner to the account that has it",
		"an owner of octocat must unsuspend it":                   "an owner of octocat must unsuspend it",
		"raise retry-max-seconds":                                 "raise --retry-max-seconds",
		"skip-token-revoke is set":                                "skip-token-revoke is set",
		"input skip-token-revoke must be true":                    "input skip-token-revoke must be true",
		"--client-id stays":                                       "--client-id stays",
		"installation-id 7 is the App's installation on x":        "--installation-id 7 is the App's installation on x",
	} {
		if got := flagWords(in); got != want {
			t.Errorf("flagWords(%q) = %q, want %q", in, got, want)
		}
	}
}
