package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AssumedRole is one AssumeRoleWithWebIdentity call STS received, with the
// temporary credentials it handed out (empty when it refused).
type AssumedRole struct {
	RoleARN, SessionName, WebIdentityToken     string
	AccessKeyID, SecretAccessKey, SessionToken string
}

// STS emulates AWS STS's AssumeRoleWithWebIdentity (query protocol, XML
// answers as AWS sends them): it admits exactly Role, for OIDC tokens that
// Tokens issued with audience sts.amazonaws.com.
type STS struct {
	Role   string
	Tokens *IDTokens

	mu       sync.Mutex
	calls    []AssumedRole
	lifetime time.Duration
}

// SetLifetime makes the credentials it hands out from now on live d, by
// its clock; 0 (the default) means an hour (AWS's default for a role),
// negative that they expired that long ago (a wrong clock, or a hostile
// endpoint).
func (s *STS) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// Calls returns what STS received and handed out.
func (s *STS) Calls() []AssumedRole {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AssumedRole(nil), s.calls...)
}

// Secrets lists every part of every credential STS handed out, the
// access key ID included, for leak checks.
func (s *STS) Secrets() []string {
	var out []string
	for _, c := range s.Calls() {
		if c.SecretAccessKey != "" {
			out = append(out, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		}
	}
	return out
}

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

func (s *STS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		stsError(w, http.StatusBadRequest, "InvalidAction", "could not parse the request")
		return
	}
	call := AssumedRole{RoleARN: r.PostForm.Get("RoleArn"), SessionName: r.PostForm.Get("RoleSessionName"), WebIdentityToken: r.PostForm.Get("WebIdentityToken")}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}()
	switch {
	case r.PostForm.Get("Action") != "AssumeRoleWithWebIdentity" || r.PostForm.Get("Version") != "2011-06-15":
		stsError(w, http.StatusBadRequest, "InvalidAction", "only AssumeRoleWithWebIdentity is emulated")
		return
	case s.Tokens == nil || !s.Tokens.issuedToken(call.WebIdentityToken):
		stsError(w, http.StatusBadRequest, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
		return
	case audience(call.WebIdentityToken) != "sts.amazonaws.com":
		stsError(w, http.StatusBadRequest, "InvalidIdentityToken", "Incorrect token audience")
		return
	case call.RoleARN != s.Role:
		stsError(w, http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		return
	}
	call.AccessKeyID = "ASIA" + strings.ToUpper(strings.NewReplacer("-", "A", "_", "B").Replace(randomText(16)))
	call.SecretAccessKey = randomText(40)
	call.SessionToken = "IQoJb3JpZ2luX2Vj" + randomText(300)
	role := call.RoleARN[strings.LastIndex(call.RoleARN, "/")+1:]
	s.mu.Lock()
	life := s.lifetime
	s.mu.Unlock()
	if life == 0 {
		life = time.Hour
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", "emu-sts")
	fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="%s">
  <AssumeRoleWithWebIdentityResult>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEMULATED:%s</AssumedRoleId>
      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>
    </AssumedRoleUser>
    <Provider>arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com</Provider>
    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>%s</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>emu-sts</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`, stsNamespace, xmlText(call.SessionName), KMSAccount, xmlText(role), xmlText(call.SessionName), KMSAccount,
		call.AccessKeyID, call.SecretAccessKey, call.SessionToken, time.Now().Add(life).UTC().Format(time.RFC3339), xmlText(s.Tokens.Subject))
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s">
  <Error>
    <Type>Sender</Type>
    <Code>%s</Code>
    <Message>%s</Message>
  </Error>
  <RequestId>emu-sts</RequestId>
</ErrorResponse>
`, stsNamespace, code, xmlText(msg))
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// audience reads a JWT's aud claim without verifying it.
func audience(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Aud string `json:"aud"`
	}
	_ = json.Unmarshal(b, &c)
	return c.Aud
}
