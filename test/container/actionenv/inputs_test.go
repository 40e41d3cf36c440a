package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseInputs(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []input
	}{
		{
			name: "no inputs",
			yml:  "name: x\nruns:\n  using: docker\n",
			want: nil,
		},
		{
			name: "plain, quoted and missing defaults",
			yml: `name: app-token
description: Mints a token
inputs:
  app-id:
    description: The App's id
    required: false
  owner:
    description: 'Owner: defaults to the repository owner'
    default: ''
  github-api-url:
    description: "API base"
    default: ${{ github.api_url }}
  skip-token-revoke:
    default: "false"   # a comment
  quoted:
    default: 'it''s # not a comment'
  escaped:
    default: "a\"b\\c\nd\u00e9\x41\ "
outputs:
  token:
    description: The token
runs:
  using: docker
  image: Dockerfile
`,
			want: []input{
				{Name: "app-id"},
				{Name: "owner", Default: "", HasDefault: true},
				{Name: "github-api-url", Default: "${{ github.api_url }}", HasDefault: true},
				{Name: "skip-token-revoke", Default: "false", HasDefault: true},
				{Name: "quoted", Default: "it's # not a comment", HasDefault: true},
				{Name: "escaped", Default: "a\"b\\c\ndéA ", HasDefault: true},
			},
		},
		{
			name: "block scalars and comments between inputs",
			yml: `inputs:
  # the key
  private-key:
    description: |
      PEM text.

      # Not a comment: part of the description.
    required: true
  permissions:
    description: >-
      Several
      lines folded.
    default: |
      contents: write
        indented: kept
      issues: read
  trailing:
    default: |-
      no final newline
  kept:
    default: |+
      keep

  folded:
    default: >
      a
      b

      c
runs:
  using: docker
`,
			want: []input{
				{Name: "private-key"},
				{Name: "permissions", Default: "contents: write\n  indented: kept\nissues: read\n", HasDefault: true},
				{Name: "trailing", Default: "no final newline", HasDefault: true},
				{Name: "kept", Default: "keep\n\n", HasDefault: true},
				{Name: "folded", Default: "a b\nc\n", HasDefault: true},
			},
		},
		{
			name: "plain multi-line default folds",
			yml:  "inputs:\n  x:\n    default: one\n      two # c\n  y:\n    required: true\n",
			want: []input{{Name: "x", Default: "one two", HasDefault: true}, {Name: "y"}},
		},
		{
			// YAML that a hand-written subset once refused: flow style,
			// anchors and multi-line quoted values.
			name: "flow style, anchors and multi-line quotes",
			yml: `inputs: {a: {default: x}, b: {default: &v shared}, c: {default: *v}}
`,
			want: []input{
				{Name: "a", Default: "x", HasDefault: true},
				{Name: "b", Default: "shared", HasDefault: true},
				{Name: "c", Default: "shared", HasDefault: true},
			},
		},
		{
			name: "multi-line quoted, null and non-string defaults",
			yml:  "inputs:\n  a:\n    default: 'x\n      y'\n  b:\n    default:\n  c:\n    default: ~\n  d:\n    default: false\n  e:\n",
			want: []input{
				{Name: "a", Default: "x y", HasDefault: true},
				{Name: "b", Default: "", HasDefault: true},
				{Name: "c", Default: "", HasDefault: true},
				{Name: "d", Default: "false", HasDefault: true},
				{Name: "e"},
			},
		},
		{
			name: "four-space indentation",
			yml:  "inputs:\n    a b:\n        default: v\n",
			want: []input{{Name: "a b", Default: "v", HasDefault: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseInputs(strings.NewReader(tt.yml))
			if err != nil {
				t.Fatalf("parseInputs: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseInputsRefusesWhatItCannotRead(t *testing.T) {
	tests := []struct {
		name, yml, wantErr string
	}{
		{"list default", "inputs:\n  a:\n    default: [x, y]\n", "want a string"},
		{"mapping default", "inputs:\n  a:\n    default:\n      b: c\n", "want a string"},
		{"inputs not a mapping", "inputs: [a, b]\n", "inputs must be a mapping"},
		{"name with value", "inputs:\n  a: 1\n", "mapping of properties"},
		{"declared twice", "inputs:\n  a:\n    default: x\n  a:\n    default: y\n", "declared twice"},
		{"text after quote", "inputs:\n  a:\n    default: \"x\" y\n", "yaml: line"},
		{"tab indent", "inputs:\n\ta:\n", "yaml: line 2"},
		{"uneven properties", "inputs:\n  a:\n    default: x\n      \n   required: true\n", "yaml:"},
		{"bad escape", "inputs:\n  a:\n    default: \"\\q\"\n", "escape"},
		{"short unicode escape", "inputs:\n  a:\n    default: \"\\u00\"\n", "yaml: line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInputs(strings.NewReader(tt.yml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRuns(t *testing.T) {
	yml := `name: x
inputs:
  a:
    default: b
runs:
  using: docker
  image: Dockerfile
  # a comment
  entrypoint: /app-token
  args:
    - one
    - two
  env:
    FOO: bar
  post-entrypoint: "/app-token-post"
  post-if: always()
branding:
  icon: key
`
	got, err := parseRuns(strings.NewReader(yml))
	if err != nil {
		t.Fatalf("parseRuns: %v", err)
	}
	want := map[string]string{
		"using": "docker", "image": "Dockerfile", "entrypoint": "/app-token", "args": "", "env": "",
		"post-entrypoint": "/app-token-post", "post-if": "always()",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := parseRuns(strings.NewReader("inputs:\n  a:\n")); err == nil {
		t.Error("parseRuns of a file without runs: succeeded")
	}
}
