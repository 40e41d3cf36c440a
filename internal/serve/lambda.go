package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// startLambda serves function URL events from the Lambda runtime API
// (AWS_LAMBDA_RUNTIME_API, read by aws-lambda-go) until the process ends.
//
// Build the binary with -tags lambda.norpc: without it aws-lambda-go also
// links its RPC entry for the retired go1.x runtime (net/rpc, encoding/gob,
// html/template), which every process pays for, the action's included:
// measured on linux/amd64 with serve linked into the program, 3.7 MB more
// binary (15.2 MB against 11.5) and 0.3 ms more package init per start.
func startLambda(ctx context.Context, s *Server) {
	lambda.StartWithOptions(s.Lambda, lambda.WithContext(ctx))
}

// Lambda serves one AWS Lambda function URL event (payload format 2.0)
// through the same handler as the HTTP server, bounds included: the event
// becomes an http.Request, the handler's answer a function URL response.
// A request the event cannot describe as HTTP is answered 400, never an
// invocation error (which the function URL would turn into a bare 502).
func (s *Server) Lambda(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	rec := &recorder{header: http.Header{}}
	r, err := requestOf(ctx, ev)
	if err != nil {
		writeMessage(rec, http.StatusBadRequest, "the request could not be read")
	} else {
		s.ServeHTTP(rec, r)
	}
	return rec.response(), nil
}

// requestOf rebuilds the HTTP request a function URL event describes.
func requestOf(ctx context.Context, ev events.LambdaFunctionURLRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, err
		}
	}
	target := ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.RequestURI = target
	r.Host = ev.RequestContext.DomainName
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	// Function URLs give each header once, lower-case, repeated values
	// joined by commas; cookies apart.
	for name, value := range ev.Headers {
		if !strings.EqualFold(name, "Host") {
			r.Header.Set(name, value)
		}
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.ContentLength = int64(len(body))
	return r, nil
}

// recorder keeps the handler's answer for the function URL response.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *recorder) response() events.LambdaFunctionURLResponse {
	out := events.LambdaFunctionURLResponse{StatusCode: w.code, Headers: map[string]string{}}
	if out.StatusCode == 0 {
		out.StatusCode = http.StatusOK
	}
	for name, values := range w.header {
		if name == "Set-Cookie" {
			out.Cookies = append(out.Cookies, values...)
			continue
		}
		out.Headers[strings.ToLower(name)] = strings.Join(values, ", ")
	}
	if b := w.body.Bytes(); utf8.Valid(b) {
		out.Body = string(b)
	} else {
		out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return out
}
