package secret

import (
	"bytes"
	"strings"
	"testing"
)

const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJJdjIzbGkiLCJpYXQiOjE3MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"

func TestScrubHidesCredentialShapes(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"whole JWT", "echo: Bearer " + jwt},
		{"JWT cut in half", "proxy said " + jwt[:60]},
		{"installation token", "token ghs_16C7e42F292c6912E7710c838347Ae178B4a was bad"},
		{"fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"},
		{"PEM block", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"},
		{"PEM armour only", "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
		{"bearer value", "Authorization: bearer abcdefghijklmnopqrstuvwxyz012345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Scrub(tt.in)
			if !strings.Contains(out, Hidden) {
				t.Fatalf("Scrub(%q) = %q, hides nothing", tt.in, out)
			}
			for _, part := range []string{"eyJhbGci", "ghs_16C7", "github_pat_11", "MIIEow", "MIIEvQ", "abcdefghijklmnop"} {
				if strings.Contains(out, part) {
					t.Errorf("Scrub(%q) = %q still holds %q", tt.in, out, part)
				}
			}
			if !Looks(tt.in) {
				t.Errorf("Looks(%q) = false", tt.in)
			}
		})
	}
}

func TestScrubKeepsOrdinaryText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"Minted an installation token for octo-org/app with permissions contents:write; it expires at 2026-01-01T00:00:00Z.",
		"GET /repos/octo-org/app/installation: 502 Bad Gateway; retrying in 1.2s (try 2 of 4)",
		"the token stays valid until it expires",
	} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub changed ordinary text:\n%q\n%q", s, got)
		}
		if Looks(s) {
			t.Errorf("Looks(%q) = true", s)
		}
	}
}

func TestRedactorHidesKnownSecrets(t *testing.T) {
	t.Parallel()
	var r Redactor
	r.Add("s3cr3t-line-of-a-key", "", "s3cr3t-line-of-a-key")
	if got := r.Redact("key line s3cr3t-line-of-a-key here"); got != "key line *** here" {
		t.Errorf("Redact = %q", got)
	}
}

func TestWriterKeepsEveryWriteOnOneLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := &Redactor{}
	r.Add("hunter2hunter2")
	w := &Writer{W: &out, Redactor: r}
	writes := []string{
		"::add-mask::hunter2hunter2\n",
		"Minted for octo-org/app\n::stop-commands::x\n",
		"::warning::slug was \r\n::error::forged\n",
		"echoed hunter2hunter2 and " + jwt + "\n",
	}
	for _, s := range writes {
		if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(writes) {
		t.Fatalf("%d writes became %d lines:\n%s", len(writes), len(lines), out.String())
	}
	if lines[0] != "::add-mask::hunter2hunter2" {
		t.Errorf("the mask command must pass unchanged, got %q", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "hunter2") || strings.Contains(l, "eyJhbGci") {
			t.Errorf("secret left in %q", l)
		}
	}
	if strings.Contains(out.String(), "\n::stop-commands") || strings.Contains(out.String(), "\n::error::forged") {
		t.Errorf("a write started a workflow command of its own:\n%s", out.String())
	}
}

func TestLooksFindsAKeyBodyWithoutArmour(t *testing.T) {
	t.Parallel()
	body := "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
	if !Looks(body) || !Looks("contents: write\n"+body[3:]+"+/") {
		t.Error("a PEM body line must look secret")
	}
	if Looks("octo-org/a-very-long-repository-name-that-is-still-a-name-and-nothing-else") {
		t.Error("a long repository path must not look secret")
	}
}

func TestQuoteHidesSecretsAndEscapesLines(t *testing.T) {
	t.Parallel()
	if got := Quote("a\n::error::x"); got != `"a\n::error::x"` {
		t.Errorf("Quote = %s", got)
	}
	for _, v := range []string{"-----BEGIN RSA PRIVATE KEY-----", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", strings.Repeat("x", 41)} {
		if got := Quote(v); !strings.Contains(got, "not shown") {
			t.Errorf("Quote(%q) = %s", v, got)
		}
	}
}

// Every GitHub token prefix is scrubbed: the shape is only tried on text
// holding one of them, so a prefix missing from that list would let its
// tokens through.
func TestScrubHidesEveryTokenPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"} {
		in := "got " + p + "16C7e42F292c6912E7710c838347Ae178B4a here"
		if got := Scrub(in); got != "got *** here" {
			t.Errorf("Scrub(%q) = %q", in, got)
		}
	}
	for _, s := range []string{"ghx_16C7e42F292c6912E7710c83", "GITHUB_API_URL per_page github_app"} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q", s, got)
		}
	}
}

// Secrets added while other goroutines scrub are all learnt: once Add has
// returned, the next Redact hides its secret (run with -race).
func TestRedactorLearnsWhileOthersScrub(t *testing.T) {
	t.Parallel()
	r := &Redactor{}
	secrets := make([]string, 8)
	for i := range secrets {
		secrets[i] = strings.Repeat(string(rune('A'+i)), 5) + "-" + jwt[40+i:70+i]
	}
	done := make(chan bool)
	for i, s := range secrets {
		go func() {
			r.Add(s)
			ok := r.Redact("x "+s[3:28]+" y") == "x *** y"
			_ = r.Redact(secrets[(i+1)%len(secrets)])
			done <- ok
		}()
	}
	for range secrets {
		if !<-done {
			t.Error("a secret added before Redact was not hidden")
		}
	}
	for _, s := range secrets {
		if got := r.Redact(s); got != Hidden {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}
