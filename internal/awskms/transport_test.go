package awskms

import (
	"context"
	"errors"
	"github.com/app-token/app-token/internal/env"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
)

// Every AWS call goes through one transport: plain http only to loopback
// or to AWS's own metadata addresses, refused before any dial with an
// error that names the setting, the service, the endpoint and where it
// was configured; headers bounded as GitHub's are.
func TestAWSTransport(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"AWS_ENDPOINT_URL_KMS": "http://kms.example.com:8080", "AWS_ENDPOINT_URL": "http://aws.example.com"}
	o := Options{Role: "arn:aws:iam::111122223333:role/r", Env: env.Env{Getenv: func(k string) string { return vars[k] }}}
	tr := awsHTTPClient(o, "awskms:///alias/app").GetTransport()
	if tr.MaxResponseHeaderBytes != ghtransport.MaxHeaderBytes {
		t.Errorf("MaxResponseHeaderBytes = %d", tr.MaxResponseHeaderBytes)
	}
	for _, tc := range []struct {
		service, url string
		want         []string // nil: sent
	}{
		{"KMS", "https://kms.eu-west-1.amazonaws.com/", nil},
		{"KMS", "http://127.0.0.1:4566/", nil},
		{"KMS", "http://[::ffff:127.0.0.1]:4566/", nil},
		{"KMS", "http://localhost:4566/", nil},
		{"", "http://169.254.169.254/latest/api/token", nil},
		{"", "http://[fd00:ec2::254]/latest/api/token", nil},
		{"", "http://169.254.170.2/v2/credentials/x", nil},
		{"", "http://169.254.170.23/v1/credentials", nil},
		{"", "http://[fd00:ec2::23]/v1/credentials", nil},
		{"KMS", "http://kms.example.com:8080/", []string{"kms-key awskms:///alias/app", "AWS KMS endpoint", `"http://kms.example.com:8080"`, "(from AWS_ENDPOINT_URL_KMS)", "use https"}},
		{"STS", "http://aws.example.com/", []string{"aws-role-to-assume", "AWS STS endpoint", "(from AWS_ENDPOINT_URL)", "OIDC token"}},
		{"STS", "http://127.0.0.1.nip.io/", []string{"aws-role-to-assume", "(from the AWS config file"}},
		{"", "http://169.254.169.253/", []string{"kms-key", "AWS endpoint"}},
		{"SSO OIDC", "http://user:pw@sso.example.com/", []string{`"http://sso.example.com"`}},
	} {
		ctx := middleware.WithServiceID(context.Background(), tc.service)
		req, err := http.NewRequestWithContext(ctx, "POST", tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Proxy(req)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s %s refused: %v", tc.service, tc.url, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s %s: err = %v, want an *Error", tc.service, tc.url, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %s: %q lacks %q", tc.service, tc.url, err, w)
			}
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("the error shows the URL's user info: %q", err)
		}
	}
}

// Another try would only repeat a refusal or an oversized answer.
func TestNotRetried(t *testing.T) {
	t.Parallel()
	tooLarge := errors.New("net/http: server response headers exceeded 65536 bytes; aborted")
	for _, err := range []error{errorf("refused"), tooLarge} {
		if notRetried(err) != aws.FalseTernary {
			t.Errorf("%v would be retried", err)
		}
	}
	if !strings.Contains(reach(tooLarge, "X"), "larger than 64 KiB") {
		t.Error("oversized headers not recognised")
	}
	if notRetried(errors.New("connection reset")) != aws.UnknownTernary {
		t.Error("the retryer is told not to retry a network error")
	}
}

// The role's credentials must live at least minCredentialLife by this
// machine's clock; credentials that do not expire are not checked.
func TestCheckLife(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := Options{Role: "arn:aws:iam::111122223333:role/r", Env: env.Env{Now: func() time.Time { return now }}}
	for _, tc := range []struct {
		c    aws.Credentials
		want string // "" accepted
	}{
		{aws.Credentials{CanExpire: true, Expires: now.Add(time.Hour)}, ""},
		{aws.Credentials{CanExpire: true, Expires: now.Add(minCredentialLife)}, ""},
		{aws.Credentials{CanExpire: true, Expires: now.Add(minCredentialLife - time.Second)}, "expire in 4m59s, less than the 5 minutes"},
		{aws.Credentials{CanExpire: true, Expires: now}, "already expired (0s ago"},
		{aws.Credentials{CanExpire: true}, "already expired"},
		{aws.Credentials{}, ""},
	} {
		err := o.checkLife(tc.c)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("expires %v: err = %v, want %q", tc.c.Expires, err, tc.want)
		}
	}
}

// The role's credentials are held for the step: one OIDC request and one
// STS call, however many signatures follow, even when the SDK's own clock
// would call them expired (this test's clock is an hour behind it, so
// credentials STS hands out expired pass the check and reach the SDK).
// Not parallel: the SDK reads AWS_* from the process environment.
func TestRoleCredentialsHeldForTheStep(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/signer"
	ids := githubtest.NewIDTokens("repo:octo-org/app:ref:refs/heads/main")
	sts := &githubtest.STS{Role: role, Tokens: ids}
	sts.SetLifetime(-time.Minute)
	var signs atomic.Int32
	kms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		signs.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"KeyId":"k","SigningAlgorithm":"RSASSA_PKCS1_V1_5_SHA_256","Signature":"` + strings.Repeat("QUFB", 86) + `"}`))
	}))
	defer kms.Close()
	idSrv, stsSrv := httptest.NewServer(ids), httptest.NewServer(sts)
	defer idSrv.Close()
	defer stsSrv.Close()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_KMS": kms.URL, "AWS_ENDPOINT_URL_STS": stsSrv.URL, "AWS_REGION": "eu-west-1",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "", "AWS_ROLE_ARN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	vars := map[string]string{envTokenURL: idSrv.URL + "/token?api-version=2.0", envTokenValue: ids.RequestToken}
	s, err := New(context.Background(), "awskms:///alias/app", Options{Role: role, Env: env.Env{Getenv: func(k string) string { return vars[k] },
		Now: func() time.Time { return time.Now().Add(-time.Hour) }}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Sign(context.Background(), []byte("header.claims")); err != nil {
			t.Fatal(err)
		}
	}
	if n, m, k := len(ids.Requests()), len(sts.Calls()), signs.Load(); n != 1 || m != 1 || k != 3 {
		t.Errorf("%d OIDC requests, %d STS calls, %d Sign calls; want 1, 1, 3", n, m, k)
	}
}
