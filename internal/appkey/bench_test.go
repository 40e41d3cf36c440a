package appkey

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

// The action parses the key and signs a JWT once or twice per job; these show both stay cheap.

func BenchmarkParse(b *testing.B) {
	p1 := pemPKCS1(testKey(b))
	for _, bc := range []struct{ name, input string }{
		{"PEM", p1},
		{"escaped", strings.ReplaceAll(p1, "\n", `\n`)},
		{"base64", base64.StdEncoding.EncodeToString([]byte(p1))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(bc.input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	s := NewJWTSigner("Iv23liBench", local(testKey(b)), nil)
	for b.Loop() {
		if _, err := s.Sign(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
