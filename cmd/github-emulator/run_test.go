package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// syncBuffer is stderr for run: written by the server's goroutines, read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started runs the command in-process and returns once it listens.
type started struct {
	stderr *syncBuffer
	stop   func() error // cancels and returns run's result
}

func start(t *testing.T, args ...string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, outW, stderr)
		outW.CloseWithError(errors.Join(err, io.EOF))
		done <- err
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("run ended before listening: %v; stderr:\n%s", err, stderr.String())
	}
	go io.Copy(io.Discard, outR)
	if !strings.Contains(line, "listening on http://127.0.0.1:") {
		t.Errorf("stdout line %q", line)
	}
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() { _ = stop() })
	return started{stderr: stderr, stop: stop}
}

func readInfo(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("info file: %v", err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.ContainsAny(v, " '\"$`\\;&|") {
			t.Errorf("info line %q is not plain KEY=value", line)
		}
		m[k] = v
	}
	return m
}

func do(t *testing.T, method, url, auth, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestRunServesMintsRecordsAndNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyPath, infoPath := filepath.Join(dir, "key.pem"), filepath.Join(dir, "emu.env")
	s := start(t, "-addr", "127.0.0.1:0", "-key-out", keyPath, "-info-out", infoPath)

	info := readInfo(t, infoPath)
	url := info["EMULATOR_URL"]
	if !strings.HasPrefix(url, "http://127.0.0.1:") || info["EMULATOR_APP_ID"] != "123456" ||
		info["EMULATOR_CLIENT_ID"] != "Iv23liEmuLaToR0000" {
		t.Fatalf("info %v", info)
	}
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode())
	}
	pemBytes, _ := os.ReadFile(keyPath)
	if !bytes.HasPrefix(pemBytes, []byte("-----BEGIN RSA PRIVATE KEY-----")) {
		t.Errorf("key is not PKCS#1 PEM")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}

	// The emulator trusts exactly the key it wrote.
	now := time.Now()
	appJWT, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": info["EMULATOR_CLIENT_ID"], "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}).SignedString(key)
	code, body := do(t, "POST", url+"/api/v3/app/installations/1001/access_tokens", "Bearer "+appJWT, `{"repositories":["app"]}`)
	if code != 201 {
		t.Fatalf("mint: %d %s", code, body)
	}
	var minted struct{ Token string }
	_ = json.Unmarshal(body, &minted)
	if code, body := do(t, "POST", url+"/repos/octo-org/app/dispatches", "token "+minted.Token, `{"event_type":"ship"}`); code != 204 {
		t.Fatalf("dispatch: %d %s", code, body)
	}
	if code, _ := do(t, "DELETE", url+"/installation/token", "token "+minted.Token, ""); code != 204 {
		t.Fatalf("revoke: %d", code)
	}

	code, stateBody := do(t, "GET", url+"/_emulator/state", "", "")
	var st state
	if err := json.Unmarshal(stateBody, &st); code != 200 || err != nil {
		t.Fatalf("state: %d %v %s", code, err, stateBody)
	}
	sum := sha256.Sum256([]byte(minted.Token))
	if len(st.Tokens) != 1 || st.Tokens[0].SHA256 != hex.EncodeToString(sum[:]) || !st.Tokens[0].Revoked ||
		st.Tokens[0].InstallationID != 1001 || len(st.Tokens[0].Repositories) != 1 || st.Tokens[0].Permissions["contents"] != "write" {
		t.Errorf("state tokens %+v", st.Tokens)
	}
	if len(st.Dispatches) != 1 || st.Dispatches[0].Kind != "repository_dispatch" || st.Dispatches[0].EventType != "ship" {
		t.Errorf("state dispatches %+v", st.Dispatches)
	}
	if st.Requests != 3 {
		t.Errorf("state counts %d requests, want 3 (asking for state is not one)", st.Requests)
	}

	if err := s.stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	logText := s.stderr.String()
	for _, want := range []string{`POST "/api/v3/app/installations/1001/access_tokens" 201 auth=jwt`, `DELETE "/installation/token" 204 auth=token`, `GET "/_emulator/state" 200 auth=none`} {
		if !strings.Contains(logText, want) {
			t.Errorf("log lacks %q:\n%s", want, logText)
		}
	}
	for name, secret := range map[string]string{"token": minted.Token, "JWT": appJWT, "key": string(pemBytes[40:80])} {
		if strings.Contains(logText, secret) || strings.Contains(string(stateBody), secret) {
			t.Errorf("the %s appears in the log or the state", name)
		}
	}
	if strings.Contains(logText, "Bearer") {
		t.Error("the log shows an Authorization value")
	}
}

func TestRunLongTokens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, "-long-tokens", "-token-lag", "1h", "-key-out", filepath.Join(dir, "k"), "-info-out", filepath.Join(dir, "i"))
	defer s.stop()
	info := readInfo(t, filepath.Join(dir, "i"))
	pemBytes, _ := os.ReadFile(filepath.Join(dir, "k"))
	key, _ := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	now := time.Now()
	appJWT, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": 123456, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}).SignedString(key)
	code, body := do(t, "POST", info["EMULATOR_URL"]+"/app/installations/1002/access_tokens", "Bearer "+appJWT, "")
	var minted struct{ Token string }
	_ = json.Unmarshal(body, &minted)
	if code != 201 || len(minted.Token) != 520 || strings.Count(minted.Token, ".") != 2 {
		t.Errorf("mint: %d, token length %d", code, len(minted.Token))
	}
	// -token-lag: GitHub's replication lag, an hour of it.
	if code, _ := do(t, "GET", info["EMULATOR_URL"]+"/installation/repositories", "Bearer "+minted.Token, ""); code != 401 {
		t.Errorf("a token within -token-lag answered %d, want 401", code)
	}
}

func TestRunRefusesBadSetup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"key into a missing folder", []string{"-key-out", "/nonexistent/dir/key.pem"}, "write the App key"},
		{"bad address", []string{"-addr", "256.0.0.1:0"}, "listen on 256.0.0.1:0"},
		{"not a role ARN", []string{"-role", "arn:aws:iam::111122223333:user/me"}, "-role"},
		{"a role a shell would need quoted", []string{"-role", "arn:aws:iam::111122223333:role/a b"}, "not an IAM role ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want it to mention %q", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q though it never listened", out.String())
			}
		})
	}
}
