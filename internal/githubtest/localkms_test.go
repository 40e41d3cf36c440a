package githubtest

import (
	"os"
	"strings"
	"testing"
)

// CI installs the local-kms the tests expect.
func TestCIInstallsLocalKMS(t *testing.T) {
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "go install github.com/nsmithuk/local-kms@"+LocalKMSVersion) {
		t.Errorf(".ci/run does not install local-kms %s", LocalKMSVersion)
	}
}

// local-kms starts with a seeded key and is reached on loopback only.
func TestStartLocalKMSOnLoopback(t *testing.T) {
	key, _, err := NewAppKey()
	if err != nil {
		t.Fatal(err)
	}
	lk := StartLocalKMS(t, KMSKey{ID: "8f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", Alias: "alias/x", RSA: key})
	if !strings.HasPrefix(lk.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s is not on loopback", lk.URL)
	}
}
