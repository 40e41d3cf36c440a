package trust

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/trust-policies.md says what this package does: its example is a
// policy that works as the page says, and its limits are the constants.
func TestDocsAgree(t *testing.T) {
	raw, err := os.ReadFile("../../docs/trust-policies.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	m := regexp.MustCompile("(?s)## An example\n\n```yaml\n(.*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no example")
	}
	c, err := Load([]byte(m[1]), Repository)
	if err != nil {
		t.Fatalf("the example: %v", err)
	}
	claims := Claims{
		"iss": "https://token.actions.githubusercontent.com", "aud": broker,
		"sub":              "repo:org/app:ref:refs/heads/release-2",
		"job_workflow_ref": "org/app/.github/workflows/release.yaml@refs/heads/main",
	}
	if err := c.Check(claims, broker); err != nil {
		t.Fatalf("the example refuses a release branch: %v", err)
	}
	claims["sub"] = "repo:org/app:ref:refs/heads/main-x"
	if err := c.Check(claims, broker); err == nil {
		t.Fatal("the example took main-x")
	}
	for _, promise := range []string{
		fmt.Sprintf("larger than **%d KiB**", MaxPolicyBytes>>10),
		fmt.Sprintf("more than\n  **%d,%03d** RE2 instructions", MaxPatternSize/1000, MaxPatternSize%1000),
		fmt.Sprintf("1 to %d letters", MaxIdentity),
		"`main|develop` does not match `main-x`",
	} {
		if !strings.Contains(doc, promise) {
			t.Errorf("docs/trust-policies.md does not say %q", promise)
		}
	}
}
