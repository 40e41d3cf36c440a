package trust

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// jsonNames lists the JSON names of t's fields, embedded structs' promoted.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if f.Anonymous {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

type schemaDoc struct {
	Defs map[string]struct {
		Properties map[string]struct {
			Type string `json:"type"`
			Ref  string `json:"$ref"`
		} `json:"properties"`
		AdditionalProperties json.RawMessage `json:"additionalProperties"`
	} `json:"$defs"`
}

// The schema, the Go types, the decoder's struct and the reader's table
// name the same fields, of the same shapes.
func TestFieldsAgree(t *testing.T) {
	raw, err := os.ReadFile("policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaDoc
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		def  string
		kind Kind
		typ  reflect.Type
	}{
		{"RepositoryPolicy", Repository, reflect.TypeFor[Policy]()},
		{"OwnerPolicy", Owner, reflect.TypeFor[OwnerPolicy]()},
	} {
		def, ok := s.Defs[c.def]
		if !ok || string(def.AdditionalProperties) != "false" {
			t.Fatalf("%s: missing, or open to other fields", c.def)
		}
		inSchema := slices.Sorted(func(yield func(string) bool) {
			for name := range def.Properties {
				if !yield(name) {
					return
				}
			}
		})
		table := fieldNames(c.kind)
		if goNames := jsonNames(c.typ); !reflect.DeepEqual(goNames, table) {
			t.Errorf("%s: Go %v, fieldTable %v", c.def, goNames, table)
		}
		if sorted := slices.Sorted(slices.Values(table)); !reflect.DeepEqual(inSchema, sorted) {
			t.Errorf("%s: schema %v, fieldTable %v", c.def, inSchema, sorted)
		}
		for _, name := range table {
			f, _ := lookupField(name)
			p := def.Properties[name]
			want := map[shape]string{text: "string", textMap: "object", textList: "array"}[f.shape]
			if p.Type != want && !(p.Ref == "#/$defs/Permissions" && want == "object") {
				t.Errorf("%s.%s: schema type %q%s, fieldTable %q", c.def, name, p.Type, p.Ref, want)
			}
		}
	}
	if got, want := jsonNames(reflect.TypeFor[file]()), fieldNames(Owner); !reflect.DeepEqual(got, want) {
		t.Errorf("file %v, fieldTable %v", got, want)
	}
	var f file
	if got := len(f.values()); got != len(fieldTable) {
		t.Errorf("file.values has %d fields, fieldTable %d", got, len(fieldTable))
	}
}

func compileSchema(t *testing.T, def string) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile("policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policy.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("policy.schema.json" + def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func instance(t *testing.T, doc string) any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// An editor using the schema never flags a file the broker takes, and
// flags these files the broker refuses.
func TestSchemaAgreesWithLoad(t *testing.T) {
	schemas := map[Kind]*jsonschema.Schema{
		Repository: compileSchema(t, "#/$defs/RepositoryPolicy"),
		Owner:      compileSchema(t, ""),
	}
	head := "issuer: " + issuer + "\n"
	perms := "permissions:\n  contents: read\n"
	for _, c := range []struct {
		doc  string
		kind Kind
		ok   bool
	}{
		{minimal, Repository, true},
		{minimal, Owner, true},
		{minimal + "repositories: [app, .github, a-b_c.d]\n", Owner, true},
		{"issuer_pattern: https://.*\nsubject_pattern: repo:org/.*\naudience_pattern: x|y\nclaim_pattern:\n  ref: refs/heads/main\n  ref_protected: 'true'\npermissions:\n  quantum_widgets: admin\n  contents: write\n", Repository, true},
		{head + "subject: a\naudience: b\n" + perms, Repository, true},

		{minimal + "repositories: [app]\n", Repository, false},
		{minimal + "repositories: [other/app]\n", Owner, false},
		{minimal + "repositories: ['..']\n", Owner, false},
		{minimal + "repositories: []\n", Owner, false},
		{minimal + "unknown: x\n", Repository, false},
		{head + "subject: a\nsubject_pattern: b\n" + perms, Repository, false},
		{head + "issuer_pattern: x\nsubject: a\n" + perms, Repository, false},
		{"subject: a\n" + perms, Repository, false},
		{head + perms, Repository, false},
		{head + "subject: a\naudience: b\naudience_pattern: c\n" + perms, Repository, false},
		{head + "subject: a\n", Repository, false},
		{head + "subject: a\npermissions: {}\n", Repository, false},
		{head + "subject: a\npermissions:\n  contents: none\n", Repository, false},
		{head + "subject: a\npermissions:\n  Contents: read\n", Repository, false},
		{head + "subject: ''\n" + perms, Repository, false},
		{head + "subject: a\nclaim_pattern:\n  ref: ''\n" + perms, Repository, false},
		{head + "subject: a\nclaim_pattern: x\n" + perms, Repository, false},
		{head + "subject: [a]\n" + perms, Repository, false},
	} {
		_, loadErr := Load([]byte(c.doc), c.kind)
		schemaErr := schemas[c.kind].Validate(instance(t, c.doc))
		if (loadErr == nil) != c.ok || (schemaErr == nil) != c.ok {
			t.Errorf("kind %v %q:\nLoad: %v\nschema: %v\nwant ok=%v", c.kind, c.doc, loadErr, schemaErr, c.ok)
		}
	}
}
