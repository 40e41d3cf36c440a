// Package serve is the token broker's HTTP door (`app-token serve`): the
// third door beside the action and the command line, over the exchange
// core (internal/broker). A serve command fills a Config and calls Run.
//
// Endpoints (docs/broker.md): GET /sts/exchange, octo-sts's exchange, so
// its action and clients work unchanged; POST /token, the same with a
// JSON body that narrows the grant; GET /healthz; GET /metrics in
// Prometheus' text format; and, when Config.Hooks is set, /hooks/.
// Every refusal is JSON {"message": ...} with a status from the core's
// error kind; every exchange, allowed or refused, writes one JSON audit
// line (Audit, stdout); the server's own lines go to Config.Log (stderr).
// Both pass the project's checkpoint for secrets (secret.Writer), and text
// from outside is held to secret.Printable and bounded.
//
// Bounds: header fields at most MaxHeaderBytes (431), bodies at most
// MaxBodyBytes (413), a read-header timeout against slow clients, a
// deadline per exchange, at most MaxConcurrent exchanges and hooks at once
// (one more is answered 503 with Retry-After, never queued), at most
// MaxConnections connections, idle connections closed. When Run's context
// ends (SIGTERM, through main's signal handling) the listener closes and
// exchanges in flight get DrainTimeout (10 s) to finish.
//
// Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) Run serves function URL
// events through the same handler instead of listening.
//
// Metrics live in a metrics.Set of the server's own, made when serve
// starts (github.com/VictoriaMetrics/metrics: a few small modules, where
// prometheus/client_golang would link protobuf into every process,
// the action's included).
package serve
