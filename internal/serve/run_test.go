package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// --listen wins; else $PORT, as Cloud Run sets it; else :8080. A PORT
// that is not a port is refused before listening.
func TestListenAddress(t *testing.T) {
	t.Parallel()
	env := func(port string) func(string) string {
		return func(k string) string {
			if k == "PORT" {
				return port
			}
			return ""
		}
	}
	for _, c := range []struct{ listen, port, want string }{
		{"", "", ":8080"},
		{"", "9090", ":9090"},
		{"127.0.0.1:7000", "9090", "127.0.0.1:7000"},
		{"", "1", ":1"},
		{"", "65535", ":65535"},
	} {
		if got, err := listenAddress(c.listen, env(c.port)); err != nil || got != c.want {
			t.Errorf("%q %q: %q %v", c.listen, c.port, got, err)
		}
	}
	for _, port := range []string{"0", "65536", "http", "80 ", "+80", "080", "-1"} {
		if _, err := listenAddress("", env(port)); err == nil || !strings.Contains(err.Error(), "PORT") {
			t.Errorf("PORT=%q: %v", port, err)
		}
	}
}

// Run refuses a config it cannot serve, before listening.
func TestRunRefusesIncompleteConfig(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	full := Config{Exchanger: &fake{}, Audit: NewAudit(io.Discard), Log: io.Discard, Getenv: getenv}
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Exchanger = nil }, "no exchanger"},
		{func(c *Config) { c.Audit = nil }, "no audit writer"},
		{func(c *Config) { c.Log = nil }, "no log writer"},
		{func(c *Config) { c.Getenv = nil }, "no Getenv"},
		{func(c *Config) { c.Getenv = func(k string) string { return map[string]string{"PORT": "x"}[k] } }, "PORT"},
		{func(c *Config) { c.Listen = "256.0.0.1:1" }, "cannot listen on"},
	} {
		cfg := full
		c.edit(&cfg)
		if err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q: %v", c.want, err)
		}
	}
}

// Run listens where it is told and stops with its context.
func TestRunListens(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log buffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Exchanger: &fake{}, Audit: NewAudit(io.Discard), Log: &log, Listen: addr,
			Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
	if !strings.Contains(log.String(), `"address":"`+addr+`"`) {
		t.Errorf("log: %s", log.String())
	}
}
