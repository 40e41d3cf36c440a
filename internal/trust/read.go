package trust

import (
	"reflect"
	"strconv"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/suggest"
	"github.com/app-token/app-token/internal/yamltree"
)

// MaxPolicyBytes bounds a policy file. Policies are a few hundred bytes;
// 64 KiB leaves room for long claim patterns while a hostile file costs at
// most a few megabytes to refuse (BenchmarkLoadHostile prints the figures).
const MaxPolicyBytes = 64 << 10

// lines maps a field's path ("subject", "claim_pattern.ref",
// "repositories[1]") to its line in the file.
type lines map[string]int

// read parses a policy file of kind k in two passes.
//
// The first reads the YAML as a tree of nodes (go.yaml.in/yaml/v3), which
// expands nothing: it refuses anchors and aliases outright (YAML's "billion
// laughs": sigs.k8s.io/yaml expands them, and lets a 12 KB file allocate
// 127 MB before it answers), tags, unknown or repeated fields and values of
// the wrong shape, each with its line. Field names are matched exactly:
// the second pass's JSON step would also take `Subject` or `SUBJECT` for
// `subject`, and a later `Subject` would silently win.
//
// The second decodes the file with sigs.k8s.io/yaml in strict mode, as
// octo-sts does (YAML 1.1), and holds the result to what the first pass
// read (YAML 1.2): a value they read differently (`on`, `010`, `1.0`) is
// refused, so a file means here what it meant to octo-sts, or nothing.
func read(data []byte, k Kind) (file, lines, error) {
	var ps problems
	if len(data) > MaxPolicyBytes {
		ps.add(0, "", "the file has %d bytes; a policy may have at most %d", len(data), MaxPolicyBytes)
		return file{}, nil, ps.policyErr()
	}
	root := parseTree(data, &ps)
	if root == nil {
		return file{}, nil, ps.policyErr()
	}
	refuseExpansions(root, &ps)
	if err := ps.policyErr(); err != nil {
		return file{}, nil, err
	}
	written, at := fields(root, k, &ps)
	if err := ps.policyErr(); err != nil {
		return file{}, nil, err
	}
	var f file
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		// The first pass refuses every file seen to fail here; this is
		// the net under it.
		ps.add(0, "", "does not decode as a policy: %s", ghtext.Message(err.Error()))
		return file{}, nil, ps.policyErr()
	}
	agree(written, f.values(), at, &ps)
	return f, at, ps.policyErr()
}

// agree holds what sigs.k8s.io/yaml decoded to what the node tree holds,
// field by field: the same values, and nothing where the tree has nothing.
func agree(written, decoded map[string]any, at lines, ps *problems) {
	for _, fl := range fieldTable {
		w, ok := written[fl.name]
		d := decoded[fl.name]
		if ok && !reflect.DeepEqual(w, d) {
			ps.add(at[fl.name], fl.name, "YAML 1.1 (how octo-sts reads a policy) and YAML 1.2 read a value here differently; write it in quotes")
		}
		if !ok && !reflect.ValueOf(d).IsZero() {
			ps.add(0, fl.name, "YAML 1.1 (how octo-sts reads a policy) reads this field where YAML 1.2 does not")
		}
	}
}

// parseTree parses data as one YAML document and returns its root node,
// or nil with the problem recorded; then refuses anchors, aliases and tags
// (see yamltree).
func parseTree(data []byte, ps *problems) *yaml3.Node {
	root, p := yamltree.Root(data, "a policy", "a mapping of fields (issuer: ..., subject: ...)")
	if p != nil {
		ps.add(p.Line, "", "%s", p.What)
		return nil
	}
	return root
}

// refuseExpansions records every anchor, alias and tag (yamltree.Refuse).
func refuseExpansions(root *yaml3.Node, ps *problems) {
	yamltree.Refuse(root, "a policy", func(p yamltree.Problem) { ps.add(p.Line, "", "%s", p.What) })
}

// fields reads the top mapping: each field known, once, of its shape. It
// returns what each field holds as written (a string, a map[string]string
// or a []string, as file.values gives them) and the line of each path.
func fields(m *yaml3.Node, k Kind, ps *problems) (map[string]any, lines) {
	written := map[string]any{}
	at := lines{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i], m.Content[i+1]
		name, ok := yamltree.Scalar(key)
		if !ok {
			ps.add(key.Line, "", "a field's name is plain text")
			continue
		}
		f, known := lookupField(name)
		if known && f.owner && k != Owner {
			ps.add(key.Line, name, "only an owner's policy (in the owner's .github repository) lists repositories; a repository's policy grants that repository only")
			continue
		}
		if !known {
			unknown(name, key.Line, k, ps)
			continue
		}
		if prev, dup := at[name]; dup {
			ps.add(key.Line, name, "set twice (first on line %d)", prev)
			continue
		}
		at[name] = key.Line
		switch f.shape {
		case text:
			if s, ok := value(val, name, ps); ok {
				written[name] = s
			}
		case textMap:
			written[name] = textMapping(val, name, at, ps)
		case textList:
			written[name] = textSequence(val, name, at, ps)
		}
	}
	return written, at
}

// unknown records a field this package does not know, with the nearest
// it does.
func unknown(name string, line int, k Kind, ps *problems) {
	if ps.full() {
		ps.More++ // a flood of them costs no suggestions
		return
	}
	what := "unknown field " + shown(name)
	if near := suggest.Closest(strings.ToLower(name), fieldNames(k), 2); near != "" {
		what += " (did you mean " + strconv.Quote(near) + "?)"
	}
	ps.add(line, "", "%s: a policy holds %s", what, strings.Join(fieldNames(k), ", "))
}

// textMapping reads a mapping of text to text.
func textMapping(n *yaml3.Node, name string, at lines, ps *problems) map[string]string {
	if !holds(n, yaml3.MappingNode, name, "give it one or leave the field out", "a mapping (name: value, one a line)", ps) {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		k, ok := yamltree.Scalar(key)
		if !ok || k == "" {
			ps.add(key.Line, name, "a name in it is empty or not plain text")
			continue
		}
		path := keyPath(name, k)
		if prev, dup := at[path]; dup {
			ps.add(key.Line, path, "set twice (first on line %d)", prev)
			continue
		}
		at[path] = key.Line
		if s, ok := value(val, path, ps); ok {
			out[k] = s
		}
	}
	return out
}

// textSequence reads a list of text.
func textSequence(n *yaml3.Node, name string, at lines, ps *problems) []string {
	if !holds(n, yaml3.SequenceNode, name, "list names, or leave the field out for every repository of the installation", "a list (- name, one a line)", ps) {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		path := name + "[" + strconv.Itoa(i) + "]"
		at[path] = item.Line
		if s, ok := value(item, path, ps); ok {
			out = append(out, s)
		}
	}
	return out
}

// value reads a field's text: a scalar, neither null nor empty.
func value(n *yaml3.Node, path string, ps *problems) (string, bool) {
	if !holds(n, yaml3.ScalarNode, path, "give it one or leave the field out", "text", ps) {
		return "", false
	}
	if n.Value == "" {
		ps.add(n.Line, path, "is empty; give it a value or leave the field out")
		return "", false
	}
	return n.Value, true
}

// holds reports whether n is a kind node and not null; if not, it records
// why, with what to do about a null and the shape the field takes.
func holds(n *yaml3.Node, kind yaml3.Kind, path, null, shape string, ps *problems) bool {
	if yamltree.IsNull(n) {
		ps.add(n.Line, path, "has no value; %s", null)
		return false
	}
	if n.Kind != kind {
		ps.add(n.Line, path, "is %s, not %s", shape, yamltree.Describe(n))
		return false
	}
	return true
}

// keyPath names a map entry: claim_pattern.ref, or claim_pattern["a b"]
// when the name is not a plain word.
func keyPath(parent, key string) string {
	if len(key) > maxShown || secret.Looks(key) {
		return parent + "[" + shown(key) + "]"
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == ':') {
			return parent + "[" + shown(key) + "]"
		}
	}
	return parent + "." + key
}
