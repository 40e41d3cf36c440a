// Package githubtest is test support, never part of the action's binary: an
// in-process stand-in for GitHub's App API, with the endpoints the action
// uses to find an installation, mint and revoke an installation token, and
// use that token (list repositories, dispatch workflows).
//
// It exists so every package can be tested against something that answers
// like GitHub where the action can observe it: the same paths (with or
// without the GitHub Enterprise Server "/api/v3" prefix), the same JSON
// shapes, status codes and error texts, a Date header from a clock that can
// be skewed, rate-limit headers, and injectable faults (errors, delays,
// dropped connections). A *Server is an http.Handler; use it with
// net/http/httptest, or run cmd/github-emulator for demos.
//
// For tests of what a client reads, follows and prints, faults can also be
// hostile (hostile.go): echo the Authorization header, stream a gigabyte,
// gzip a body or send a gzip bomb. Recorder is a redirect target that
// records what reaches it, MalformedAPI a raw TCP "API" whose status line
// quotes the credential, and Server.JWTs lists every App JWT presented.
//
// For tests of a token broker, Issuer is an OpenID Connect issuer
// (discovery, JWKS, ID tokens with chosen claims, valid or hostile), and
// Config.Files puts files in repositories for the contents API, whose
// reads ContentReads records.
//
// Installations may be on an enterprise account (AccountEnterprise, found at
// /enterprises/{enterprise}/installation), and PrivateCA serves the emulator
// over HTTPS from a CA no system trusts, as a GitHub Enterprise Server
// behind a company's own CA (tls.go).
//
// Every exchange can be held to GitHub's published API description: a test
// binary's TestMain calls contract.Main (package contract, test-only), which
// installs a check through SetContractCheck. Config.Platform says which
// GitHub the emulator plays; answers GitHub never gives (faults) are marked
// so the check skips them, and a test's deliberately invalid request says so
// with the OffContract header (docs/api-contract.md).
//
// It is not a security boundary: it keeps every issued token in memory so
// tests can inspect them, and it never enforces rate limits on its own.
package githubtest
