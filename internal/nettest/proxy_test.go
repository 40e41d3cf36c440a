package nettest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run one after another (no t.Parallel) so that the leak check
// at each proxy's close sees only what that proxy left behind.

// echoServer answers every byte with itself until the client half-closes,
// then closes. It lives for the rest of the test.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				io.Copy(c, c)
			})
		}
	})
	return ln.Addr().String()
}

// start runs a proxy to target for the rest of the test, and checks at the
// end that closing it left none of its goroutines behind.
func start(t *testing.T, target string, rtt time.Duration) *Proxy {
	t.Helper()
	p, err := New(target, rtt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		// Close returns once every goroutine has called Done; one may
		// still be returning from its last frame (seen under load), so
		// look again for a bounded while before calling it a leak.
		left := proxyGoroutines()
		for i := 0; left != "" && i < 100; i++ {
			time.Sleep(10 * time.Millisecond)
			left = proxyGoroutines()
		}
		if left != "" {
			t.Errorf("goroutines of the proxy still running after Close:\n%s", left)
		}
	})
	return p
}

// proxyGoroutines lists the goroutines running this package's proxy code
// (not the tests' own).
func proxyGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/nettest.(*") && !strings.Contains(g, "internal/nettest.Test") {
			left = append(left, g)
		}
	}
	return strings.Join(left, "\n\n")
}

func dial(t *testing.T, p *Proxy) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// exchange sends msg and reads it back, and says how long that took.
func exchange(t *testing.T, c net.Conn, msg []byte) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo %q, want %q", got, msg)
	}
	return time.Since(start)
}

// A connection's first exchange costs the handshake's round trip and its
// own; every later one a round trip. Only lower bounds are asserted (a busy
// machine can only add); the figures are logged to compare with the RTT.
func TestRoundTrip(t *testing.T) {
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(rtt.String(), func(t *testing.T) {
			p := start(t, echoServer(t), rtt)
			if p.RTT() != rtt {
				t.Errorf("RTT() = %v, want %v", p.RTT(), rtt)
			}
			begin := time.Now()
			c := dial(t, p)
			exchange(t, c, []byte("ping"))
			first := time.Since(begin) // the connect included
			var later []time.Duration
			for range 5 {
				later = append(later, exchange(t, c, []byte("pong")))
			}
			t.Logf("RTT %v: connect + first exchange %v (%.2f RTT), later exchanges %v", rtt, first, ratio(first, rtt), later)
			if first < 2*rtt {
				t.Errorf("connect + first exchange took %v, want at least 2 RTT (%v): the handshake costs one", first, 2*rtt)
			}
			for _, d := range later {
				if d < rtt {
					t.Errorf("an exchange took %v, want at least the RTT %v", d, rtt)
				}
			}
		})
	}
}

func ratio(d, rtt time.Duration) float64 {
	if rtt == 0 {
		return 0
	}
	return float64(d) / float64(rtt)
}

// Each accepted connection is counted once, and the bytes each way are
// what the exchanges carried.
func TestCounts(t *testing.T) {
	p := start(t, echoServer(t), 2*time.Millisecond)
	for i := range 3 {
		c := dial(t, p)
		exchange(t, c, bytes.Repeat([]byte{'x'}, 100+i))
	}
	want := Stats{Conns: 3, Up: 303, Down: 303}
	if got := p.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	before := p.Stats()
	exchange(t, dial(t, p), []byte("once more"))
	if got := p.Stats().Sub(before); got != (Stats{Conns: 1, Up: 9, Down: 9}) {
		t.Errorf("Stats().Sub = %+v, want one connection and 9 bytes each way", got)
	}
}

// Concurrent streams each arrive whole and in order, and a stream is late
// by RTT/2 as a whole, not by RTT/2 per chunk: 8 streams of 4 MiB, which a
// delay per 32 KiB read would take at least 128 × 100 ms = 12.8 s each way
// to carry, arrive well within that (about 2 s on a busy 2-core machine).
func TestStreamsIntact(t *testing.T) {
	const (
		streams = 8
		size    = 4 << 20
		rtt     = 200 * time.Millisecond
	)
	perChunkFloor := time.Duration(size/readSize) * rtt / 2
	p := start(t, echoServer(t), rtt)
	var wg sync.WaitGroup
	took := make([]time.Duration, streams)
	errs := make([]error, streams)
	begin := time.Now()
	for i := range streams {
		c := dial(t, p)
		c.SetDeadline(time.Now().Add(perChunkFloor))
		wg.Go(func() { took[i], errs[i] = stream(c, uint64(i), size) })
	}
	wg.Wait()
	t.Logf("%d streams of %d MiB through RTT %v, echoed: %v (%.0f MB/s in all); one delay per read would take at least %v",
		streams, size>>20, rtt, took, float64(2*streams*size)/time.Since(begin).Seconds()/1e6, perChunkFloor)
	for i, err := range errs {
		if err != nil {
			t.Errorf("stream %d: %v", i, err)
		}
	}
	for i, d := range took {
		if errs[i] == nil && d < rtt+rtt { // connect, then at least one round trip
			t.Errorf("stream %d took %v, want at least 2 RTT", i, d)
		}
	}
	if got, want := p.Stats(), (Stats{Conns: streams, Up: streams * size, Down: streams * size}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// stream writes size pseudo-random bytes and half-closes, while reading the
// echo, and checks it is the same bytes in the same order.
func stream(c *net.TCPConn, seed uint64, size int) (time.Duration, error) {
	start := time.Now()
	data := make([]byte, size)
	var key [32]byte
	key[0] = byte(seed)
	rand.NewChaCha8(key).Read(data)
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err == nil {
		err = <-werr
	}
	switch {
	case err != nil:
		return 0, err
	case n != int64(size):
		return 0, errors.New("echo cut short")
	case !bytes.Equal(h.Sum(nil), sha(data)):
		return 0, errors.New("echo differs from what was sent")
	}
	return time.Since(start), nil
}

func sha(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// Close cuts every connection wherever it is: one in the handshake's wait,
// one idle after an exchange, one with bytes in flight. Their clients see
// the end, new connections are refused, and no goroutine of the proxy is
// left (start's cleanup checks).
func TestCloseEndsEverything(t *testing.T) {
	p := start(t, echoServer(t), 200*time.Millisecond)
	handshaking := dial(t, p)
	idle := dial(t, p)
	exchange(t, idle, []byte("hello"))
	inFlight := dial(t, p)
	inFlight.Write([]byte("still on the wire"))
	time.Sleep(10 * time.Millisecond) // read by the proxy, not yet delivered

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Close did not return; running:\n%s", proxyGoroutines())
	}
	for name, c := range map[string]net.Conn{"handshaking": handshaking, "idle": idle, "in flight": inFlight} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(make([]byte, 64))
		var ne net.Error
		if err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: read %d bytes, %v after Close; want the connection ended", name, n, err)
		}
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("a connection was accepted after Close")
	}
}
