package appkey

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks Parse on any input: it never panics, its errors never carry an 8-character
// window of the input (beyond the fixed messages' own words, which any input may repeat), and a
// key it returns signs a JWT that verifies. Seeds: testdata/fuzz/FuzzParse and the forms below.
func FuzzParse(f *testing.F) {
	k := testKey(f)
	p1 := pemPKCS1(k)
	for _, s := range []string{
		p1,
		pemPKCS8(f, k),
		strings.ReplaceAll(p1, "\n", `\n`),
		strings.ReplaceAll(p1, "\n", " "),
		base64.StdEncoding.EncodeToString([]byte(p1)),
		`"` + strings.ReplaceAll(p1, "\n", `\r\n`) + `"`,
	} {
		f.Add(s)
	}
	var vocabulary strings.Builder
	for _, e := range allParseErrors {
		vocabulary.WriteString(e.Error() + "\n")
	}
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := Parse(raw)
		if err != nil {
			if key != nil {
				t.Fatal("Parse returned a key along with its error")
			}
			assertParseError(t, raw, err, vocabulary.String())
			return
		}
		if key == nil || key.RSA == nil {
			t.Fatal("Parse returned neither a key nor an error")
		}
		for i, m := range key.Mask {
			if m == "" {
				t.Errorf("Mask[%d] is empty", i)
			}
		}
		token, err := NewJWTSigner("1", key, fixedClock(time.Unix(1_800_000_000, 0))).Sign(context.Background())
		if err != nil {
			t.Fatalf("parsed key cannot sign: %v", err)
		}
		verifyJWT(t, token, &key.RSA.PublicKey)
	})
}
