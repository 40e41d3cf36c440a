// Package apptest is the test world the project's tests share: an emulated
// GitHub (internal/githubtest) and a step that uses the action
// (internal/runnertest), run as the runner runs the built binary
// (World.Main, World.Post), as a shell runs the command line (World.CLI),
// or in this process with injected clocks and transports (World.InProcess,
// for internal/action's tests); every byte a phase or a command writes is
// held to the leak checks. Beside it: the KMS and role worlds (local-kms,
// the runner's OIDC endpoint, STS), a step given a signed JWT, a GitHub
// Enterprise Server over TLS behind an HTTPS proxy, and the calls of one
// token's life with the faults tests put on them.
//
// e2e (the built binary's tests) calls Build and Setup from its TestMain;
// internal/action's in-process tests call Setup only.
//
// Test support only: no shipped package imports it, nor any other test
// support (TestShippedCodeImportsNoTestSupport).
package apptest
