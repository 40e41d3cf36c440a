package yamltree

import (
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

const shape = "a mapping (a: b)"

func TestRoot(t *testing.T) {
	for _, c := range []struct {
		name, in string
		line     int
		want     string // "" for a good file
	}{
		{"mapping", "a: b\nc: d\n", 0, ""},
		{"empty", "", 0, "the file is empty"},
		{"only comments", "# nothing\n", 0, "the file is empty"},
		{"not YAML", "a: [b\n", 0, "does not parse as YAML: line 1: did not find expected ',' or ']'"},
		{"two documents", "a: b\n---\nc: d\n", 2, "holds more than one YAML document (---); a thing is one"},
		{"two documents, the second broken", "a: b\n---\n[\n", 0, "holds more than one YAML document (---); a thing is one"},
		{"a list", "- a\n", 1, "a thing is a mapping (a: b)"},
		{"text", "a\n", 1, "a thing is a mapping (a: b)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, p := Root([]byte(c.in), "a thing", shape)
			if c.want == "" {
				if p != nil || root == nil || root.Kind != yaml.MappingNode || len(root.Content) != 4 {
					t.Fatalf("Root = %v, %v; want the mapping", root, p)
				}
				return
			}
			if p == nil || root != nil {
				t.Fatalf("Root = %v, nil; want %q", root, c.want)
			}
			if p.What != c.want || p.Line != c.line {
				t.Errorf("problem = line %d %q; want line %d %q", p.Line, p.What, c.line, c.want)
			}
		})
	}
}

func TestRefuse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []Problem
	}{
		{"plain", "a: b\nc: [d, e]\nf: {g: h}\n", nil},
		{"anchor", "a: &x b\n", []Problem{{1, "anchors and aliases (&name, *name) are not allowed in a thing; write each value out"}}},
		{"alias after anchor", "a: &x b\nc: *x\n", []Problem{{1, "anchors and aliases (&name, *name) are not allowed in a thing; write each value out"}, {2, "anchors and aliases (&name, *name) are not allowed in a thing; write each value out"}}},
		{"nested, in file order", "a:\n  - b: !!binary cmVwbw==\n  - c: !custom d\n", []Problem{{2, `YAML tags ("!!binary") are not allowed in a thing`}, {3, `YAML tags ("!custom") are not allowed in a thing`}}},
		{"anchored and tagged: one problem", "a: &x !!str b\n", []Problem{{1, "anchors and aliases (&name, *name) are not allowed in a thing; write each value out"}}},
		{"tagged key", "!!str a: b\n", []Problem{{1, `YAML tags ("!!str") are not allowed in a thing`}}},
		{"a credential-shaped tag is not shown", "a: !ghs_abcdefghijklmnopqrstuvwxyz0123456789 b\n", []Problem{{1, "YAML tags (a value of 41 characters (not shown)) are not allowed in a thing"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, p := Root([]byte(c.in), "a thing", shape)
			if p != nil {
				t.Fatal(p)
			}
			var got []Problem
			Refuse(root, "a thing", func(p Problem) { got = append(got, p) })
			if len(got) != len(c.want) {
				t.Fatalf("got %v; want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("problem %d = %v; want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestScalarIsNullDescribe(t *testing.T) {
	root, p := Root([]byte("a: text\nb: ~\nc:\nd: [x]\ne: {f: g}\nh: ''\ni: null\n"), "a thing", shape)
	if p != nil {
		t.Fatal(p)
	}
	value := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		value[root.Content[i].Value] = root.Content[i+1]
	}
	for _, c := range []struct {
		key      string
		text     string
		ok, null bool
		what     string
	}{
		{"a", "text", true, false, "text"},
		{"b", "", false, true, "text"},
		{"c", "", false, true, "text"},
		{"i", "", false, true, "text"},
		{"d", "", false, false, "a list"},
		{"e", "", false, false, "a mapping"},
		{"h", "", true, false, "text"},
	} {
		n := value[c.key]
		text, ok := Scalar(n)
		if text != c.text || ok != c.ok {
			t.Errorf("Scalar(%s) = %q, %v; want %q, %v", c.key, text, ok, c.text, c.ok)
		}
		if IsNull(n) != c.null {
			t.Errorf("IsNull(%s) = %v", c.key, !c.null)
		}
		if Describe(n) != c.what {
			t.Errorf("Describe(%s) = %q; want %q", c.key, Describe(n), c.what)
		}
	}
}

// A YAML bomb is refused for its aliases without being expanded: the whole
// check reads the nodes as written.
func TestBombIsNotExpanded(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n")
		prev = n
	}
	root, p := Root([]byte(b.String()), "a thing", shape)
	if p != nil {
		t.Fatal(p)
	}
	count := 0
	Refuse(root, "a thing", func(Problem) { count++ })
	// 9 anchors and 8×9 aliases, each seen once: the tree is as written.
	if count != 9+8*9 {
		t.Errorf("%d problems; want %d", count, 9+8*9)
	}
}
