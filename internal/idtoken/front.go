package idtoken

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// peek reads, without verifying anything, what decides whether a token is
// worth a key lookup: its size, shape, algorithm and issuer. It refuses
// the rest before go-jose parses a byte, so the cheapest checks come first
// and an unlisted issuer is known before any network call.
func peek(raw string) (string, *Error) {
	if len(raw) > MaxTokenBytes {
		return "", errTooLarge
	}
	// Compact serialization only: go-jose would also take the JSON one.
	parts := strings.SplitN(raw, ".", 4)
	var h struct {
		Alg string `json:"alg"`
	}
	if len(parts) != 3 || !decodeJSON(parts[0], &h) {
		return "", errMalformed
	}
	if h.Alg != algorithms[0] && h.Alg != algorithms[1] {
		return "", errAlgorithm
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if !decodeJSON(parts[1], &c) || !isBase64URL(parts[2]) {
		return "", errMalformed
	}
	return c.Iss, nil
}

// decodeJSON decodes one unpadded base64url part holding a JSON object.
func decodeJSON(part string, v any) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(part)
	return err == nil && json.Unmarshal(b, v) == nil
}

// isBase64URL: a non-empty signature in the unpadded base64url alphabet.
func isBase64URL(s string) bool {
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return s != "" && err == nil
}
