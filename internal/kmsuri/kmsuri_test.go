package kmsuri

import (
	"strings"
	"testing"
)

// Every form cosign accepts, and what each tells about region and endpoint.
func TestParseURI(t *testing.T) {
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, tc := range []struct {
		uri  string
		want Key
	}{
		{"awskms:///" + id, Key{ID: id}},
		{"awskms:///mrk-1234abcd12ab34cd56ef1234567890ab", Key{ID: "mrk-1234abcd12ab34cd56ef1234567890ab"}},
		{"awskms:///alias/github-app", Key{ID: "alias/github-app"}},
		{"awskms:///arn:aws:kms:us-east-2:111122223333:key/" + id, Key{ID: "arn:aws:kms:us-east-2:111122223333:key/" + id, Region: "us-east-2"}},
		{"awskms:///arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/app", Key{ID: "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/app", Region: "us-gov-west-1"}},
		{"awskms://kms.internal.example:8443/alias/app", Key{ID: "alias/app", Endpoint: "https://kms.internal.example:8443"}},
	} {
		got, err := ParseURI(tc.uri)
		if err != nil || got != tc.want {
			t.Errorf("ParseURI(%q) = %+v, %v; want %+v", tc.uri, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "alias/app", "arn:aws:kms:us-east-2:111122223333:key/" + id, "awskms://", "awskms:///",
		"awskms:///not-a-key", "awskms:///alias/", "awskms:///arn:aws:kms:us-east-2:1111:key/" + id,
		"awskms://user@host/alias/app", "awskms:///alias/app\n::stop-commands::x", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
	} {
		_, err := ParseURI(bad)
		if err == nil {
			t.Errorf("ParseURI(%q) accepted", bad)
			continue
		}
		if len(bad) > len("awskms:///") && strings.Contains(err.Error(), bad) {
			t.Errorf("error quotes the value: %v", err)
		}
	}
}
