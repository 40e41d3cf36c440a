package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"golang.org/x/net/netutil"
)

// The endpoints, by path; their names are the metrics' endpoint label.
const (
	pathExchange = "/sts/exchange"
	pathToken    = "/token"
	pathHealth   = "/healthz"
	pathMetrics  = "/metrics"
	pathHooks    = "/hooks/"
)

// Server is the broker's HTTP door: its handler serves every endpoint, Serve
// runs it on a listener until its context ends and then drains.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit limiter
	// running counts the requests being served, for the drain's log lines
	// and to wait for exchanges cut off.
	running sync.WaitGroup
}

// New checks cfg and makes the server; it listens on nothing yet.
func New(cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(&secret.Writer{W: cfg.Log}, nil))
	return &Server{cfg: cfg, log: logger, limit: make(limiter, cfg.MaxConcurrent)}, nil
}

// Metrics is what the server reports at /metrics.
func (s *Server) Metrics() *Metrics { return s.cfg.Metrics }

// Run serves cfg until ctx ends, then drains: exchanges in flight get
// DrainTimeout to finish, new connections are refused, and Run returns nil
// once all are done. Under AWS Lambda (AWS_LAMBDA_RUNTIME_API is set, as
// the Lambda runtime sets it for every function) it serves function URL
// events instead, through the same handler, and does not return.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Getenv == nil {
		return errors.New("serve: no Getenv")
	}
	s, err := New(cfg)
	if err != nil {
		return err
	}
	ln := cfg.Listener
	if ln == nil {
		if cfg.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
			s.log.Info("serving AWS Lambda function URL events")
			startLambda(ctx, s)
			return nil
		}
		addr, err := listenAddress(cfg.Listen, cfg.Getenv)
		if err != nil {
			return err
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("serve: cannot listen on %s: %s", secret.Quote(addr), ghtext.Message(err.Error()))
		}
	}
	return s.Serve(ctx, ln)
}

// cutOffGrace is how long exchanges cut off at the drain's end get to
// notice and return (revoking what they minted) before Serve returns.
const cutOffGrace = time.Second

// Serve serves on ln until ctx ends, then drains (see Run). It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests must not end with ctx: a SIGTERM drains them instead. base
	// ends only when the drain gives up.
	base, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.ReadTimeout + s.cfg.RequestTimeout + time.Second,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(netutil.LimitListener(ln, s.cfg.MaxConnections)) }()
	s.log.Info("listening", "address", ln.Addr().String())
	select {
	case err := <-served:
		return fmt.Errorf("serve: %s", ghtext.Message(err.Error()))
	case <-ctx.Done():
	}
	s.log.Info("draining", "timeout_seconds", s.cfg.DrainTimeout.Seconds())
	drain, cancel := context.WithTimeout(context.Background(), s.cfg.DrainTimeout)
	defer cancel()
	if err := hs.Shutdown(drain); err != nil {
		cutOff()
		_ = hs.Close()
		waited := make(chan struct{})
		go func() { s.running.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(cutOffGrace):
		}
		s.log.Warn("stopped: requests still running at the drain's end were cut off", "timeout_seconds", s.cfg.DrainTimeout.Seconds())
		return fmt.Errorf("serve: requests were still running %s after the signal to stop, and were cut off", s.cfg.DrainTimeout)
	}
	s.log.Info("stopped")
	return nil
}

// ServeHTTP serves every endpoint (docs/broker.md, "Endpoints").
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.running.Add(1)
	defer s.running.Done()
	rec := &statusWriter{ResponseWriter: w}
	endpoint := endpointOf(r.URL.Path, s.cfg.Hooks != nil)
	defer func() { s.cfg.Metrics.request(endpoint, rec.code) }()
	defer s.recoverPanic(rec)
	// An if chain, not a switch: mutation testing sees its conditions.
	allow := allowed[endpoint]
	if endpoint == pathExchange && r.Method == http.MethodGet || endpoint == pathToken && r.Method == http.MethodPost {
		s.serveExchange(rec, r, endpoint) // its own bounds, audited
		return
	}
	if headerBytes(r) > MaxHeaderBytes {
		writeMessage(rec, http.StatusRequestHeaderFieldsTooLarge, headersTooLarge)
		return
	}
	if endpoint == pathHooks {
		s.serveHook(rec, r)
		return
	}
	if allow == "" {
		writeMessage(rec, http.StatusNotFound, "no such endpoint; this broker serves GET /sts/exchange, POST /token, GET /healthz and GET /metrics")
		return
	}
	if !slices.Contains(strings.Split(allow, ", "), r.Method) {
		notAllowed(rec, allow)
		return
	}
	if endpoint == pathHealth {
		writeJSON(rec, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	rec.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.cfg.Metrics.WritePrometheus(rec)
}

// allowed are the methods of each endpoint but the hooks', as Allow
// names them.
var allowed = map[string]string{pathExchange: "GET", pathToken: "POST", pathHealth: "GET, HEAD", pathMetrics: "GET"}

// endpointOf names the endpoint a path asks for; "other" for none.
func endpointOf(path string, hooks bool) string {
	if allowed[path] != "" {
		return path
	}
	if hooks && strings.HasPrefix(path, pathHooks) {
		return pathHooks
	}
	return "other"
}

// serveHook hands a webhook to Hooks behind the exchange's bounds.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request) {
	if !s.limit.acquire() {
		busy(w)
		return
	}
	defer s.limit.release()
	// An oversized body is the hooks' to refuse (413) too, so that its
	// delivery has its audit line; the reader holds them to the bound.
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	s.cfg.Hooks.ServeHTTP(w, r.WithContext(ctx))
}

// recoverPanic answers 500 for a handler that panicked and logs the
// panic's value (short, one line, scrubbed), never its stack.
func (s *Server) recoverPanic(w *statusWriter) {
	if r := recover(); r != nil {
		if r == http.ErrAbortHandler {
			panic(r)
		}
		s.log.Error("a request's handler panicked", "panic", ghtext.Panic(r))
		if w.code == 0 {
			writeMessage(w, http.StatusInternalServerError, internalError)
		}
	}
}

// statusWriter remembers the status written, for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
