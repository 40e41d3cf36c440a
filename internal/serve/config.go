package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// Exchanger is the exchange the door serves: internal/broker's Broker.
// It must return a *broker.Error for every refusal; any other error is
// answered 500 and logged.
type Exchanger interface {
	Exchange(ctx context.Context, req broker.Request) (*broker.Grant, error)
}

// The fixed bounds of every request.
const (
	// MaxHeaderBytes bounds a request's header fields (names, values and
	// their separators); more is answered 431.
	MaxHeaderBytes = 32 << 10
	// MaxBodyBytes bounds a request's body; more is answered 413.
	MaxBodyBytes = 64 << 10
)

// The defaults of Config's durations and limits, used where a field is 0.
const (
	DefaultListen            = ":8080"
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultRequestTimeout    = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultDrainTimeout      = 10 * time.Second
	DefaultMaxConcurrent     = 64
	DefaultMaxConnections    = 1024
)

// Config is what a serve command fills in. Zero durations and limits take
// the defaults above.
type Config struct {
	// Exchanger mints; required.
	Exchanger Exchanger
	// Hooks, when set, serves every path under /hooks/, behind the same
	// header and body bounds and the same concurrency limit as the
	// exchange. Its audit lines go to Audit, which its maker is given.
	Hooks http.Handler
	// Audit gets one JSON line per exchange, allowed or refused (stdout);
	// required.
	Audit *Audit
	// Log gets the server's own JSON lines: start, stop, faults (stderr),
	// through a scrubbing writer; required.
	Log io.Writer
	// Metrics is reported at /metrics; nil makes one. Its Tap should wrap
	// the exchange's base transport and it should be the broker's
	// Observer, so that GitHub calls and cache lookups are counted.
	Metrics *Metrics

	// Listen is the address to listen on; "" means ":$PORT" when PORT is
	// set (as Cloud Run sets it), else DefaultListen. Listener, when set,
	// is used instead (tests).
	Listen   string
	Listener net.Listener

	// Getenv reads PORT and AWS_LAMBDA_RUNTIME_API; required for Run.
	Getenv func(string) string
	// Now is the clock of audit lines and latencies; nil means time.Now.
	Now func() time.Time

	// ReadHeaderTimeout bounds reading a request's header (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included.
	ReadTimeout time.Duration
	// RequestTimeout is each exchange's deadline; WriteTimeout follows it.
	RequestTimeout time.Duration
	// IdleTimeout closes kept-alive connections left idle.
	IdleTimeout time.Duration
	// DrainTimeout bounds how long Run waits for exchanges in flight when
	// its context ends (SIGTERM); then it cuts them off.
	DrainTimeout time.Duration
	// MaxConcurrent bounds exchanges (and hooks) served at once; one more
	// is answered 503 with Retry-After at once, never queued.
	MaxConcurrent int
	// MaxConnections bounds open connections: past it, new ones wait in
	// the kernel's accept queue, costing the process nothing.
	MaxConnections int
}

func (c *Config) defaults() error {
	if c.Exchanger == nil {
		return errors.New("serve: no exchanger")
	}
	if c.Audit == nil {
		return errors.New("serve: no audit writer")
	}
	if c.Log == nil {
		return errors.New("serve: no log writer")
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	orDefault(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&c.ReadTimeout, DefaultReadTimeout)
	orDefault(&c.RequestTimeout, DefaultRequestTimeout)
	orDefault(&c.IdleTimeout, DefaultIdleTimeout)
	orDefault(&c.DrainTimeout, DefaultDrainTimeout)
	orDefault(&c.MaxConcurrent, DefaultMaxConcurrent)
	orDefault(&c.MaxConnections, DefaultMaxConnections)
	return nil
}

func orDefault[T time.Duration | int](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// listenAddress is where Run listens: Listen when given, else ":$PORT"
// when PORT is set (Cloud Run's contract), else DefaultListen.
func listenAddress(listen string, getenv func(string) string) (string, error) {
	if listen != "" {
		return listen, nil
	}
	port := getenv("PORT")
	if port == "" {
		return DefaultListen, nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("serve: the variable PORT is not a port number (1 to 65535); unset it or give --listen")
	}
	return ":" + port, nil
}
