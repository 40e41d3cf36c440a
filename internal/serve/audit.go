package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/secret"
)

// MaxAuditLine bounds one audit line; a longer one is replaced by a short
// line saying how long it was, so one hostile value cannot make a line of
// megabytes.
const MaxAuditLine = 16 << 10

// Audit writes audit lines, one JSON object a line, for the exchange and
// the webhooks alike: each Write or Line is exactly one line (a line break
// inside becomes the two characters `\n`), scrubbed of anything shaped like
// a credential by the project's checkpoint (secret.Writer), and never
// interleaved with another. It is safe for concurrent use.
type Audit struct{ w *secret.Writer }

// NewAudit returns the audit writer over w (stdout).
func NewAudit(w io.Writer) *Audit { return &Audit{w: &secret.Writer{W: w}} }

// Write writes p as one line (a final line break is added when missing).
func (a *Audit) Write(p []byte) (int, error) {
	if len(p) > MaxAuditLine {
		line := fmt.Sprintf(`{"event":"audit_line_dropped","bytes":%d}`+"\n", len(p))
		_, err := a.w.Write([]byte(line))
		return len(p), err
	}
	if !bytes.HasSuffix(p, []byte("\n")) {
		p = append(p[:len(p):len(p)], '\n')
	}
	_, err := a.w.Write(p)
	return len(p), err
}

// Line writes v, marshalled as JSON, as one line.
func (a *Audit) Line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = a.Write(b)
	return err
}

// exchangeLine is the audit line of one exchange (docs/broker.md, "Audit
// lines"). Text from outside (the request's, the token's claims) is held to
// secret.Printable and bounded; nothing shaped like a credential is shown.
type exchangeLine struct {
	Time     string `json:"time"`
	Event    string `json:"event"`
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Rule     string `json:"rule,omitempty"`
	Message  string `json:"message,omitempty"`

	Identity    string `json:"identity,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Repository  string `json:"repository,omitempty"`
	WorkflowRef string `json:"workflow_ref,omitempty"`
	RunID       string `json:"run_id,omitempty"`

	Permissions     map[string]string `json:"permissions,omitempty"`
	Repositories    []string          `json:"repositories,omitempty"`
	MoreRepos       int               `json:"repositories_more,omitempty"`
	AllRepositories bool              `json:"all_repositories,omitempty"`
	InstallationID  int64             `json:"installation_id,omitempty"`
	TokenSHA256     string            `json:"token_sha256,omitempty"`
	LatencyMS       float64           `json:"latency_ms"`
}

// Bounds of what an audit line shows of outside text.
const (
	maxAuditText  = 256
	maxAuditLong  = 512 // a workflow ref: owner, repository, path and ref
	maxAuditRepos = 100
)

// auditText shows outside text in an audit line: held to Printable and
// bounded, and not at all when it is shaped like a credential.
func auditText(s string, n int) string {
	if secret.Looks(s) {
		return fmt.Sprintf("(a value of %d characters, not shown)", len(s))
	}
	return secret.Printable(s, n)
}

// setAudit shows a's text, each through g (nil: a grant's claims, which
// verified).
func (l *exchangeLine) setAudit(a broker.Audit, g *guard) {
	l.Identity = g.show(auditText(a.Identity, maxAuditText))
	l.Scope = g.show(auditText(a.Scope, maxAuditText))
	l.Issuer = g.show(auditText(a.Issuer, maxAuditText))
	l.Subject = g.show(auditText(a.Subject, maxAuditText))
	l.Repository = g.show(auditText(a.Repository, maxAuditText))
	l.WorkflowRef = g.show(auditText(a.WorkflowRef, maxAuditLong))
	l.RunID = g.show(auditText(a.RunID, maxAuditText))
}

func (l *exchangeLine) setGrant(g *broker.Grant) {
	l.setAudit(g.Audit, nil)
	l.Permissions = make(map[string]string, len(g.Permissions))
	for _, name := range slices.Sorted(maps.Keys(g.Permissions)) {
		if len(l.Permissions) == maxAuditRepos {
			break
		}
		l.Permissions[auditText(name, 64)] = auditText(g.Permissions[name], 16)
	}
	for i, r := range g.Repositories {
		if i == maxAuditRepos {
			l.MoreRepos = len(g.Repositories) - i
			break
		}
		l.Repositories = append(l.Repositories, auditText(r, maxAuditText))
	}
	l.AllRepositories = g.AllRepositories
	l.InstallationID = g.InstallationID
	l.TokenSHA256 = TokenDigest(g.Token)
}

// TokenDigest is what an audit line says of a token: the first 16 hex
// digits of its SHA-256, enough to find the token GitHub's audit log or a
// client names, useless to rebuild it.
func TokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

func auditTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
