// Package ghtransport holds the http.RoundTrippers under every GitHub call
// the core makes, whichever door asked, so that a transient GitHub fault
// does not fail a release. It knows no door and no setting: its errors are
// typed data (ClockSkewError, UncertainError, BodyTooLargeError) that the
// core explains in the door's words.
//
// Each transport has one job and can be tested alone:
//
//   - [Retry] repeats a call after network faults, 5xx answers and rate
//     limits, within a [Policy] budget;
//   - [AppJWT] signs each call with an App JWT from a [JWTSource] and
//     recovers once when the local clock disagrees with GitHub's;
//     [ReuseJWT] under it lets calls share one JWT while it has
//     [Policy.JWTMargin] left to live;
//   - [LimitBody] fails the reading of any answer past [MaxAnswer] bytes
//     once decompressed, so a hostile server cannot exhaust memory;
//   - [NewBase] is the innermost transport: HTTP/1.1 only, headers bounded,
//     with proxy settings taken from an injected environment.
//
// go-github sits above them (internal/ghclient). Retrying happens here,
// below go-github, so that every call's retries and waits follow one policy
// whichever way ghclient makes it; ghclient also gives each call a fresh
// go-github client, as one that has seen a rate-limit answer refuses later
// typed calls locally until the reset, without asking GitHub again.
//
// The intended stack for App (JWT) calls is
//
//	&Retry{Base: &AppJWT{Base: &LimitBody{Base: NewBase(getenv)},
//		Source: &ReuseJWT{Source: s, Margin: p.JWTMargin()}}, Policy: p}
//
// so that every retry carries a JWT that outlives it, signed once per run
// rather than once per call (a long rate-limit wait gets a new one); for
// installation-token calls it is Retry over LimitBody over NewBase, with
// the token added above.
//
// Nothing here logs or returns headers or bodies: tokens and JWTs travel only
// in the Authorization header and never reach an error or a log line. A
// network error can quote a server's bytes (a malformed status line), so
// the retry log shows it only through ghtext.Message.
package ghtransport
