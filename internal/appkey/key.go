// Package appkey reads a GitHub App's private key from the private-key setting, in every form
// users paste into secrets, and makes the short-lived App JWTs that GitHub's App endpoints
// require: JWTSigner builds their claims and has a Key sign them (PrivateKey here, or a key that
// never reaches this process: awskms.Key), and GivenJWT is one signed elsewhere, checked.
package appkey

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// PrivateKey is a GitHub App private key as read from the private-key setting: the Key that
// signs in this process.
type PrivateKey struct {
	// RSA is the parsed key; Parse only returns keys that can sign RS256 JWTs.
	RSA *rsa.PrivateKey
	// Mask lists the strings the caller must register with ::add-mask:: because the key had to be
	// decoded or unescaped to be read (base64 of a PEM, literal "\n" escapes, quotes ...): the decoded
	// PEM's body lines (the base64 lines between BEGIN and END), each at most once. Empty when the
	// input already was a clean PEM (the runner masks secret inputs as given).
	// A body squashed into lines longer than PEM's 64 columns also gets its 64-column lines, the
	// lines of the original file.
	Mask []string
	// Body lists the PEM's body lines in every form they were found in, so
	// that the caller can keep each out of anything it prints, masked or not.
	Body []string
}

// maxInputLen bounds the work Parse does on a hostile or mistaken value. A 4096-bit key's PEM,
// base64-encoded and with escaped newlines, stays well under it.
const maxInputLen = 16 << 10

// Parse reads a private key in any of the forms users paste into a secret: a PKCS#1 or PKCS#8
// PEM, with CRLF line ends, stray whitespace, surrounding quotes, literal "\n" escapes, squashed
// onto one line, or base64-encoded as a whole (standard or URL alphabet, padded or not).
//
// Every error matches ErrInvalidKey, starts with "private-key ", says what the value looks like
// and what GitHub expects, and never contains any part of raw.
func Parse(raw string) (*PrivateKey, error) {
	if len(raw) > maxInputLen {
		return nil, errTooLong
	}
	text := unwrap(raw)
	if text == "" {
		return nil, errEmpty
	}
	if looksLikePEM(text) {
		return parsePEM(raw, text)
	}
	if err := recognizeNonKey(text); err != nil {
		return nil, err
	}
	if decoded, ok := decodeBase64(text); ok {
		inner := unwrap(string(decoded))
		if looksLikePEM(inner) {
			return parsePEM(raw, inner)
		}
		if strings.HasPrefix(inner, "openssh-key-v1\x00") {
			return nil, errOpenSSH
		}
		if _, err := parseDER("PRIVATE KEY", decoded); err != errDamaged {
			// The DER parsed (or was recognisably some other key): the user pasted a PEM's body.
			return nil, errBodyOnly
		}
	}
	return nil, errNotPEM
}

// Sign implements Key: the RS256 signature of signingInput, made here. Its errors never hold key
// material.
func (k *PrivateKey) Sign(_ context.Context, signingInput []byte) ([]byte, error) {
	if k == nil || k.RSA == nil {
		return nil, errNoSigningKey
	}
	sig, err := jwt.SigningMethodRS256.Sign(string(signingInput), k.RSA)
	if err != nil {
		return nil, fmt.Errorf("sign App JWT: %w", err)
	}
	return sig, nil
}

// parsePEM reads the first PEM block of text, the input once unwrapped (and maybe base64-decoded),
// and decides from raw whether the caller must mask the body lines.
func parsePEM(raw, text string) (*PrivateKey, error) {
	b, err := findBlock(text)
	if err != nil {
		return nil, err
	}
	key, err := b.rsaKey()
	if err != nil {
		return nil, err
	}
	k := &PrivateKey{RSA: key, Body: uniqueLines(append(b.lines, b.fileLines()...))}
	if strings.TrimSpace(raw) != b.canonical() {
		k.Mask = k.Body
	}
	return k, nil
}

// looksLikePEM reports whether text carries PEM armour, even a broken part of it, so that errors
// about it speak of a damaged PEM rather than of something else.
func looksLikePEM(text string) bool {
	return strings.Contains(text, pemBegin) || strings.Contains(text, pemEnd) ||
		(strings.Contains(text, "BEGIN ") && strings.Contains(text, "PRIVATE KEY"))
}

// unwrap undoes what shells, JSON and env files do to a multi-line secret: surrounding whitespace
// and quotes, backslash escapes of newlines, CRLF line ends. None of the characters it touches can
// occur inside PEM armour or base64, so it cannot alter a key that did not need it.
func unwrap(s string) string {
	for range 4 {
		before := s
		s = strings.TrimSpace(s)
		s = stripQuotes(s)
		s = unescape(s)
		if s == before {
			break
		}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

func stripQuotes(s string) string {
	if len(s) >= 2 && s[0] == s[len(s)-1] && strings.IndexByte("\"'`", s[0]) >= 0 {
		return s[1 : len(s)-1]
	}
	return s
}

// escapes maps the two-character escapes found in keys that went through echo, JSON or env files.
// Order matters: `\r\n` must win over `\r`.
var escapes = strings.NewReplacer(`\r\n`, "\n", `\n`, "\n", `\r`, "\n", `\t`, " ", `\/`, "/", `\"`, `"`, `\'`, "'")

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	// A value escaped twice (JSON inside JSON) has `\\n`; every pass halves the backslashes.
	for strings.Contains(s, `\\`) {
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return escapes.Replace(s)
}

// tokenPrefixes are the prefixes GitHub gives its tokens.
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}

// sshPublicKeyPrefixes start an OpenSSH public key line (authorized_keys, .pub files).
var sshPublicKeyPrefixes = []string{"ssh-rsa ", "ssh-dss ", "ssh-ed25519 ", "ecdsa-sha2-", "sk-ssh-ed25519@", "sk-ecdsa-sha2-"}

// recognizeNonKey names the other GitHub and SSH credentials users paste by mistake.
func recognizeNonKey(text string) error {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(text, p) {
			return errToken
		}
	}
	if isClientSecret(text) {
		return errClientSecret
	}
	for _, p := range sshPublicKeyPrefixes {
		if strings.HasPrefix(text, p) {
			return errSSHPublicKey
		}
	}
	return nil
}

// isClientSecret reports whether s has the shape of a GitHub App client secret: 40 lowercase hex
// characters.
func isClientSecret(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// decodeBase64 decodes text as base64 in any alphabet and padding, ignoring line wrapping.
func decodeBase64(text string) ([]byte, bool) {
	compact := strings.Join(strings.Fields(text), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(compact); err == nil {
			return b, true
		}
	}
	return nil, false
}

// uniqueLines returns lines without repeats, in first-seen order.
func uniqueLines(lines []string) []string {
	seen := make(map[string]bool, len(lines))
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
