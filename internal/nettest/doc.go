// Package nettest is test support, never part of the action's binary: a TCP
// proxy that puts a server one round-trip time (RTT) away on loopback, for
// tests and benchmarks that count what a path costs in round trips (this
// kernel has no netem to delay loopback itself).
//
// New(target, rtt) listens on 127.0.0.1 and forwards each connection to
// target. Each direction is a queue of (release time, chunk): a chunk read
// at t is written at t+RTT/2, so bytes keep their order and a stream keeps
// its throughput, late by RTT/2 as a whole rather than per read. The end of
// a stream (FIN, passed on as a half-close) and a reset travel the same
// queue, as late as the bytes before them.
//
// The TCP handshake costs its round trip too. Loopback completes the
// client's connect at once, so the proxy dials the target 1.5 RTT after the
// accept, when the handshake's third packet would reach a server RTT/2
// away (SYN out, SYN-ACK back, ACK out); what the client sent meanwhile is
// queued and arrives then, as it would have had the client sent it after a
// real connect. So connect and a first exchange take 2 RTT, and TLS 1.3
// through the proxy (which passes it untouched) costs TCP + one RTT for the
// handshake + one per request: 3 RTT for a first request on a new
// connection. What the proxy cannot give the client is a slow connect()
// call itself; no client we measure times that apart.
//
// Stats counts connections accepted and bytes delivered each way; Close cuts
// every connection and returns once every goroutine it started has ended.
//
// # Why not toxiproxy
//
// Issue 25 names toxiproxy's Go module as the maintained alternative. Its
// newest version on the module proxy, github.com/Shopify/toxiproxy/v2
// v2.5.0, was tried in process (NewServer, NewProxy and two latency toxics,
// upstream and downstream, 25 ms each) against the same echo server:
//
//   - its latency toxic is also a queue of time-stamped chunks (1024 per
//     direction), so it keeps throughput; but
//   - it dials the target as soon as it accepts, so a new connection costs
//     no round trip: connect plus a first exchange took 52.6 ms at RTT
//     50 ms (1.05 RTT, where TCP takes 2), which hides exactly what issue 25
//     counts, the connections a path opens;
//   - it does not pass a half-close on: a client that sends 4 MiB and
//     half-closes got 1.8 to 3.6 MB of its echo back in three runs (this
//     proxy: all of it, TestStreamsIntact);
//   - it counts bytes and connections only through Prometheus collectors;
//   - it would add 17 modules to go.mod (zerolog, the Prometheus client and
//     protobuf, gorilla/mux, tomb, ...), 109 in the module graph, and a
//     15.6 MB binary for a 60-line program, to a module that keeps its
//     test dependencies few.
//
// This package is under 300 lines with no dependency beyond the standard
// library.
package nettest
