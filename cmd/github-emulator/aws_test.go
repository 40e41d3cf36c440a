package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The runner's OIDC endpoint and STS, as aws-role-to-assume reaches them
// through the info file's URLs: STS, called by the AWS SDK, hands out
// credentials only for the role -role names and an OIDC token the
// endpoint issued for STS; the state records it all by hash, the secrets
// endpoint by value, the log never.
func TestRunServesRunnerOIDCAndSTS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const role = "arn:aws:iam::111122223333:role/harness"
	s := start(t, "-role", role, "-key-out", filepath.Join(dir, "k"), "-info-out", filepath.Join(dir, "i"))
	info := readInfo(t, filepath.Join(dir, "i"))
	if info["EMULATOR_ROLE_ARN"] != role || !strings.HasPrefix(info["EMULATOR_ID_TOKEN_URL"], info["EMULATOR_URL"]+"/") ||
		!strings.HasPrefix(info["EMULATOR_STS_URL"], info["EMULATOR_URL"]+"/") {
		t.Fatalf("info %v", info)
	}
	secretsOf := func() secrets {
		code, body := do(t, "GET", info["EMULATOR_URL"]+secretsPath, "", "")
		var sec secrets
		if err := json.Unmarshal(body, &sec); code != 200 || err != nil {
			t.Fatalf("secrets: %d %v %s", code, err, body)
		}
		return sec
	}
	requestToken := secretsOf().IDTokenRequestToken
	if len(requestToken) < 32 {
		t.Fatalf("request token %d characters", len(requestToken))
	}

	// The runner's endpoint: the request token as bearer, the audience in
	// the query next to the URL's own.
	idToken := func(auth, audience string) (int, string) {
		t.Helper()
		code, body := do(t, "GET", info["EMULATOR_ID_TOKEN_URL"]+"&audience="+url.QueryEscape(audience), auth, "")
		var answer struct{ Value string }
		_ = json.Unmarshal(body, &answer)
		return code, answer.Value
	}
	if code, v := idToken("", "sts.amazonaws.com"); code != 401 || v != "" {
		t.Errorf("without the request token: %d %q", code, v)
	}
	if code, v := idToken("Bearer not-the-request-token", "sts.amazonaws.com"); code != 401 || v != "" {
		t.Errorf("with another bearer: %d %q", code, v)
	}
	code, forSTS := idToken("Bearer "+requestToken, "sts.amazonaws.com")
	if code != 200 || strings.Count(forSTS, ".") != 2 {
		t.Fatalf("OIDC token for STS: %d %q", code, forSTS)
	}
	_, forOther := idToken("Bearer "+requestToken, "api://elsewhere")

	client := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(info["EMULATOR_STS_URL"])})
	assume := func(roleARN, token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return client.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("app-token-1"), WebIdentityToken: aws.String(token),
		})
	}
	// Refused: a token for another audience, a token nobody issued (the
	// issued one with its signature changed), another role.
	forged := forSTS[:strings.LastIndex(forSTS, ".")+1] + "Zm9yZ2Vk"
	for _, tc := range []struct{ name, role, token, code string }{
		{"another audience", role, forOther, "InvalidIdentityToken"},
		{"a token the runner never issued", role, forged, "InvalidIdentityToken"},
		{"another role", "arn:aws:iam::111122223333:role/someone-else", forSTS, "AccessDenied"},
	} {
		_, err := assume(tc.role, tc.token)
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	out, err := assume(role, forSTS)
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	creds := out.Credentials
	if !strings.HasPrefix(aws.ToString(creds.AccessKeyId), "ASIA") || aws.ToString(creds.SecretAccessKey) == "" ||
		aws.ToString(creds.SessionToken) == "" || creds.Expiration == nil {
		t.Fatalf("credentials %+v", creds)
	}

	code, stateBody := do(t, "GET", info["EMULATOR_URL"]+statePath, "", "")
	var st state
	if err := json.Unmarshal(stateBody, &st); code != 200 || err != nil {
		t.Fatalf("state: %d %v", code, err)
	}
	wantRequests := []idTokenRequestState{{"sts.amazonaws.com", false}, {"sts.amazonaws.com", false}, {"sts.amazonaws.com", true}, {"api://elsewhere", true}}
	if len(st.IDTokenRequests) != len(wantRequests) {
		t.Errorf("id_token_requests %+v", st.IDTokenRequests)
	} else {
		for i, r := range wantRequests {
			if st.IDTokenRequests[i] != r {
				t.Errorf("id_token_requests[%d] %+v, want %+v", i, st.IDTokenRequests[i], r)
			}
		}
	}
	if len(st.IDTokens) != 2 || st.IDTokens[0] != sha256Hex(forSTS) || st.IDTokens[1] != sha256Hex(forOther) {
		t.Errorf("id_tokens %v", st.IDTokens)
	}
	if len(st.STSCalls) != 4 {
		t.Fatalf("sts_calls %+v", st.STSCalls)
	}
	for i, c := range st.STSCalls[:3] {
		if c.Granted || c.AccessKeyID != "" {
			t.Errorf("refused call %d recorded as granted: %+v", i, c)
		}
	}
	if got := st.STSCalls[3]; !got.Granted || got.RoleARN != role || got.SessionName != "app-token-1" ||
		got.WebIdentityTokenSHA256 != sha256Hex(forSTS) || got.AccessKeyID != aws.ToString(creds.AccessKeyId) {
		t.Errorf("granted call %+v", got)
	}
	if st.Requests != 0 {
		t.Errorf("%d requests counted as GitHub's, want 0", st.Requests)
	}

	sec := secretsOf()
	if len(sec.IDTokens) != 2 || sec.IDTokens[0] != forSTS || len(sec.STSSecrets) != 3 || sec.STSSecrets[0] != aws.ToString(creds.AccessKeyId) ||
		sec.STSSecrets[1] != aws.ToString(creds.SecretAccessKey) || sec.STSSecrets[2] != aws.ToString(creds.SessionToken) {
		t.Errorf("secrets do not list what was handed out: %d OIDC tokens, %d STS secrets", len(sec.IDTokens), len(sec.STSSecrets))
	}

	if err := s.stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	logText := s.stderr.String()
	for _, want := range []string{`GET "` + idTokenPath + `" 200`, `POST "` + stsPath + `" 200`, `POST "` + stsPath + `" 403`} {
		if !strings.Contains(logText, want) {
			t.Errorf("log lacks %q:\n%s", want, logText)
		}
	}
	for name, secret := range map[string]string{"request token": requestToken, "OIDC token": forSTS, "other OIDC token": forOther,
		"secret access key": aws.ToString(creds.SecretAccessKey), "session token": aws.ToString(creds.SessionToken)} {
		if strings.Contains(logText, secret) || strings.Contains(string(stateBody), secret) {
			t.Errorf("the %s appears in the log or the state", name)
		}
	}
}

// The state lists what the OIDC endpoint and STS received even when
// nothing did: empty lists, never null, so a script's jq length works.
func TestRunStateListsAreEmptyNotNull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start(t, "-key-out", filepath.Join(dir, "k"), "-info-out", filepath.Join(dir, "i"))
	info := readInfo(t, filepath.Join(dir, "i"))
	if info["EMULATOR_ROLE_ARN"] != defaultRole {
		t.Errorf("EMULATOR_ROLE_ARN %q, want %q", info["EMULATOR_ROLE_ARN"], defaultRole)
	}
	for _, path := range []string{statePath, secretsPath} {
		_, body := do(t, http.MethodGet, info["EMULATOR_URL"]+path, "", "")
		if strings.Contains(string(body), "null") {
			t.Errorf("%s: %s", path, body)
		}
	}
}
