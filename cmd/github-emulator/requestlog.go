package main

import (
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// statusRecorder remembers the status a handler answered with. Unwrap lets
// http.ResponseController reach the real writer, so the emulator can still
// hijack the connection for a dropped-connection fault.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs one line per request: method, path, status, kind of
// credential and duration. It never logs the Authorization value, the query
// or the body, where a token or key could be.
func logRequests(l *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := "-" // nothing written: the connection was dropped or the client left
		if rec.status != 0 {
			status = strconv.Itoa(rec.status)
		}
		l.Printf("%s %q %s auth=%s %s", r.Method, r.URL.Path, status,
			githubtest.AuthKind(r.Header.Get("Authorization")), time.Since(start).Round(time.Microsecond))
	})
}
