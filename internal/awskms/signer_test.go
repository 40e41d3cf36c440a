package awskms

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A message over KMS's 4096-byte limit is refused before any call (the
// Signer has no client: a call would panic).
func TestSignRefusesMessagesOverTheLimit(t *testing.T) {
	s := &Signer{uri: "awskms:///alias/app"}
	_, err := s.Sign(context.Background(), []byte(strings.Repeat("a", MaxMessage+1)))
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "4096") {
		t.Fatalf("err = %v", err)
	}
}
