package hooks

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/app-token/app-token/internal/suggest"
	"github.com/app-token/app-token/internal/yamltree"
)

// MaxFileBytes bounds a hook file: a hook is a few lines, and a broker
// refuses a file it would take long to read before it starts.
const MaxFileBytes = 64 << 10

// MaxHooks bounds how many hooks one file declares.
const MaxHooks = 500

// Secret bounds: a shorter shared secret could be guessed by a sender
// trying it over and over (nothing here limits the rate), a longer one is
// a file pasted by mistake.
const (
	MinSecret = 16
	MaxSecret = 4 << 10
)

// maxEventType is GitHub's limit on repository_dispatch's event_type
// (maxLength in its description; TestLimitsAreGitHubs holds it to them).
const maxEventType = 100

// maxName bounds a workflow's file name, a ref, a header's name.
const maxName = 255

// Hook is one hook of the file: who may call POST /hooks/{Name}, and the
// one dispatch it fires. It holds its secret in a field no format verb
// prints (a pointer), and no method returns it.
type Hook struct {
	Name        string
	Owner, Repo string
	// EventType is repository_dispatch's event_type; "" for a
	// workflow_dispatch hook.
	EventType string
	// Workflow and Ref are workflow_dispatch's workflow (a file name like
	// deploy.yml, or an ID) and the branch or tag it runs on.
	Workflow, Ref string
	Scheme        Scheme
	// SecretEnv is the environment variable the secret was read from.
	SecretEnv string
	// SignatureHeader carries the proof (canonical form): Authorization
	// for bearer, the vendor's header for a vendor scheme.
	SignatureHeader string
	// DeliveryHeader, when set, names the header whose value identifies a
	// delivery, so a retry of it is answered as a duplicate.
	DeliveryHeader string
	key            *key
}

// key holds a hook's secret behind a pointer: %v of a Hook prints an
// address, not the secret.
type key struct{ b []byte }

// Set is the hooks of one file, by name.
type Set struct {
	hooks map[string]*Hook
	names []string
}

// Lookup returns the hook called name.
func (s *Set) Lookup(name string) (*Hook, bool) {
	h, ok := s.hooks[name]
	return h, ok
}

// Names lists the hooks' names in file order.
func (s *Set) Names() []string { return append([]string(nil), s.names...) }

// Mask tells learn every hook's secret, so that a door's redactor hides
// each should it ever reach a log.
func (s *Set) Mask(learn func(string)) {
	for _, n := range s.names {
		learn(string(s.hooks[n].key.b))
	}
}

// ReadFile reads and parses the hook file at path (see Parse), reading at
// most MaxFileBytes+1 bytes of it.
func ReadFile(path string, getenv func(string) string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Problems: []Problem{{What: "cannot be read: " + ghtext.Message(err.Error())}}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &FileError{Problems: []Problem{{What: "cannot be read: " + ghtext.Message(err.Error())}}}
	}
	return Parse(data, getenv)
}

// Problem is one thing wrong in a hook file, as data: where it is (the
// line, the hook, the field) and what to write instead. It never holds a
// secret's value.
type Problem struct {
	Line int
	// Hook names the hook: its name quoted, or "hook N" (from 1) when its
	// name is missing or wrong; "" for the file as a whole.
	Hook string
	// Field is the field as the file names it ("repository"), "" for the
	// hook or the file as a whole.
	Field string
	What  string
}

func (p Problem) String() string {
	var parts []string
	if p.Line > 0 {
		parts = append(parts, "line "+strconv.Itoa(p.Line))
	}
	for _, s := range []string{p.Hook, p.Field, p.What} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// FileError says why a hook file cannot be used; a broker stops at start
// with it, on one line (the door names the --hooks flag).
type FileError struct {
	// Problems holds the first setting.MaxShown problems, in file order.
	Problems []Problem
	// More counts the problems past Problems.
	More int
}

func (e *FileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "hook file: " + setting.JoinCapped(parts, e.More, "; ")
}

// problems keeps the first setting.MaxShown problems and counts the rest.
type problems struct{ setting.Capped[Problem] }

func (ps *problems) add(line int, hook, field, format string, args ...any) {
	if len(ps.Kept) >= setting.MaxShown {
		ps.More++ // not worth formatting
		return
	}
	ps.Add(Problem{Line: line, Hook: hook, Field: field, What: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if ps.Len() == 0 {
		return nil
	}
	return &FileError{Problems: ps.Kept, More: ps.More}
}

// The fields of a hook, as the file spells them.
var fieldNames = []string{"name", "repository", "event_type", "workflow", "ref", "secret_env", "signature", "signature_header", "delivery_header"}

// Parse reads a hook file strictly: one YAML document holding `hooks:`, a
// list of hooks, each a mapping of the fields above, each field once, as
// text. Anchors, aliases, tags, an unknown or repeated field, a missing or
// empty secret variable, a repository that is not owner/name, two hooks of
// one name, event_type with workflow, workflow without ref, a header that
// is not a header's name, a name that is not URL-safe: each is a Problem,
// and the file is refused (a *FileError). Secrets are read with getenv and
// appear in no Problem.
func Parse(data []byte, getenv func(string) string) (*Set, error) {
	var ps problems
	if len(data) > MaxFileBytes {
		ps.add(0, "", "", "the file has more than %d bytes; a hook file has a few lines a hook", MaxFileBytes)
		return nil, ps.err()
	}
	const noun = "a hook file"
	root, p := yamltree.Root(data, noun, "a mapping with one field, hooks: a list of hooks")
	if p != nil {
		ps.add(p.Line, "", "", "%s", p.What)
		return nil, ps.err()
	}
	yamltree.Refuse(root, noun, func(p yamltree.Problem) { ps.add(p.Line, "", "", "%s", p.What) })
	if err := ps.err(); err != nil {
		return nil, err
	}
	list := hookList(root, &ps)
	set := &Set{hooks: map[string]*Hook{}}
	folded := map[string]int{} // lower-cased name → line
	for i, n := range list {
		h, line := readHook(n, i+1, getenv, &ps)
		if h == nil {
			continue
		}
		if prev, dup := folded[strings.ToLower(h.Name)]; dup {
			ps.add(line, quoteName(h.Name), "name", "a second hook of this name (the first is on line %d): names differ in more than case", prev)
			continue
		}
		folded[strings.ToLower(h.Name)] = line
		set.hooks[h.Name] = h
		set.names = append(set.names, h.Name)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return set, nil
}

// hookList reads the top mapping: hooks, a list of mappings, and nothing
// else.
func hookList(root *yaml.Node, ps *problems) []*yaml.Node {
	var list []*yaml.Node
	seen := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name, _ := yamltree.Scalar(k)
		if name != "hooks" {
			ps.add(k.Line, "", "", "unknown field %s: a hook file holds hooks, a list of hooks", secret.Quote(name))
			continue
		}
		if seen {
			ps.add(k.Line, "", "hooks", "set twice")
			continue
		}
		seen = true
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			ps.add(v.Line, "", "hooks", "is a list of hooks (- name: ..., one or more), not %s", emptyOr(v))
			continue
		}
		if len(v.Content) > MaxHooks {
			ps.add(v.Line, "", "hooks", "lists %d hooks; a file holds at most %d", len(v.Content), MaxHooks)
			continue
		}
		list = v.Content
	}
	if !seen && ps.Len() == 0 {
		ps.add(root.Line, "", "hooks", "is missing: list the hooks under hooks:")
	}
	return list
}

// emptyOr describes a node that should have been a list.
func emptyOr(n *yaml.Node) string {
	if yamltree.IsNull(n) || n.Kind == yaml.SequenceNode {
		return "empty"
	}
	return yamltree.Describe(n)
}

// quoteName is how a problem names a hook whose name is good.
func quoteName(name string) string { return "hook " + strconv.Quote(name) }

// readHook reads the hook at position pos (from 1); nil when it has a
// problem (recorded), with the line of its name.
func readHook(n *yaml.Node, pos int, getenv func(string) string, ps *problems) (*Hook, int) {
	who := fmt.Sprintf("hook %d", pos)
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, who, "", "is a mapping of fields (name: ..., repository: ...), not %s", yamltree.Describe(n))
		return nil, 0
	}
	// A good name names the hook in every problem.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, _ := yamltree.Scalar(n.Content[i])
		if v, _ := yamltree.Scalar(n.Content[i+1]); k == "name" && ghtext.IsName(v) {
			who = quoteName(v)
		}
	}
	before := ps.Len()
	fields := map[string]string{}
	lines := map[string]int{}
	broken := map[string]bool{} // said already: no second problem for it
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := yamltree.Scalar(k)
		if !ok || !contains(fieldNames, name) {
			unknownField(name, k.Line, who, ps)
			continue
		}
		if prev, dup := lines[name]; dup {
			ps.add(k.Line, who, name, "set twice (first on line %d)", prev)
			continue
		}
		lines[name] = k.Line
		text, ok := yamltree.Scalar(v)
		if !ok || text == "" {
			ps.add(v.Line, who, name, "has no value; give it one as text, or leave the field out")
			broken[name] = true
		}
		fields[name] = text
	}
	h := &Hook{}
	check := func(field string, ok bool, format string, args ...any) bool {
		if !ok && !broken[field] {
			line := lines[field]
			if line == 0 {
				line = n.Line
			}
			ps.add(line, who, field, format, args...)
		}
		return ok
	}
	h.Name = fields["name"]
	check("name", ghtext.IsName(h.Name), "%s; a hook's name is in its URL (/hooks/NAME): 1 to 100 letters, digits, '-' and '_'", given(fields, "name"))
	repository := fields["repository"]
	if check("repository", ghtext.IsFullName(repository), "%s; it is where the event goes, as owner/name (a GitHub account's name, a slash, a repository's)", given(fields, "repository")) {
		h.Owner, h.Repo, _ = strings.Cut(repository, "/")
	}
	readEvent(h, fields, check)
	readSecret(h, fields, getenv, check)
	readHeaders(h, fields, check)
	if ps.Len() > before {
		return nil, 0
	}
	return h, lines["name"]
}

// given shows a field's value for a problem with it: `is "value"`, or
// "missing" when the field is absent.
func given(fields map[string]string, field string) string {
	v, ok := fields[field]
	if !ok {
		return "missing"
	}
	return "is " + secret.Quote(v)
}

// unknownField records a field a hook does not have, with the nearest it
// does.
func unknownField(name string, line int, who string, ps *problems) {
	what := "unknown field " + secret.Quote(name)
	if near := suggest.Closest(strings.ToLower(name), fieldNames, 2); near != "" {
		what += " (did you mean " + strconv.Quote(near) + "?)"
	}
	ps.add(line, who, "", "%s: a hook holds %s", what, strings.Join(fieldNames, ", "))
}
