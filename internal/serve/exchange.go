package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/ghtext"
)

// outcome is how one exchange ended: what is answered, audited and counted.
type outcome struct {
	status int
	// reason is the machine word: the grant's reason, the refusal's kind,
	// or the door's own ("saturated", "timeout", "internal", ...).
	reason     string
	rule       string
	message    string
	retryAfter time.Duration
	grant      *broker.Grant
	audit      broker.Audit
	// guard keeps the request's bearer out of what a refusal shows.
	guard *guard
}

// refused is the door's own refusal of req.
func refused(status int, reason, rule, message string, req broker.Request) outcome {
	return outcome{status: status, reason: reason, rule: rule, message: message,
		audit: broker.Audit{Identity: req.Identity, Scope: req.Scope}}
}

// serveExchange serves GET /sts/exchange and POST /token: one answer, one
// audit line, one count, whatever happens.
func (s *Server) serveExchange(w http.ResponseWriter, r *http.Request, endpoint string) {
	start := s.cfg.Now()
	o := s.exchange(w, r)
	latency := s.cfg.Now().Sub(start)

	line := exchangeLine{Time: auditTime(start), Event: "exchange", Endpoint: endpoint, Status: o.status,
		Reason: auditText(o.reason, 64), Rule: auditText(o.rule, 128), LatencyMS: float64(latency.Microseconds()) / 1000}
	decision := "refused"
	if o.grant != nil {
		decision = "allowed"
		line.setGrant(o.grant)
		writeJSON(w, http.StatusOK, answerOf(o.grant))
	} else {
		o.message = o.guard.show(o.message)
		line.setAudit(o.audit, o.guard)
		line.Message = o.message
		if o.status == http.StatusTooManyRequests || o.status == http.StatusServiceUnavailable {
			setRetryAfter(w, o.retryAfter)
		}
		if o.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
		writeMessage(w, o.status, o.message)
	}
	line.Decision = decision
	if err := s.cfg.Audit.Line(line); err != nil {
		s.log.Error("could not write an audit line", "error", ghtext.Message(err.Error()))
	}
	s.cfg.Metrics.exchange(decision, o.reason, o.rule, latency)
}

// exchange checks the request against the door's bounds, reads it, and
// asks the exchanger.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request) outcome {
	if headerBytes(r) > MaxHeaderBytes {
		return refused(http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "", headersTooLarge, broker.Request{})
	}
	if !s.limit.acquire() {
		o := refused(http.StatusServiceUnavailable, "saturated", "", saturated, broker.Request{})
		o.retryAfter = time.Second
		return o
	}
	defer s.limit.release()
	var (
		req broker.Request
		bad *outcome
	)
	if r.Method == http.MethodGet {
		req, bad = parseQuery(r.URL.RawQuery)
	} else {
		req, bad = parseBody(w, r)
	}
	if bad != nil {
		return *bad
	}
	bearer, ok := bearerOf(r)
	if !ok {
		return refused(http.StatusUnauthorized, broker.BadToken.String(), "no_bearer", missingBearer, req)
	}
	req.Bearer = bearer
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	s.cfg.Metrics.inFlight.Inc()
	defer s.cfg.Metrics.inFlight.Dec()
	g, err := s.call(ctx, req)
	gd := newGuard(bearer)
	o := s.outcomeOf(r.Context(), ctx, req, g, err, gd)
	o.guard = gd
	return o
}

// call asks the exchanger, turning a panic into an error.
func (s *Server) call(ctx context.Context, req broker.Request) (g *broker.Grant, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("the exchange panicked: %s", ghtext.Panic(r))
		}
	}()
	return s.cfg.Exchanger.Exchange(ctx, req)
}

// outcomeOf reads the exchanger's answer; gd guards the log line of an
// unexpected error.
func (s *Server) outcomeOf(reqCtx, ctx context.Context, req broker.Request, g *broker.Grant, err error, gd *guard) outcome {
	if err == nil && g != nil && g.Token != "" {
		reason := g.Reason
		if reason == "" {
			reason = "granted"
		}
		return outcome{status: http.StatusOK, reason: reason, grant: g}
	}
	var be *broker.Error
	if errors.As(err, &be) && statusOf(be.Kind) != http.StatusInternalServerError {
		o := outcome{status: statusOf(be.Kind), reason: be.Kind.String(), rule: be.Rule,
			message: ghtext.Message(be.Message), retryAfter: be.RetryAfter, audit: be.Audit}
		if o.message == "" {
			o.message = "refused: " + o.reason
		}
		if o.audit.Identity == "" && o.audit.Scope == "" {
			o.audit.Identity, o.audit.Scope = req.Identity, req.Scope
		}
		return o
	}
	if reqCtx.Err() != nil { // the caller left, or the drain gave up
		o := refused(http.StatusServiceUnavailable, "canceled", "", "the request ended before the exchange did; try again", req)
		o.retryAfter = time.Second
		return o
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		o := refused(http.StatusServiceUnavailable, "timeout", "", tookTooLong, req)
		o.retryAfter = time.Second
		return o
	}
	if err == nil {
		s.log.Error("the exchange returned no token and no error")
	} else {
		s.log.Error("the exchange failed unexpectedly", "error", gd.show(ghtext.Message(err.Error())))
	}
	return refused(http.StatusInternalServerError, "internal", "", internalError, req)
}

// parseQuery reads GET /sts/exchange's query as octo-sts does: scope and
// identity, and scopes (its newest action's name) with the same value as
// scope; other parameters are ignored.
func parseQuery(raw string) (broker.Request, *outcome) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return badRequest("query", "the query string is not valid URL encoding", broker.Request{})
	}
	scope, ok1 := single(q, "scope")
	scopes, ok2 := single(q, "scopes")
	identity, ok3 := single(q, "identity")
	req := broker.Request{Scope: scope, Identity: identity}
	if req.Scope == "" {
		req.Scope = scopes
	}
	if !ok1 || !ok2 || !ok3 {
		return badRequest("query", "give each of scope, scopes and identity at most once", req)
	}
	if scope != "" && scopes != "" && scope != scopes {
		return badRequest("query", "scope and scopes differ; give one scope, OWNER/REPO or OWNER", req)
	}
	if req.Scope == "" || identity == "" {
		return badRequest("query", "the query needs scope=OWNER/REPO or scope=OWNER, and identity=NAME (the trust policy's name)", req)
	}
	return req, nil
}

// single is the one value of q's key ("" when absent); false when the
// key is given more than once.
func single(q url.Values, key string) (string, bool) {
	v := q[key]
	if len(v) > 1 {
		return "", false
	}
	if len(v) == 0 {
		return "", true
	}
	return v[0], true
}

func badRequest(rule, message string, req broker.Request) (broker.Request, *outcome) {
	o := refused(http.StatusBadRequest, broker.BadRequest.String(), rule, message, req)
	return req, &o
}

// bearerOf reads the one Authorization header's Bearer credential.
func bearerOf(r *http.Request) (string, bool) {
	values := r.Header.Values("Authorization")
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	token = strings.TrimLeft(token, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
