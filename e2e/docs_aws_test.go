package e2e_test

// docs/keyless.md's key import, its aws lines run by the real aws CLI
// against local-kms.

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// awsCLI finds an aws CLI on PATH, a v2 before any v1 (a machine may hold
// Debian's v2 behind a pip-installed v1). Without one the test is skipped,
// except under CI=true, where anything but a v2 fails: .ci/run installs
// Debian's awscli.
func awsCLI(t *testing.T) (bin, version string) {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "aws")
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		out, err := exec.Command(p, "--version").Output()
		v, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
		if err != nil || !strings.HasPrefix(v, "aws-cli/") {
			continue
		}
		if strings.HasPrefix(v, "aws-cli/2.") {
			return p, v
		}
		if bin == "" {
			bin, version = p, v
		}
	}
	msg := "no aws CLI v2 on PATH: apt-get install awscli"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	if bin == "" {
		t.Skip(msg)
	}
	return bin, version
}

// importCommands splits a paragraph of the import block into its shell
// commands, a command's continued lines kept together.
func importCommands(paragraph string) []string {
	var cmds []string
	cur := ""
	for _, line := range strings.Split(paragraph, "\n") {
		cur += line
		if strings.HasSuffix(line, `\`) {
			cur += "\n"
			continue
		}
		if s := strings.TrimSpace(cur); s != "" && !strings.HasPrefix(s, "#") {
			cmds = append(cmds, cur)
		}
		cur = ""
	}
	return cmds
}

// awsDocRun runs docs/keyless.md's aws lines, unchanged, with `aws` on PATH
// a wrapper that adds --endpoint-url (aws-cli 2.9 predates
// AWS_ENDPOINT_URL) and dummy credentials for local-kms.
type awsDocRun struct {
	t   *testing.T
	dir string
	env []string
}

func newAWSDocRun(t *testing.T, cli, endpoint string) *awsDocRun {
	dir, shims := t.TempDir(), t.TempDir()
	wrapper := "#!/bin/sh\nexec '" + cli + "' --endpoint-url \"$KMS_ENDPOINT\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shims, "aws"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return &awsDocRun{t: t, dir: dir, env: []string{
		"PATH=" + shims + string(filepath.ListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, // no ~/.aws of the machine's
		"KMS_ENDPOINT=" + endpoint,
		"AWS_ACCESS_KEY_ID=AKIAEMULATEDSTATIC01",
		"AWS_SECRET_ACCESS_KEY=" + apptest.RandomSecret(t),
		"AWS_DEFAULT_REGION=" + githubtest.KMSRegion,
		"AWS_REGION=" + githubtest.KMSRegion,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}}
}

// run runs script under bash -euo pipefail in the run's directory.
func (a *awsDocRun) run(script string) (stdout, stderr string, err error) {
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = a.dir, a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// lastRequest is the JSON of the last call of op that reached KMS.
func lastRequest(t *testing.T, p *githubtest.KMSProxy, op string) map[string]any {
	t.Helper()
	var body []byte
	for _, c := range p.Calls() {
		if c.Operation == op {
			body = c.Body
		}
	}
	if body == nil {
		t.Fatalf("no %s request reached KMS: the aws CLI refused the command line itself", op)
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("%s request %q: %v", op, body, err)
	}
	return req
}

// wantFields fails unless req carries each field with the given value.
func wantFields(t *testing.T, op string, req map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if req[k] != v {
			t.Errorf("%s sent %s = %v, want %q", op, k, req[k], v)
		}
	}
}

// The aws commands of docs/keyless.md's import, run as written by the real
// aws CLI against local-kms. local-kms imports only symmetric keys (its
// CreateKey refuses Origin EXTERNAL with any KeySpec but
// SYMMETRIC_DEFAULT; GetParametersForImport offers only RSAES_* wrapping
// with an RSA_2048 wrapping key; ImportKeyMaterial RSA-decrypts the whole
// material into an AES key), so the test proves, per command:
//   - create-key, get-parameters-for-import: the CLI accepts the line and
//     sends the request the KMS API defines (the fields below); local-kms
//     refuses it, as it refuses every asymmetric import.
//   - create-key's --query/--output: prints the bare key ID (the same line
//     without --origin EXTERNAL, which local-kms accepts).
//   - get-parameters-for-import's --query/--output and the two cut lines:
//     write the wrapping key as DER and the import token as bytes (the
//     same line with local-kms's RSAES_OAEP_SHA_256 and RSA_2048, for a
//     symmetric EXTERNAL key).
//   - import-key-material: sends key-material.bin and import-token.bin
//     byte for byte; local-kms takes the token (a wrong one is
//     InvalidImportTokenException) and cannot unwrap the RSA_AES_KEY_WRAP
//     material (InvalidCiphertextException).
//   - create-alias: names a key (local-kms holding the App's key, as the
//     import would leave it) so that the page's kms-key mints with it.
//
// Not proven here: that AWS KMS unwraps what the page wraps into an
// RSA_2048 SIGN_VERIFY key. TestKeylessDocImportWrap checks the wrap
// against the RSA_AES_KEY_WRAP_SHA_256 format AWS documents.
func TestKeylessDocImportAWS(t *testing.T) {
	t.Parallel()
	cli, version := awsCLI(t)
	t.Logf("%s (%s)", version, cli)
	block := docBlock(t, "<!-- import-key: begin -->")
	paragraphs := strings.Split(block, "\n\n")
	if len(paragraphs) != 3 {
		t.Fatalf("the import block is not: aws setup, the wrap, aws import; got %d paragraphs", len(paragraphs))
	}
	setup, imports := importCommands(paragraphs[0]), importCommands(paragraphs[2])
	command := func(cmds []string, verb string) string {
		t.Helper()
		for _, c := range cmds {
			if strings.Contains(c, "aws kms "+verb+" ") {
				return c
			}
		}
		t.Fatalf("the import block has no aws kms %s", verb)
		return ""
	}
	createKey, createAlias := command(setup, "create-key"), command(setup, "create-alias")
	params, importKey := command(setup, "get-parameters-for-import"), command(imports, "import-key-material")
	var cuts []string
	for _, c := range setup {
		if strings.HasPrefix(c, "cut ") {
			cuts = append(cuts, c)
		}
	}
	if len(cuts) != 2 {
		t.Fatalf("the import block decodes get-parameters-for-import's answer in %d cut lines, want 2", len(cuts))
	}
	m := regexp.MustCompile(`kms-key: (awskms:///arn:aws:kms:([^:]+):([0-9]+):(alias/\S+))`).FindStringSubmatch(readDoc(t))
	if m == nil || m[2] != githubtest.KMSRegion || m[3] != githubtest.KMSAccount {
		t.Fatalf("docs/keyless.md's kms-key %q is not an alias ARN in local-kms's region %s and account %s", m, githubtest.KMSRegion, githubtest.KMSAccount)
	}
	kmsKey, alias := m[1], m[4]
	if !strings.Contains(createAlias, "--alias-name "+alias+" ") {
		t.Fatalf("create-alias does not make the alias the page's kms-key names (%s): %s", alias, createAlias)
	}

	const imported = "4a7c1e2d-9b3f-4c5e-8d6f-7a8b9c0d1e2f"
	w := apptest.KMSWorldOn(t, kmsKey, githubtest.StartLocalKMS(t, githubtest.KMSKey{ID: imported, RSA: apptest.AppKey}))
	a := newAWSDocRun(t, cli, w.Step.Env["AWS_ENDPOINT_URL_KMS"])

	_, stderr, err := a.run(createKey)
	if err == nil {
		t.Fatal("local-kms created an EXTERNAL RSA_2048 key: it imports asymmetric keys now; run the page's import through and mint with the imported key")
	}
	if !strings.Contains(stderr, "(ValidationException) when calling the CreateKey operation: KeySpec RSA_2048 is not supported for Origin EXTERNAL") {
		t.Fatalf("create-key failed other than by local-kms refusing an asymmetric import: %v\n%s", err, stderr)
	}
	wantFields(t, "CreateKey", lastRequest(t, w.Proxy, "CreateKey"), map[string]string{
		"Origin": "EXTERNAL", "KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY", "Description": "GitHub App release-bot"})
	noOrigin := strings.Replace(createKey, " --origin EXTERNAL", "", 1)
	if stdout, stderr, err := a.run(noOrigin + `
printf '%s' "$key_id"`); err != nil || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(stdout) {
		t.Fatalf("create-key's --query KeyMetadata.KeyId --output text: key_id %q, %v\n%s", stdout, err, stderr)
	}

	if _, stderr, err := a.run("key_id=" + imported + "\n" + createAlias); err != nil {
		t.Fatalf("create-alias: %v\n%s", err, stderr)
	}
	wantFields(t, "CreateAlias", lastRequest(t, w.Proxy, "CreateAlias"), map[string]string{"AliasName": alias, "TargetKeyId": imported})

	_, stderr, err = a.run("key_id=" + imported + "\n" + params)
	if err == nil || !strings.Contains(stderr, "Value 'RSA_AES_KEY_WRAP_SHA_256' at 'wrappingAlgorithm' failed to satisfy constraint") {
		t.Fatalf("get-parameters-for-import failed other than by local-kms refusing RSA_AES_KEY_WRAP_SHA_256: %v\n%s", err, stderr)
	}
	wantFields(t, "GetParametersForImport", lastRequest(t, w.Proxy, "GetParametersForImport"), map[string]string{
		"KeyId": imported, "WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256", "WrappingKeySpec": "RSA_4096"})

	// The answer's decoding and the import, with the wrapping local-kms has.
	stdout, stderr, err := a.run(`aws kms create-key --origin EXTERNAL --query KeyMetadata.KeyId --output text`)
	symmetric := strings.TrimSpace(stdout)
	if err != nil || symmetric == "" {
		t.Fatalf("a symmetric EXTERNAL key: %v\n%s", err, stderr)
	}
	localParams := strings.NewReplacer("RSA_AES_KEY_WRAP_SHA_256", "RSAES_OAEP_SHA_256", "RSA_4096", "RSA_2048").Replace(params)
	if _, stderr, err := a.run("key_id=" + symmetric + "\n" + localParams + "\n" + strings.Join(cuts, "\n")); err != nil {
		t.Fatalf("get-parameters-for-import and its cut lines: %v\n%s", err, stderr)
	}
	der, err := os.ReadFile(filepath.Join(a.dir, "wrapping-key.der"))
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err != nil {
		t.Fatalf("wrapping-key.der is not the wrapping public key as DER: %v", err)
	} else if k, ok := pub.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Fatalf("wrapping-key.der holds %T, want local-kms's RSA_2048 wrapping key", pub)
	}
	if err := os.WriteFile(filepath.Join(a.dir, "app.private-key.pem"), []byte(apptest.AppPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = a.run(paragraphs[1] + "\nkey_id=" + symmetric + "\n" + importKey)
	if err == nil || strings.Contains(stderr, "InvalidImportToken") || !strings.Contains(stderr, "(InvalidCiphertextException) when calling the ImportKeyMaterial operation") {
		t.Fatalf("import-key-material: want local-kms to take the import token and fail to RSA-decrypt the AES-wrapped material; %v\n%s", err, stderr)
	}
	sent := lastRequest(t, w.Proxy, "ImportKeyMaterial")
	wantFields(t, "ImportKeyMaterial", sent, map[string]string{"KeyId": symmetric, "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
	for field, file := range map[string]string{"ImportToken": "import-token.bin", "EncryptedKeyMaterial": "key-material.bin"} {
		b, err := os.ReadFile(filepath.Join(a.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := sent[field].(string)
		got, _ := base64.StdEncoding.DecodeString(s) // JSON's form of bytes
		if len(b) == 0 || !bytes.Equal(got, b) {
			t.Errorf("ImportKeyMaterial's %s is not %s byte for byte (%d bytes sent, %d in the file)", field, file, len(got), len(b))
		}
	}

	// The page's kms-key, through the alias create-alias made.
	res := w.Main()
	apptest.Succeeded(t, res)
	if w.Signs() == 0 {
		t.Fatal("no KMS Sign call")
	}
	for _, c := range w.Proxy.Calls() {
		if c.Operation == "Sign" && c.KeyID != strings.TrimPrefix(kmsKey, "awskms:///") {
			t.Errorf("Sign of %q, want the page's kms-key", c.KeyID)
		}
	}
}
