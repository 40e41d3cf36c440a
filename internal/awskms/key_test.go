package awskms

import (
	"context"
	"errors"
	"github.com/app-token/app-token/internal/env"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/secret"
)

// A message over KMS's 4096-byte limit is refused before any call (the
// Key has no client: a call would panic).
func TestSignRefusesMessagesOverTheLimit(t *testing.T) {
	s := &Key{uri: "awskms:///alias/app"}
	_, err := s.Sign(context.Background(), []byte(strings.Repeat("a", MaxMessage+1)))
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "4096") {
		t.Fatalf("err = %v", err)
	}
}

// The region comes from the environment or a config file: a message shows
// it only through the rule for outside text.
func TestSignErrorShowsTheRegionPrintable(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-1\x1b]52;c;eA==\x07\u202e", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:1",
	} {
		t.Setenv(k, v)
	}
	s, err := New(context.Background(), "awskms:///alias/app", Options{Env: env.Env{Getenv: os.Getenv}, MaxAttempts: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Sign(context.Background(), []byte("header.claims"))
	if err == nil || !strings.Contains(err.Error(), "eu-west-1") || !secret.IsPrintable(err.Error()) {
		t.Fatalf("err = %q", err)
	}
}
