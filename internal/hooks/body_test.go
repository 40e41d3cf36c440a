package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsJSONType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                              true,
		"Application/JSON":                              true,
		"application/json; charset=utf-8":               true,
		"application/json; charset=UTF-8":               true,
		"application/json;charset=\"utf-8\"":            true,
		"application/vnd.contentful.management.v1+json": true,
		"application/cloudevents+json; charset=utf-8":   true,
		"application/json; charset=iso-8859-1":          false,
		"application/+json":                             false,
		"application/jsonx":                             false,
		"application/x-www-form-urlencoded":             false,
		"text/json":                                     false,
		"text/plain":                                    false,
		"application/xml":                               false,
		"application/json+xml":                          false,
		"":                                              false,
		"application/json; charset":                     false,
	} {
		if got := isJSONType(ct); got != want {
			t.Errorf("isJSONType(%q) = %v", ct, got)
		}
	}
}

func TestObject(t *testing.T) {
	for _, c := range []struct {
		body  string
		names []string
		bad   string // the message, "" when it reads
	}{
		{`{}`, nil, ""},
		{` { "a" : 1 , "b": {"c": [1, 2]}, "d": "x" } `, []string{"a", "b", "d"}, ""},
		{`{"a": 1e400}`, []string{"a"}, ""}, // a number as written, not a float
		{`[]`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`"a"`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`null`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{``, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": 1`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": 1,}`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": }`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": 1} {}`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": 1} x`, nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{"{\"a\": \"\xff\"}", nil, `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{`{"a": 1, "a": 2}`, nil, `the body names "a" twice`},
		{`{"` + strings.Repeat("n", 50) + `": 1, "` + strings.Repeat("n", 50) + `": 2}`, nil, `the body names "` + strings.Repeat("n", 37) + `…" twice`},
	} {
		members, p := object([]byte(c.body))
		if c.bad != "" {
			if p == nil || p.status != 400 || p.reason != reasonJSON || p.message != c.bad {
				t.Errorf("object(%q) = %v, %+v; want %q", c.body, members, p, c.bad)
			}
			continue
		}
		if p != nil {
			t.Errorf("object(%q): %+v", c.body, p)
			continue
		}
		var names []string
		for _, m := range members {
			names = append(names, m.name)
		}
		if fmt.Sprint(names) != fmt.Sprint(c.names) {
			t.Errorf("object(%q) names %v; want %v", c.body, names, c.names)
		}
	}
}

// props is a JSON object of n properties "p0".."pn-1" with value v.
func props(n int, v string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%q: %s", fmt.Sprintf("p%d", i), v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func TestClientPayload(t *testing.T) {
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{props(10, `{"deep": [1, 2]}`), 0, ""},
		{props(11, `1`), 422, "the body has 11 top-level properties; GitHub takes at most 10 in a repository_dispatch's client_payload"},
		{`{"a":"` + strings.Repeat("x", MaxBody-9) + `"}`, 0, ""},
		{`{"a":"` + strings.Repeat("x", MaxBody-8) + `"}`, 422, "the body has 65536 bytes without its spaces; GitHub takes a client_payload of less than 64 KiB"},
		// Spaces do not count: GitHub gets the body compacted.
		{`{"a":   "` + strings.Repeat("x", MaxBody-12) + `"}`, 0, ""},
	} {
		members, p := object([]byte(c.body))
		if p != nil {
			t.Fatal(p)
		}
		got, p := clientPayload([]byte(c.body), members)
		if c.status != 0 {
			if p == nil || p.status != c.status || p.reason != reasonLimits || p.message != c.want {
				t.Errorf("%.40s…: %+v", c.body, p)
			}
			continue
		}
		if p != nil {
			t.Errorf("%.40s…: %+v", c.body, p)
			continue
		}
		var want, have any
		_ = json.Unmarshal([]byte(c.body), &want)
		if err := json.Unmarshal(got, &have); err != nil || fmt.Sprint(want) != fmt.Sprint(have) || strings.ContainsAny(string(got), " \n") && !strings.Contains(c.body, "deep") {
			t.Errorf("payload %.60s… is not the body compacted", got)
		}
	}
}

func TestInputs(t *testing.T) {
	got, p := inputs(mustObject(t, `{"s": "text", "n": 3, "f": -1.50, "big": 12345678901234567890, "t": true, "no": false, "e": ""}`), 25)
	if p != nil {
		t.Fatal(p)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"s": "text", "n": "3", "f": "-1.50", "big": "12345678901234567890", "t": "true", "no": "false", "e": ""}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("inputs = %v; want %v (numbers and booleans as their text)", m, want)
	}
	for _, c := range []struct {
		body string
		max  int
		want string
	}{
		{props(25, `"x"`), 25, ""},
		{props(26, `"x"`), 25, "the body has 26 properties; GitHub takes at most 25 workflow inputs here"},
		{props(10, `"x"`), MaxInputsGHES, ""},
		{props(11, `"x"`), MaxInputsGHES, "the body has 11 properties; GitHub takes at most 10 workflow inputs here"},
		{`{"o": {"a": 1}}`, 25, `input "o" is not text, a number or true/false: a workflow input holds one of those`},
		{`{"l": [1]}`, 25, `input "l" is not text, a number or true/false: a workflow input holds one of those`},
		{`{"z": null}`, 25, `input "z" is not text, a number or true/false: a workflow input holds one of those`},
	} {
		_, p := inputs(mustObject(t, c.body), c.max)
		if c.want == "" {
			if p != nil {
				t.Errorf("%.40s: %+v", c.body, p)
			}
			continue
		}
		if p == nil || p.status != 422 || p.reason != reasonLimits || p.message != c.want {
			t.Errorf("%.40s: %+v; want %q", c.body, p, c.want)
		}
	}
}

func mustObject(t *testing.T, body string) []member {
	t.Helper()
	m, p := object([]byte(body))
	if p != nil {
		t.Fatal(p)
	}
	return m
}

// The limits are GitHub's: the dispatch endpoints' maxProperties and
// maxLength in its REST descriptions (the contract's copies, refreshed by
// internal/githubtest/contract/refresh.sh). A refresh that changes one
// fails here until the constant follows.
func TestLimitsAreGitHubs(t *testing.T) {
	files, _ := filepath.Glob("../githubtest/contract/descriptions/*.json")
	if len(files) != 3 {
		t.Fatalf("descriptions: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Paths map[string]map[string]struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]struct {
								MaxProperties int `json:"maxProperties"`
								MaxLength     int `json:"maxLength"`
							} `json:"properties"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		props := func(path string) map[string]struct {
			MaxProperties int `json:"maxProperties"`
			MaxLength     int `json:"maxLength"`
		} {
			return d.Paths[path]["post"].RequestBody.Content["application/json"].Schema.Properties
		}
		repo := props("/repos/{owner}/{repo}/dispatches")
		wf := props("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches")
		inputs := MaxInputsGitHub
		if strings.HasPrefix(filepath.Base(f), "ghes-") {
			inputs = MaxInputsGHES
		}
		if repo["client_payload"].MaxProperties != MaxClientPayload || repo["event_type"].MaxLength != maxEventType || wf["inputs"].MaxProperties != inputs {
			t.Errorf("%s: client_payload %d, event_type %d, inputs %d; the constants say %d, %d, %d",
				filepath.Base(f), repo["client_payload"].MaxProperties, repo["event_type"].MaxLength, wf["inputs"].MaxProperties, MaxClientPayload, maxEventType, inputs)
		}
	}
}
