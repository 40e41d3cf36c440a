package nettest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// readSize is the most one read takes from a socket: one chunk.
	readSize = 32 << 10
	// queueLen bounds the chunks in flight one way on one connection,
	// 32 MiB at most: enough to keep loopback's throughput at a
	// benchmark's round trips, and a bound on what a test can pile up.
	queueLen = 1024
	// dialTimeout bounds the dial to the target, which is on loopback.
	dialTimeout = 5 * time.Second
)

// Proxy forwards TCP connections from its own loopback address to a target,
// one round-trip time (RTT) away: every byte arrives RTT/2 after it was sent,
// in each direction, and a new connection costs one RTT before its first
// byte can be answered, as TCP's handshake does. Its methods are safe for
// concurrent use.
type Proxy struct {
	ln     net.Listener
	target string
	half   time.Duration // RTT/2, each direction's delay

	conns, up, down atomic.Int64

	wg     sync.WaitGroup
	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool
}

// Stats are a Proxy's counters since it started.
type Stats struct {
	Conns int64 // connections accepted
	Up    int64 // bytes delivered from clients to the target
	Down  int64 // bytes delivered from the target to clients
}

// Sub is s minus an earlier reading, what happened in between.
func (s Stats) Sub(before Stats) Stats {
	return Stats{Conns: s.Conns - before.Conns, Up: s.Up - before.Up, Down: s.Down - before.Down}
}

// New starts a proxy on 127.0.0.1 (a free port) to target, a host:port,
// rtt away. rtt 0 forwards at once. The caller closes it.
func New(target string, rtt time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, half: max(rtt, 0) / 2, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the host:port clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// RTT is the round trip the proxy adds.
func (p *Proxy) RTT() time.Duration { return 2 * p.half }

// Stats reads the counters.
func (p *Proxy) Stats() Stats {
	return Stats{Conns: p.conns.Load(), Up: p.up.Load(), Down: p.down.Load()}
}

// Close stops accepting, cuts every connection (bytes still in flight are
// dropped, as a pulled cable drops them) and returns once every goroutine
// the proxy started has ended.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, l := range links {
		l.kill()
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.conns.Add(1)
		l := p.newLink(c)
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			l.kill()
			continue
		}
		p.links[l] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(l)
	}
}

// link is one client connection and, once dialled, its connection to the
// target. Cancelling ctx (kill) ends everything the link runs.
type link struct {
	ctx      context.Context
	cancel   context.CancelFunc
	accepted time.Time
	half     time.Duration

	mu             sync.Mutex
	client, server net.Conn
}

func (p *Proxy) newLink(c net.Conn) *link {
	ctx, cancel := context.WithCancel(context.Background())
	return &link{ctx: ctx, cancel: cancel, accepted: time.Now(), half: p.half, client: c}
}

// kill cuts both connections; every goroutine of the link then ends.
func (l *link) kill() {
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.client.Close()
	if l.server != nil {
		l.server.Close()
	}
}

// serve carries one connection. The client's bytes are read and queued from
// the start; the target is dialled 1.5 RTT after the accept, when the
// handshake's third packet would reach it (SYN out, SYN-ACK back, ACK out).
// So a client's first bytes, sent at once on loopback, reach the target when
// they would have if sent after a real connect: one RTT plus half of one.
func (p *Proxy) serve(l *link) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	var wg sync.WaitGroup
	defer wg.Wait() // after the kill below, which unblocks every read
	defer l.kill()
	up := make(chan chunk, queueLen)
	wg.Go(func() { l.read(l.client, up) })
	if !l.waitUntil(l.accepted.Add(3 * l.half)) {
		return
	}
	d := net.Dialer{Timeout: dialTimeout}
	server, err := d.DialContext(l.ctx, "tcp", p.target)
	if err != nil {
		return // the client sees its connection closed, as a refused one
	}
	l.mu.Lock()
	l.server = server
	l.mu.Unlock()
	if l.ctx.Err() != nil { // killed while dialling
		server.Close()
		return
	}
	down := make(chan chunk, queueLen)
	wg.Go(func() { l.read(server, down) })
	upDone := make(chan bool, 1)
	wg.Go(func() { upDone <- l.write(server, up, &p.up) })
	// Both directions must end cleanly (each side's FIN passed on) for the
	// link to close without cutting anything; an error on either cuts both.
	if l.write(l.client, down, &p.down) {
		select {
		case <-upDone:
		case <-l.ctx.Done():
		}
	}
}

// chunk is bytes read at one moment, or the end of the stream (err set),
// with the time they reach the other side.
type chunk struct {
	at  time.Time
	b   []byte
	err error
}

// read queues what src sends, each chunk stamped with its arrival time, and
// then the end of the stream, so a FIN or reset arrives as late as the bytes.
func (l *link) read(src net.Conn, q chan<- chunk) {
	buf := make([]byte, readSize)
	for {
		n, err := src.Read(buf)
		if n > 0 && !l.send(q, chunk{at: time.Now().Add(l.half), b: bytes.Clone(buf[:n])}) {
			return
		}
		if err != nil {
			l.send(q, chunk{at: time.Now().Add(l.half), err: err})
			return
		}
	}
}

func (l *link) send(q chan<- chunk, c chunk) bool {
	select {
	case q <- c:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// write delivers q's chunks to dst, each at its time, counting the bytes.
// It reports whether the stream ended cleanly: then dst's side is
// half-closed, as the FIN reaches it. Waiting for an absolute time rather
// than sleeping a delay per chunk is what keeps throughput: a stream of
// chunks is late by RTT/2 as a whole, not by RTT/2 per chunk.
func (l *link) write(dst net.Conn, q <-chan chunk, n *atomic.Int64) bool {
	for {
		var c chunk
		select {
		case c = <-q:
		case <-l.ctx.Done():
			return false
		}
		if !l.waitUntil(c.at) {
			return false
		}
		if c.err != nil {
			if !errors.Is(c.err, io.EOF) {
				l.kill() // a reset or a broken read: cut both sides
				return false
			}
			if tc, ok := dst.(*net.TCPConn); ok && tc.CloseWrite() == nil {
				return true
			}
			return false
		}
		// Counted before the write returns, so that a client which has
		// read the bytes finds them counted.
		n.Add(int64(len(c.b)))
		w, err := dst.Write(c.b)
		if err != nil {
			n.Add(int64(w - len(c.b)))
			l.kill()
			return false
		}
	}
}

// waitUntil waits for t, and reports false if the link was killed first.
func (l *link) waitUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return l.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-l.ctx.Done():
		return false
	}
}
