package githubtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// KMSCall is one request that reached KMSProxy.
type KMSCall struct {
	// Operation is the KMS operation, from X-Amz-Target ("Sign").
	Operation string
	// AccessKeyID is the key ID in the SigV4 Authorization header.
	AccessKeyID string
	// SessionToken tells whether X-Amz-Security-Token was sent (temporary
	// credentials).
	SessionToken bool
	// KeyID is the KeyId the request named.
	KeyID string
	// Body is the request's JSON, as the client sent it.
	Body []byte
}

// KMSProxy stands in front of local-kms: it records every call, and can
// answer the next calls with an AWS error that local-kms cannot make
// (AccessDeniedException, ThrottlingException), as AWS's JSON protocol
// sends it, with a message that names the access key ID the call was
// signed with, as some of AWS's messages do.
type KMSProxy struct {
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	calls  []KMSCall
	faults []string // error codes for the next calls, in order
}

// NewKMSProxy returns a proxy to the KMS endpoint target.
func NewKMSProxy(target string) *KMSProxy {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	return &KMSProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
}

// FailNext answers the next len(codes) calls with these AWS error codes.
func (p *KMSProxy) FailNext(codes ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, codes...)
}

// Calls returns the calls received so far.
func (p *KMSProxy) Calls() []KMSCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]KMSCall(nil), p.calls...)
}

var (
	sigV4Credential = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)
	keyIDField      = regexp.MustCompile(`"KeyId"\s*:\s*"([^"]*)"`)
)

func (p *KMSProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := KMSCall{
		Operation:    strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService."),
		SessionToken: r.Header.Get("X-Amz-Security-Token") != "",
		Body:         body,
	}
	if m := sigV4Credential.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		call.AccessKeyID = m[1]
	}
	if m := keyIDField.FindSubmatch(body); m != nil {
		call.KeyID = string(m[1])
	}
	p.mu.Lock()
	p.calls = append(p.calls, call)
	var fault string
	if len(p.faults) > 0 {
		fault, p.faults = p.faults[0], p.faults[1:]
	}
	p.mu.Unlock()
	if fault != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", "emu-kms-fault")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"`+fault+`","message":"emulated `+fault+` for `+call.KeyID+` (access key `+call.AccessKeyID+`)"}`)
		return
	}
	p.proxy.ServeHTTP(w, r)
}
