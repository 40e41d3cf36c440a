package githubtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestFaultEchoesTheAuthorizationHeader(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Path: "/app", Status: 401, Body: `{"message":"Bad credentials: ` + AuthPlaceholder + `"}`})
	jwt := appJWT(t)
	a := call(t, ts, "GET", "/app", "Bearer "+jwt, "")
	if a.status != 401 || a.message(t) != "Bad credentials: Bearer "+jwt {
		t.Errorf("answer %d %q, want the header echoed in the message", a.status, a.body)
	}
}

// Gzip and BodyBytes stream Body, encoded as asked; the client's transport
// decodes the gzip it asked for.
func TestFaultStreamsLongAndGzippedBodies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fault Fault
		want  string
	}{
		{"gzip", Fault{Status: 500, Body: "broken", Gzip: true}, "broken"},
		{"repeated", Fault{Status: 422, Body: "abc", BodyBytes: 10}, "abcabcabca"},
		{"repeated and gzipped", Fault{Status: 200, Body: "xy", BodyBytes: 5, Gzip: true}, "xyxyx"},
		{"repeated nothing", Fault{Status: 403, BodyBytes: 3}, "   "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			s.AddFault(tt.fault)
			a := call(t, ts, "GET", "/app", "", "")
			if a.status != tt.fault.Status || string(a.body) != tt.want {
				t.Errorf("answer %d %q, want %d %q", a.status, a.body, tt.fault.Status, tt.want)
			}
		})
	}
}

// A gigabyte is streamed, not held: the client reads as much as it likes
// and hangs up.
func TestFaultStreamsAGigabyte(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Status: 500, Body: "x", BodyBytes: 1 << 30})
	resp, err := ts.Client().Get(ts.URL + "/app")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if err != nil || n != 8<<20 {
		t.Errorf("read %d bytes, %v", n, err)
	}
}

// The bomb is about a thousandth of what it decompresses to, and all of
// that is JSON whitespace.
func TestGzipBomb(t *testing.T) {
	t.Parallel()
	bomb := GzipBomb()
	if len(bomb) > 2<<20 || len(bomb) < 512<<10 {
		t.Errorf("bomb is %d bytes on the wire, want about 1 MiB", len(bomb))
	}
	if testing.Short() {
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(bomb))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	var total int64
	for {
		n, err := zr.Read(buf)
		if len(bytes.Trim(buf[:n], " ")) != 0 {
			t.Fatal("the bomb holds more than spaces")
		}
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != BombSize {
		t.Errorf("bomb decompresses to %d bytes, want %d", total, BombSize)
	}
}

func TestFaultSendsTheBomb(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Path: "/app", Status: 200, GzipBomb: true})
	req, _ := http.NewRequest("GET", ts.URL+"/app", nil)
	req.Header.Set("Accept-Encoding", "gzip") // so the client does not decode it
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(got, GzipBomb()) {
		t.Errorf("Content-Encoding %q, %d bytes; want the bomb", resp.Header.Get("Content-Encoding"), len(got))
	}
}

func TestServerKeepsEveryDistinctJWT(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	jwt := appJWT(t)
	call(t, ts, "GET", "/app", "Bearer "+jwt, "")
	call(t, ts, "GET", "/app", "Bearer "+jwt, "")
	call(t, ts, "GET", "/app", "token not-a-jwt-but-unknown", "")
	tok := mint(t, ts, "1001", "")
	call(t, ts, "GET", "/installation/repositories", "Bearer "+tok, "")
	got := s.JWTs()
	if len(got) != 2 || got[0] != jwt || got[1] != "not-a-jwt-but-unknown" {
		t.Errorf("JWTs() = %q, want the JWT once and the other non-token credential", got)
	}
}

func TestRecorderRecordsWhatReachesIt(t *testing.T) {
	t.Parallel()
	rec := &Recorder{}
	ts := newHTTPServer(t, rec)
	jwt := appJWT(t)
	a := call(t, ts, "POST", "/steal?x=1", "Bearer "+jwt, "{}")
	reqs := rec.Requests()
	if a.status != 404 || len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/steal" || reqs[0].Auth != "jwt" || string(reqs[0].Body) != "{}" {
		t.Errorf("answer %d, recorded %+v", a.status, reqs)
	}
	if got := rec.JWTs(); len(got) != 1 || got[0] != jwt {
		t.Errorf("JWTs() = %q", got)
	}
	if got := rec.Authorizations(); len(got) != 1 || got[0] != "Bearer "+jwt {
		t.Errorf("Authorizations() = %q", got)
	}
}

// Go's client quotes the malformed status line in its error, and with it
// the credential: what the action's error handling must hide.
func TestMalformedAPIQuotesTheCredential(t *testing.T) {
	t.Parallel()
	m, err := StartMalformedAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	jwt := appJWT(t)
	req, _ := http.NewRequest("GET", m.URL()+"/app", nil)
	req.Header.Set("Authorization", "Bearer "+jwt)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a malformed status line was accepted")
	}
	if !strings.Contains(err.Error(), jwt) {
		t.Errorf("error %q does not quote the JWT", err)
	}
	if got := m.JWTs(); len(got) != 1 || got[0] != jwt {
		t.Errorf("JWTs() = %q", got)
	}
}
