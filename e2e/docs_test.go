package e2e_test

// The pages run as written: docs/cli.md's "Try it against the emulator"
// and docs/keyless.md's recipes, key import and policies (docs_aws_test.go:
// the import's aws lines, through the real aws CLI).

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// docs/cli.md's "Try it against the emulator" works as written: its shell
// blocks, run in order from the checkout, build the command line and the
// emulator, list the installations, mint, revoke and dispatch.
func TestTryItAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	doc, err := os.ReadFile(repoFile(t, "docs/cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	script := trySection(t, string(doc))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The reader stops the emulator with `kill %1`; so does the script, and
	// the whole process group goes when the test ends either way.
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"+script+"\nkill %1\n")
	cmd.Dir = repoFile(t, ".") // the page's commands run from the checkout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err != nil {
		t.Fatalf("the section's commands failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"octo-org", "octocat", "frozen-org"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("installations do not list %s:\n%s", want, stdout.String())
		}
	}
	for _, want := range []string{"minted an installation token for octo-org/app", "token revoked", "sent repository_dispatch \"rebuild\" to octo-org/docs; token revoked"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// trySection returns the shell blocks of the section, joined in order.
func trySection(t *testing.T, doc string) string {
	t.Helper()
	start := strings.Index(doc, "## Try it against the emulator\n")
	if start < 0 {
		t.Fatal(`docs/cli.md has no "## Try it against the emulator" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 2 {
		t.Fatalf("the section has %d shell blocks, want the setup and the four commands", len(blocks))
	}
	return strings.Join(blocks, "\n")
}

func readDoc(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(repoFile(t, "docs/keyless.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// docBlock returns the ```sh block that follows marker in docs/keyless.md.
func docBlock(t *testing.T, marker string) string {
	t.Helper()
	return docBlockOf(t, marker, "sh")
}

// docBlockOf returns the ```lang block that follows marker in docs/keyless.md.
func docBlockOf(t *testing.T, marker, lang string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(marker) + "\\n```" + lang + "\\n((?s:.*?))```").FindStringSubmatch(readDoc(t))
	if m == nil {
		t.Fatalf("docs/keyless.md has no %s block after %s", lang, marker)
	}
	return m[1]
}

// The clouds of docs/keyless.md's jwt recipes, and the CLI each recipe's
// `# sign` line runs, which the page's stand-in (a shell function of that
// name) replaces. The stand-ins answer in each CLI's own form, as its
// source gives it:
//   - gcloud: the signature file holds the raw signature bytes, whatever
//     the help text says about base64: google-cloud-sdk lib/surface/kms/
//     asymmetric_sign.py writes resp.signature with binary=True; with
//     --digest-algorithm it digests the input file itself.
//   - az: --digest is standard base64 (b64decode in sign_key,
//     azure-cli src/azure-cli/azure/cli/command_modules/keyvault/custom.py);
//     the SignResult's signature bytes (azure-sdk-for-python
//     sdk/keyvault/azure-keyvault-keys/azure/keyvault/keys/crypto/_models.py)
//     leave as standard, padded base64 (_encode_hex in
//     keyvault/_command_type.py), so `--query signature --output tsv` prints
//     base64, not base64url.
//   - vault: "vault:v<version>:" then standard base64; base64url only with
//     marshaling_algorithm=jws, which is for ECDSA keys (hashicorp/vault
//     sdk/helper/keysutil/policy.go, SignWithOptions). pkcs1v15 hashes the
//     input itself with the path's sha2-256 (prehashed=false) and signs it
//     with rsa.SignPKCS1v15: RS256.
var recipeCLIs = map[string]string{"gcp": "gcloud", "azure": "az", "vault": "vault"}

// recipe returns a jwt recipe of docs/keyless.md, checked to talk to its
// cloud in one line, marked # sign, through the CLI the stand-ins shadow.
func recipe(t *testing.T, cloud string) string {
	t.Helper()
	script := docBlock(t, "<!-- recipe: "+cloud+" -->")
	var signs []string
	for _, l := range strings.Split(script, "\n") {
		if strings.HasSuffix(l, "# sign") {
			signs = append(signs, l)
		}
	}
	if len(signs) != 1 || !regexp.MustCompile(`(^|\$\()`+recipeCLIs[cloud]+` `).MatchString(signs[0]) {
		t.Fatalf("recipe %s: lines marked # sign %q, want one that runs %s", cloud, signs, recipeCLIs[cloud])
	}
	return script
}

// Each recipe of docs/keyless.md, in the workflow step the page shows (its
// env, the recipe, the hand-off), with the page's openssl stand-in for the
// cloud, makes a JWT the action mints with; the step masks it first.
func TestKeylessDocRecipes(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(apptest.AppPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	step := docBlockOf(t, "<!-- workflow-step -->", "yaml")
	run, env := stepRun(t, step)
	const placeholder = "# one of the recipes above, then:"
	if strings.Count(run, placeholder) != 1 {
		t.Fatalf("the step's run: %q has no line %q", run, placeholder)
	}
	standIns := docBlock(t, "<!-- laptop: stand-ins -->")
	for cloud := range recipeCLIs {
		t.Run(cloud, func(t *testing.T) {
			t.Parallel()
			script := standIns + strings.Replace(run, placeholder, recipe(t, cloud), 1)
			dir := t.TempDir()
			out := filepath.Join(dir, "github_output")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = dir
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "APP_KEY_FILE=" + keyFile, "GITHUB_OUTPUT=" + out}, env...)
			stdout, err := cmd.Output()
			if err != nil {
				t.Fatalf("recipe %s: %v\n%s", cloud, err, stdout)
			}
			written, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			token, ok := strings.CutPrefix(strings.TrimSpace(string(written)), "jwt=")
			if !ok {
				t.Fatalf("recipe %s wrote %q to GITHUB_OUTPUT", cloud, written)
			}
			if string(stdout) != "::add-mask::"+token+"\n" {
				t.Errorf("recipe %s does not mask the JWT before use: stdout %q", cloud, stdout)
			}
			verifyAppJWT(t, token)
			w := apptest.JWTWorld(t, token)
			apptest.Succeeded(t, w.Main())
			if got := w.Emu.JWTs(); len(got) != 1 || got[0] != token {
				t.Errorf("GitHub did not receive the recipe's JWT")
			}
		})
	}
}

// stepRun returns the run: script of the page's sign step and its env:,
// each `NAME: ${{ vars.APP_CLIENT_ID }}` set to the emulated App's client ID.
func stepRun(t *testing.T, step string) (run string, env []string) {
	t.Helper()
	lines := strings.Split(step, "\n")
	for i, l := range lines {
		if m := regexp.MustCompile(`^\s+([A-Z_]+): \$\{\{ vars\.APP_CLIENT_ID \}\}$`).FindStringSubmatch(l); m != nil {
			env = append(env, m[1]+"="+githubtest.DefaultClientID)
		}
		if strings.TrimSpace(l) != "run: |" {
			continue
		}
		indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
		var body []string
		for _, b := range lines[i+1:] {
			if len(b)-len(strings.TrimLeft(b, " ")) < indent {
				break
			}
			body = append(body, b[indent:])
		}
		run = strings.Join(body, "\n") + "\n"
	}
	if run == "" || len(env) == 0 {
		t.Fatalf("the workflow step has no run: | block or no env from vars.APP_CLIENT_ID:\n%s", step)
	}
	return run, env
}

// docs/keyless.md's "On a laptop" works as written, outside Actions (no
// GITHUB_OUTPUT, no runner, no App key in the environment): its setup
// builds and starts the emulator, then each recipe, pasted after the
// stand-ins, leaves a JWT that `app-token token --jwt-env` mints with.
func TestKeylessDocRecipesOnALaptop(t *testing.T) {
	t.Parallel()
	var script strings.Builder
	script.WriteString("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n")
	script.WriteString(docBlock(t, "<!-- laptop: setup -->"))
	script.WriteString(docBlock(t, "<!-- laptop: stand-ins -->"))
	mint := docBlock(t, "<!-- laptop: mint -->")
	clouds := []string{"gcp", "azure", "vault"}
	for _, cloud := range clouds {
		script.WriteString(recipe(t, cloud) + mint)
	}
	script.WriteString("kill %1\n")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = repoFile(t, ".") // the page's setup builds from the checkout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	// A laptop's shell: nothing of a runner, an App key or AWS.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, p := range []string{"GITHUB_", "ACTIONS_", "RUNNER_", "APP_TOKEN_", "AWS_", "INPUT_", "CI="} {
			if strings.HasPrefix(kv, p) {
				return true
			}
		}
		return false
	})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err != nil {
		t.Fatalf("the page's commands failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	tokens := regexp.MustCompile(`(?m)^ghs_[A-Za-z0-9_.]{36,}$`).FindAllString(stdout.String(), -1)
	if len(tokens) != len(clouds) || strings.Count(stderr.String(), "minted an installation token for octo-org/app") != len(clouds) {
		t.Errorf("want a token for octo-org/app from each of %d recipes; stdout:\n%s\nstderr:\n%s", len(clouds), stdout.String(), stderr.String())
	}
}

// The import recipe wraps the App's key as AWS KMS unwraps it
// (RSA_AES_KEY_WRAP_SHA_256): the first 512 bytes are the AES key under
// RSA-OAEP-SHA-256 with the RSA_4096 wrapping key, the rest the PKCS#8 DER
// under AES key wrap with padding.
func TestKeylessDocImportWrap(t *testing.T) {
	t.Parallel()
	block := docBlock(t, "<!-- import-key: begin -->")
	paragraphs := strings.Split(block, "\n\n")
	if len(paragraphs) != 3 || !strings.Contains(paragraphs[1], "openssl enc -id-aes256-wrap-pad") {
		t.Fatalf("the import block is not: aws setup, the wrap, aws import; got %d paragraphs", len(paragraphs))
	}
	wrapping, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&wrapping.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"wrapping-key.der": pub, "app.private-key.pem": []byte(apptest.AppPEM)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", paragraphs[1])
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the wrap: %v\n%s", err, out)
	}
	material, err := os.ReadFile(filepath.Join(dir, "key-material.bin"))
	if err != nil || len(material) < 512 {
		t.Fatalf("key-material.bin: %d bytes, %v", len(material), err)
	}
	aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, wrapping, material[:512], nil)
	if err != nil || len(aesKey) != 32 {
		t.Fatalf("the first 512 bytes are not a 256-bit AES key under RSA-OAEP-SHA-256: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rest"), material[512:], 0o600); err != nil {
		t.Fatal(err)
	}
	unwrap := exec.Command("openssl", "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(aesKey), "-iv", "A65959A6", "-in", "rest")
	unwrap.Dir = dir
	der, err := unwrap.Output()
	if err != nil {
		t.Fatalf("unwrap: %v", err)
	}
	want, err := x509.MarshalPKCS8PrivateKey(apptest.AppKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(der, want) {
		t.Error("the unwrapped key material is not the App key as PKCS#8 DER")
	}
}

// The policies docs/keyless.md shows are valid JSON and as narrow as the
// page says: the signer role gets kms:Sign alone, for the one algorithm
// app-token uses; no one else gets Sign; the role's trust admits only
// GitHub's OIDC tokens for sts.amazonaws.com and one repository's subject.
func TestKeylessDocPolicies(t *testing.T) {
	t.Parallel()
	doc := []byte(readDoc(t))
	type statement struct {
		Effect    string
		Principal map[string]string
		Action    any
		Condition map[string]map[string]string
	}
	var policies []struct{ Statement []statement }
	for _, m := range regexp.MustCompile("```json\\n((?s:.*?))```").FindAllSubmatch(doc, -1) {
		var p struct{ Statement []statement }
		if err := json.Unmarshal(m[1], &p); err != nil {
			t.Fatalf("a JSON block of docs/keyless.md does not parse: %v", err)
		}
		policies = append(policies, p)
	}
	if len(policies) != 2 {
		t.Fatalf("%d JSON policies, want the key policy and the trust policy", len(policies))
	}
	actions := func(s statement) []string {
		switch a := s.Action.(type) {
		case string:
			return []string{a}
		case []any:
			var out []string
			for _, x := range a {
				out = append(out, fmt.Sprint(x))
			}
			return out
		}
		return nil
	}
	signers := 0
	for _, s := range policies[0].Statement {
		for _, a := range actions(s) {
			if a == "kms:*" || a == "*" || strings.HasPrefix(a, "kms:Sign") || a == "kms:S*" {
				signers++
				if a != "kms:Sign" || len(actions(s)) != 1 || !strings.HasSuffix(s.Principal["AWS"], ":role/app-token-signer") ||
					s.Condition["StringEquals"]["kms:SigningAlgorithm"] != "RSASSA_PKCS1_V1_5_SHA_256" {
					t.Errorf("key policy statement %+v grants signing beyond kms:Sign with RS256 to the signer role", s)
				}
			}
		}
	}
	if signers != 1 {
		t.Errorf("%d statements of the key policy can sign, want 1", signers)
	}
	trust := policies[1].Statement
	if len(trust) != 1 || actions(trust[0])[0] != "sts:AssumeRoleWithWebIdentity" ||
		!strings.HasSuffix(trust[0].Principal["Federated"], ":oidc-provider/token.actions.githubusercontent.com") ||
		trust[0].Condition["StringEquals"]["token.actions.githubusercontent.com:aud"] != "sts.amazonaws.com" ||
		!strings.HasPrefix(trust[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], "repo:octo-org/app:") ||
		len(trust[0].Condition) != 1 {
		t.Errorf("trust policy %+v does not admit exactly one repository's OIDC subject with audience sts.amazonaws.com", trust)
	}
}
