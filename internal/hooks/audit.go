package hooks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
)

// auditLine is one delivery as the audit records it. It holds no secret,
// signature, token or body: the hook's name (a name of the file, or the
// URL's when it names no hook and is a name), the repository, what was
// decided and why, the status, the delivery ID (held to secret.Printable's
// rule and MaxDeliveryID; one shaped like a credential is not shown), and
// the time taken.
type auditLine struct {
	Time       string  `json:"time"`
	Hook       string  `json:"hook,omitempty"`
	Repository string  `json:"repository,omitempty"`
	Decision   string  `json:"decision"`
	Reason     string  `json:"reason,omitempty"`
	Status     int     `json:"status"`
	Delivery   string  `json:"delivery,omitempty"`
	LatencyMS  float64 `json:"latency_ms"`
}

// audit writes one line for a delivery, in one Write.
func (h *Handler) audit(start time.Time, name string, hook *Hook, known bool, a answer, delivery string) {
	end := h.o.Now()
	line := auditLine{
		Time:      end.UTC().Format(time.RFC3339Nano),
		Decision:  a.decision,
		Reason:    a.reason,
		Status:    a.status,
		LatencyMS: float64(end.Sub(start).Microseconds()) / 1000,
	}
	if known {
		line.Hook, line.Repository = hook.Name, hook.Owner+"/"+hook.Repo
	} else if ghtext.IsName(name) && !secret.Looks(name) {
		line.Hook = name
	}
	if delivery != "" {
		line.Delivery = secret.Printable(delivery, MaxDeliveryID)
		if secret.Looks(delivery) {
			line.Delivery = fmt.Sprintf("(%d characters, not shown)", len(delivery))
		}
	}
	b, _ := json.Marshal(line) // strings and numbers always marshal
	h.auditMu.Lock()
	defer h.auditMu.Unlock()
	_, _ = h.o.Audit.Write(append(b, '\n'))
}
