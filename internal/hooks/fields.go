package hooks

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/suggest"
)

// checker records a problem with a field when ok is false and reports ok.
type checker func(field string, ok bool, format string, args ...any) bool

// readEvent reads the one dispatch a hook fires: event_type
// (repository_dispatch), or workflow with ref (workflow_dispatch).
func readEvent(h *Hook, fields map[string]string, check checker) {
	eventType, hasType := fields["event_type"]
	workflow, hasWorkflow := fields["workflow"]
	ref, hasRef := fields["ref"]
	if hasType {
		if !check("workflow", !hasWorkflow, "is set beside event_type: a hook sends repository_dispatch (event_type) or workflow_dispatch (workflow and ref), one of them") {
			return
		}
		check("ref", !hasRef, "belongs to workflow_dispatch (workflow); repository_dispatch (event_type) has none")
		check("event_type", len(eventType) <= maxEventType && secret.IsPrintable(eventType) && !secret.Looks(eventType),
			"is repository_dispatch's event type: one line of at most %d characters", maxEventType)
		h.EventType = eventType
		return
	}
	if !check("event_type", hasWorkflow, "missing: give event_type (repository_dispatch) or workflow and ref (workflow_dispatch)") {
		return
	}
	check("workflow", len(workflow) <= maxName && secret.IsPrintable(workflow) && !strings.ContainsAny(workflow, `/\`) && workflow != "." && workflow != "..",
		"is the workflow's file name (like deploy.yml, without .github/workflows/) or its ID")
	if check("ref", hasRef, "missing: name the branch or tag to run workflow %s on, e.g. ref: main", secret.Quote(workflow)) {
		check("ref", len(ref) <= maxName && secret.IsPrintable(ref) && !strings.ContainsAny(ref, " \t"),
			"is a branch or tag name (like main or v1.2), one word")
	}
	h.Workflow, h.Ref = workflow, ref
}

// readSecret reads the secret from the variable secret_env names. Only
// the variable's name is ever shown.
func readSecret(h *Hook, fields map[string]string, getenv func(string) string, check checker) {
	s, ok := fields["signature"]
	if !check("signature", ok, "missing: name how the sender proves it knows the secret: %s", strings.Join(schemeNames(), ", ")) {
		return
	}
	scheme, known := lookupScheme(s)
	if !known {
		what := "is " + secret.Quote(s)
		if near := suggest.Closest(strings.ToLower(s), schemeNames(), 2); near != "" {
			what += " (did you mean " + strconv.Quote(near) + "?)"
		}
		check("signature", false, "%s: it is one of %s", what, strings.Join(schemeNames(), ", "))
		return
	}
	h.Scheme = scheme
	env, ok := fields["secret_env"]
	if !check("secret_env", ok, "missing: name the environment variable that holds the shared secret") ||
		!check("secret_env", ghtext.IsName(env), "%s is not an environment variable's name (letters, digits and '_')", secret.Quote(env)) {
		return
	}
	h.SecretEnv = env
	value := getenv(env)
	if !check("secret_env", value != "", "the variable %s is not set or empty: set it to the shared secret in the broker's environment", env) ||
		!check("secret_env", len(value) >= MinSecret && len(value) <= MaxSecret,
			"the variable %s holds %d characters; a shared secret has %d to %d (generate one, e.g. openssl rand -hex 32)", env, len(value), MinSecret, MaxSecret) {
		return
	}
	// Sent as a header's value, a secret must survive as one: Go trims
	// a value's spaces, and controls do not pass.
	if scheme == Bearer || scheme == Header {
		check("secret_env", strings.TrimSpace(value) == value && secret.IsPrintable(value) && strings.IndexFunc(value, notASCII) < 0,
			"the variable %s holds spaces at its ends or characters a header cannot carry; %s sends the secret as a header's value", env, scheme)
	}
	h.key = &key{[]byte(value)}
}

func notASCII(r rune) bool { return r > 0x7e }

// readHeaders reads signature_header and delivery_header.
func readHeaders(h *Hook, fields map[string]string, check checker) {
	sch := schemes[h.Scheme]
	sig, hasSig := fields["signature_header"]
	h.SignatureHeader = http.CanonicalHeaderKey(sch.header)
	if hasSig && h.Scheme != 0 {
		if check("signature_header", sch.settable, "%s reads its own header (%s); leave signature_header out", h.Scheme, sch.header) &&
			check("signature_header", isHeaderName(sig), "%s is not a header's name (letters, digits and '-', at most %d)", secret.Quote(sig), maxName) {
			h.SignatureHeader = http.CanonicalHeaderKey(sig)
		}
	}
	if h.Scheme == Header {
		check("signature_header", hasSig, "missing: the header scheme needs the header that carries the secret, e.g. signature_header: X-Webhook-Secret")
	}
	d, ok := fields["delivery_header"]
	if !ok {
		return
	}
	if check("delivery_header", isHeaderName(d), "%s is not a header's name (letters, digits and '-', at most %d)", secret.Quote(d), maxName) {
		h.DeliveryHeader = http.CanonicalHeaderKey(d)
		// The audit line shows the delivery ID: never a secret's or a
		// signature's header.
		check("delivery_header", h.DeliveryHeader != h.SignatureHeader && h.DeliveryHeader != "Authorization",
			"%s carries the proof; the delivery ID is shown in the audit, so name a header that only identifies the delivery", d)
	}
}

// isHeaderName reports whether s is a header field's name as senders
// write them: letters, digits and '-' (RFC 9110's token, less the
// punctuation no webhook sender uses), at most maxName.
func isHeaderName(s string) bool {
	if s == "" || len(s) > maxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
