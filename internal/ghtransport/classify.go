package ghtransport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// tryTimeoutError says that one attempt got no answer within its time. It
// unwraps to the transport's error.
type tryTimeoutError struct {
	after time.Duration
	err   error
}

func (e *tryTimeoutError) Error() string { return "no answer within " + forLog(e.after) }
func (e *tryTimeoutError) Unwrap() error { return e.err }

// permanentError marks a failure of this package's own making (an App JWT
// that cannot be signed, a body that cannot be copied) that no further try
// would change.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// transientError reports whether another try may succeed after err, a
// transport error that is not the caller's own context ending. Dropped and
// refused connections, resets, EOFs and timeouts are worth another try; a
// certificate GitHub's name does not match, or a host name DNS does not
// know, will not change within a minute and is returned at once.
func transientError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		dnsErr      *net.DNSError
		permanent   *permanentError
	)
	switch {
	case errors.As(err, &permanent):
		return false
	case errors.As(err, &certErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

// statusReason is how a status shows in the log: "502 Bad Gateway".
func statusReason(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}
