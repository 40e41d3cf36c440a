package ghtransport

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// gzipped serves body gzip-encoded, as Go's transport asks for by itself.
func gzipped(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, body)
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(b.Bytes())
	}
}

func plain(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
}

// The limit counts the bytes a reader gets, after Go's transport undid the
// gzip: an answer of exactly Max passes, one byte more fails with
// *BodyTooLargeError, however small it was on the wire.
func TestLimitBodyCountsDecodedBytes(t *testing.T) {
	t.Parallel()
	const max = 4 << 10
	for _, tt := range []struct {
		name    string
		answer  http.HandlerFunc
		tooLong bool
	}{
		{"plain at the limit", plain(strings.Repeat("a", max)), false},
		{"plain past the limit", plain(strings.Repeat("a", max+1)), true},
		{"gzip at the limit", gzipped(strings.Repeat(" ", max)), false},
		{"gzip past the limit", gzipped(strings.Repeat(" ", 100*max)), true},
		{"empty", plain(""), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.answer)
			req, _ := http.NewRequest("GET", srv.URL, nil)
			resp := roundTrip(t, &LimitBody{Base: newBase(t), Max: max}, req)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			var large *BodyTooLargeError
			if tt.tooLong != errors.As(err, &large) {
				t.Fatalf("read %d bytes, error %v; want too large: %v", len(got), err, tt.tooLong)
			}
			if len(got) > max {
				t.Errorf("read %d bytes past the limit of %d", len(got), max)
			}
			if tt.tooLong && err.Error() != "answer is larger than 4 KiB" {
				t.Errorf("error = %q", err)
			}
		})
	}
}

func TestLimitBodyDefaultsToMaxAnswer(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, plain(strings.Repeat("a", MaxAnswer+1)))
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp := roundTrip(t, &LimitBody{Base: newBase(t)}, req)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if len(got) != MaxAnswer || err == nil || err.Error() != "answer is larger than 1 MiB" {
		t.Errorf("read %d bytes, error %v", len(got), err)
	}
}
