package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestInputEnvName(t *testing.T) {
	tests := map[string]string{
		"private-key":              "INPUT_PRIVATE-KEY",
		"permission-pull-requests": "INPUT_PERMISSION-PULL-REQUESTS",
		"My input":                 "INPUT_MY_INPUT",
	}
	for in, want := range tests {
		if got := inputEnvName(in); got != want {
			t.Errorf("inputEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInputEnv(t *testing.T) {
	inputs := []input{
		{Name: "app-id"},
		{Name: "private-key"},
		{Name: "github-api-url", Default: "${{ github.api_url }}", HasDefault: true},
		{Name: "skip-token-revoke", Default: "false", HasDefault: true},
		{Name: "note", Default: "api ${{github.server_url}}/x", HasDefault: true},
	}
	contexts := map[string]string{"github.api_url": "http://127.0.0.1:1", "github.server_url": "https://h"}
	tests := []struct {
		name string
		with map[string]string
		want []string
	}{
		{
			name: "defaults evaluated, unset inputs empty",
			with: map[string]string{"app-id": "1"},
			want: []string{
				"INPUT_APP-ID=1", "INPUT_PRIVATE-KEY=", "INPUT_GITHUB-API-URL=http://127.0.0.1:1",
				"INPUT_SKIP-TOKEN-REVOKE=false", "INPUT_NOTE=api https://h/x",
			},
		},
		{
			name: "with wins over default, even when empty, names match case-insensitively",
			with: map[string]string{"Skip-Token-Revoke": "", "private-key": "-----BEGIN\nx\n-----END\n"},
			want: []string{
				"INPUT_APP-ID=", "INPUT_PRIVATE-KEY=-----BEGIN\nx\n-----END\n", "INPUT_GITHUB-API-URL=http://127.0.0.1:1",
				"INPUT_SKIP-TOKEN-REVOKE=", "INPUT_NOTE=api https://h/x",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inputEnv(inputs, tt.with, contexts)
			if err != nil {
				t.Fatalf("inputEnv: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestInputEnvErrors(t *testing.T) {
	inputs := []input{{Name: "a", Default: "${{ secrets.X }}", HasDefault: true}, {Name: "b"}}
	if _, err := inputEnv(inputs, map[string]string{"a": "set", "typo": "x"}, nil); err == nil || !strings.Contains(err.Error(), `"typo" is not declared`) {
		t.Errorf("undeclared input: err = %v", err)
	}
	_, err := inputEnv(inputs, nil, map[string]string{"github.api_url": "u"})
	if err == nil || !strings.Contains(err.Error(), "secrets.X") || !strings.Contains(err.Error(), "github.api_url") {
		t.Errorf("unsupported expression: err = %v, want it to name the expression and the known contexts", err)
	}
}
