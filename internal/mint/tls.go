package mint

import (
	"crypto/x509"
	"errors"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/setting"
)

// untrustedCA says what to do when the server's certificate chains to no
// root the action trusts: the usual GitHub Enterprise Server behind a
// private CA, which a Node action reaches with NODE_EXTRA_CA_CERTS on the
// runner host but a container action cannot, as it sees none of the host's
// trust store. nil when err is something else.
func untrustedCA(op string, err error, app config.App) error {
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		return nil
	}
	given := setting.Errorf("")
	if len(app.CACertificates) > 0 {
		given = setting.Errorf(" (the certificates in %s do not sign it: pass the CA that issued the server's certificate, or its intermediate)", setting.CACertificates)
	}
	return setting.Errorf("%s: could not verify the certificate of %s: certificate signed by unknown authority: for a server behind a private CA, %s%s",
		op, app.APIURL.Host, setting.Errorf("pass its certificate in `%s`", setting.CACertificates), given).With(err)
}
