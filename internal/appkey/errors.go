package appkey

import (
	"errors"

	"github.com/app-token/app-token/internal/setting"
)

// ErrInvalidKey is matched (errors.Is) by every error Parse returns, so a caller can tell a
// private-key input the user must fix from any other failure. The concrete error says what the
// value looks like and what GitHub expects. Its text is one of a fixed set of messages: it never
// holds the input or any fragment of it, so it is safe to log or print as is.
var ErrInvalidKey = errors.New("private-key is not a usable GitHub App private key")

// keyError is a Parse failure. Its message is fixed text chosen in this file, never built from
// the input, and it deliberately keeps no underlying cause: the x509 and asn1 errors can quote
// bytes of the key. It says what the private-key setting holds; the door names the setting.
type keyError struct{ rest string }

func (e *keyError) Render(d setting.Door) string {
	return setting.Errorf("%s %s", setting.PrivateKey, e.rest).Render(d)
}

func (e *keyError) Error() string { return e.Render(setting.Action) }

// Is makes every Parse failure match ErrInvalidKey.
func (e *keyError) Is(target error) bool { return target == ErrInvalidKey }

// expectation ends most messages: what a GitHub App key looks like and where it comes from.
const expectation = `a GitHub App key is the .pem file downloaded from the App's settings page ("BEGIN RSA PRIVATE KEY")`

var (
	errEmpty = &keyError{"is empty; set it to the App's private key, usually from a secret: " + expectation}

	errTooLong = &keyError{"is far longer than any GitHub App private key; " + expectation}

	errOpenSSH = &keyError{`looks like an OpenSSH key ("BEGIN OPENSSH PRIVATE KEY"); ` + expectation}

	errEC = &keyError{"looks like an EC (ECDSA) private key, but GitHub App keys are RSA; " + expectation}

	errEd25519 = &keyError{"looks like an Ed25519 private key, but GitHub App keys are RSA; " + expectation}

	errOtherAlgorithm = &keyError{"holds a private key that is not RSA, but GitHub App keys are RSA; " + expectation}

	errWeakKey = &keyError{"holds an RSA key shorter than 1024 bits, which cannot sign; " + expectation}

	errPublicKey = &keyError{"looks like a public key; GitHub needs the App's private key: " + expectation}

	errSSHPublicKey = &keyError{"looks like an SSH public key (ssh-rsa, ssh-ed25519, ecdsa-sha2-...); GitHub needs the App's private key: " + expectation}

	errCertificate = &keyError{"looks like a certificate or certificate request, not a private key; " + expectation}

	errPGP = &keyError{"looks like a PGP key block; " + expectation}

	errEncrypted = &keyError{"looks like an encrypted (passphrase-protected) private key; " + expectation +
		", which is not encrypted: paste it as downloaded, or decrypt it first (openssl rsa -in encrypted.pem -out key.pem)"}

	errClientSecret = &keyError{"looks like a GitHub App client secret (40 hexadecimal characters); " +
		"the client secret is not the private key: " + expectation}

	errToken = &keyError{"looks like a GitHub token (ghp_, ghs_, gho_, ghu_, ghr_ or github_pat_); " +
		"a token is not the App's private key: " + expectation}

	errDamaged = &keyError{"looks like a PEM private key, but the PEM body is damaged (cut short, altered or missing its BEGIN or END line); " +
		"paste the whole file including the BEGIN and END lines"}

	errBodyOnly = &keyError{"looks like the base64 body of a key without its BEGIN and END lines; " +
		"paste the whole file including the BEGIN and END lines"}

	errOtherPEM = &keyError{"is a PEM block of another kind, not a private key; " + expectation}

	errNotPEM = &keyError{"is not a PEM private key; " + expectation +
		", pasted whole or base64-encoded"}
)
