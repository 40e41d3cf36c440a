package trust

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// Problem is one thing wrong in a policy file or a request, as data: where
// it is and what to write instead. It never holds a token's text; a
// policy's own text (a field name, a pattern) is shown quoted, on one line.
type Problem struct {
	// Line is the policy file's line, from 1; 0 when the problem has no one
	// place (the file as a whole, a request).
	Line int
	// Field is the field as the file names it ("subject_pattern",
	// "claim_pattern.ref", "repositories[2]"), or the request's part
	// ("identity", "permissions"); "" for the file as a whole.
	Field string
	// What says what is wrong and what would be right.
	What string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.What)
	return b.String()
}

// problems keeps the first setting.MaxShown problems and counts the rest, so
// that a flood of bad entries costs neither memory nor a long answer.
type problems struct{ setting.Capped[Problem] }

func (ps *problems) add(line int, field, format string, args ...any) {
	if ps.full() {
		ps.More++ // not worth formatting
		return
	}
	ps.Add(Problem{Line: line, Field: field, What: fmt.Sprintf(format, args...)})
}

// full reports whether another problem would only be counted.
func (ps *problems) full() bool { return len(ps.Kept) >= setting.MaxShown }

func (ps *problems) render() string {
	parts := make([]string, len(ps.Kept))
	for i, p := range ps.Kept {
		parts[i] = p.String()
	}
	return setting.JoinCapped(parts, ps.More, "; ")
}

// PolicyError says why a policy file cannot be used: it does not parse, has
// a field this broker does not know, or breaks a rule of Compile. A broker
// refuses the exchange and says so (fail closed).
type PolicyError struct {
	// Problems holds the first setting.MaxShown problems, in file order.
	Problems []Problem
	// More counts the problems past Problems.
	More int
}

func (e *PolicyError) Error() string {
	ps := problems{setting.Capped[Problem]{Kept: e.Problems, More: e.More}}
	return "trust policy: " + ps.render()
}

func (ps *problems) policyErr() error {
	if ps.Len() == 0 {
		return nil
	}
	return &PolicyError{Problems: ps.Kept, More: ps.More}
}

// RequestError says why a request cannot be granted: it is malformed (an
// identity that is not a name, a repository that is not one), or it asks
// for more than the policy grants.
type RequestError struct {
	// Over is true when the request is well formed but asks for more than
	// the policy grants (a broker answers 403), false when it is malformed
	// (400).
	Over bool
	// Problems holds the first setting.MaxShown problems.
	Problems []Problem
	// More counts the problems past Problems.
	More int
}

func (e *RequestError) Error() string {
	ps := problems{setting.Capped[Problem]{Kept: e.Problems, More: e.More}}
	return ps.render()
}

func (ps *problems) requestErr(over bool) error {
	if ps.Len() == 0 {
		return nil
	}
	return &RequestError{Over: over, Problems: ps.Kept, More: ps.More}
}

// maxShown bounds a policy's text as a message quotes it.
const maxShown = 120

// shown quotes a policy's text for a message: one line (control characters
// escaped), cut at maxShown bytes, and never a value that looks like a
// credential, should one have been pasted into a policy.
func shown(s string) string {
	if secret.Looks(s) {
		return fmt.Sprintf("a value of %d characters (not shown)", len(s))
	}
	return strconv.Quote(ghtext.Cut(s, maxShown))
}
