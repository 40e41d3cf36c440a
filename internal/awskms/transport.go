package awskms

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
)

// refusePlainHTTP makes t refuse, before any dial, each request that
// loopback.Plain says no credential may travel in, unless allow admits it;
// refusal is the error the request then fails with. The check sits in the
// transport's Proxy hook, which net/http consults for every request it
// sends, a redirect's included, so no client or configuration built on t
// escapes it.
func refusePlainHTTP(t *http.Transport, allow func(*url.URL) bool, refusal func(*http.Request) error) {
	proxy := t.Proxy
	t.Proxy = func(req *http.Request) (*url.URL, error) {
		if loopback.Plain(req.URL) && !allow(req.URL) {
			return nil, refusal(req)
		}
		if proxy == nil {
			return nil, nil
		}
		return proxy(req)
	}
}

// awsHTTPClient is the one HTTP client every AWS call uses, the credential
// chain's included: its answers' headers are bounded as GitHub's are, and
// plain http goes only to loopback or to AWS's own metadata addresses.
// It stays the SDK's BuildableClient, the only type the SDK adds a custom
// CA bundle (AWS_CA_BUNDLE) to.
func awsHTTPClient(o Options, uri string) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTimeout(o.Timeout).WithTransportOptions(func(t *http.Transport) {
		t.MaxResponseHeaderBytes = ghtransport.MaxHeaderBytes
		refusePlainHTTP(t, awsMetadata, func(req *http.Request) error { return o.plainHTTPError(req, uri) })
	})
}

// metadataAddresses are where AWS serves instance and container
// credentials, over plain http by design and never past the host's own
// link: EC2's instance metadata service (IPv4 and IPv6) and the ECS and
// EKS Pod Identity container endpoints, as the SDK itself names them.
var metadataAddresses = []net.IP{
	net.ParseIP("169.254.169.254"), net.ParseIP("fd00:ec2::254"),
	net.ParseIP("169.254.170.2"), net.ParseIP("169.254.170.23"), net.ParseIP("fd00:ec2::23"),
}

func awsMetadata(u *url.URL) bool {
	ip := net.ParseIP(u.Hostname())
	for _, m := range metadataAddresses {
		if ip.Equal(m) {
			return true
		}
	}
	return false
}

// plainHTTPError explains an AWS call refused for plain http: the setting
// it was for, the AWS service, the endpoint and where it was configured.
func (o Options) plainHTTPError(req *http.Request, uri string) error {
	service := middleware.GetServiceID(req.Context())
	name := strings.TrimSpace("AWS " + service)
	var about any = setting.Errorf("%s %s", kmsInput, uri)
	carried := "this job's AWS credentials and the App JWT's signature"
	if strings.EqualFold(service, "STS") {
		about, carried = kmsInput, "the AWS credentials STS hands out"
		if o.Role != "" {
			about, carried = roleInput, "the job's OIDC token and the role's credentials"
		}
	}
	return errorf("%s: %s endpoint %s (from %s) is plain http: %s would cross the network unencrypted; use https (plain http goes only to a loopback host such as 127.0.0.1)",
		about, name, secret.Quote(req.URL.Scheme+"://"+req.URL.Host), o.endpointSource(service, req.URL), carried)
}

// endpointSource names where the AWS configuration took an endpoint from,
// in the SDK's order: the service's variable, AWS_ENDPOINT_URL, then the
// shared config file.
func (o Options) endpointSource(service string, u *url.URL) string {
	names := []string{"AWS_ENDPOINT_URL", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CONTAINER_CREDENTIALS_FULL_URI"}
	if service != "" {
		names = append([]string{"AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, " ", "_"))}, names...)
	}
	for _, name := range names {
		if v, err := url.Parse(o.Var(name)); err == nil && strings.EqualFold(v.Host, u.Host) && v.Host != "" {
			return name
		}
	}
	return "the AWS config file: a profile's endpoint_url or services section"
}
