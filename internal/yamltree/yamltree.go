// Package yamltree reads a small configuration file (a broker's trust
// policy, its hook file) as a tree of YAML nodes, the strict way both want:
// exactly one document whose top is a mapping, and no anchors, aliases or
// tags anywhere.
//
// Reading nodes (go.yaml.in/yaml/v3) expands nothing, so YAML's "billion
// laughs" (a 12 KB file of aliases that a decoder expands to 127 MB) costs
// no more than the file's own size; a caller then reads each field from the
// tree with its line, matching names exactly. Every problem is reported with
// the line it is on and in words that name the file's kind ("a policy", "a
// hook file"), never a value that looks like a credential.
package yamltree

import (
	"bytes"
	"errors"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
)

// Problem is one thing wrong with the file's shape: its line (0 when it has
// none, as for a file that does not parse) and what is wrong.
type Problem struct {
	Line int
	What string
}

// Root parses data as one YAML document and returns its top mapping. noun
// names the file in messages ("a policy"); shape says what its top holds
// ("a mapping of fields (issuer: ..., subject: ...)").
func Root(data []byte, noun, shape string) (*yaml.Node, *Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{0, "the file is empty"}
		}
		return nil, &Problem{0, "does not parse as YAML: " + ghtext.Message(strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &Problem{next.Line, "holds more than one YAML document (---); " + noun + " is one"}
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Problem{doc.Line, noun + " is " + shape}
	}
	return doc.Content[0], nil
}

// Refuse walks every node under root, in file order, and reports anchors,
// aliases (which a decoder would expand) and tags (`!!binary` is decoded,
// not read as written), each once, with its line. noun names the file.
func Refuse(root *yaml.Node, noun string, report func(Problem)) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		// An if chain, not a switch: mutation testing sees its conditions.
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			report(Problem{n.Line, "anchors and aliases (&name, *name) are not allowed in " + noun + "; write each value out"})
		} else if n.Style&yaml.TaggedStyle != 0 {
			report(Problem{n.Line, "YAML tags (" + secret.Quote(n.Tag) + ") are not allowed in " + noun})
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, n.Content[i])
		}
	}
}

// Scalar returns n's text as written, when n is a scalar that is not null.
func Scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || IsNull(n) {
		return "", false
	}
	return n.Value, true
}

// IsNull reports whether n is YAML's null (nothing, ~ or null).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Describe names what n is, for "is text, not a list".
func Describe(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		return "a mapping"
	}
	if n.Kind == yaml.SequenceNode {
		return "a list"
	}
	return "text"
}
