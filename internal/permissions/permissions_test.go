package permissions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTableMatchesGitHubsList(t *testing.T) {
	t.Parallel()
	var raw struct {
		Permissions map[string]struct {
			Levels []string `json:"levels"`
		} `json:"permissions"`
	}
	data, err := os.ReadFile("app-permissions.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	// 59 from GitHub, plus team_discussions from the official action's inputs.
	if got, want := len(All()), len(raw.Permissions)+1; got != want || len(raw.Permissions) != 59 {
		t.Fatalf("All() has %d permissions, the table %d (expected 59, and one from the official action)", got, len(raw.Permissions))
	}
	for name, p := range raw.Permissions {
		spec, ok := Lookup(name)
		if !ok {
			t.Errorf("Lookup(%q) failed", name)
			continue
		}
		for _, l := range p.Levels {
			if !spec.Allows(l) {
				t.Errorf("%s should allow %s", name, l)
			}
		}
		if len(spec.Levels) != len(p.Levels) {
			t.Errorf("%s levels = %v, table %v", name, spec.Levels, p.Levels)
		}
	}
	if spec, _ := Lookup("pull_requests"); spec.InputName() != "permission-pull-requests" {
		t.Errorf("InputName = %q", spec.InputName())
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) succeeded")
	}
}

func TestParseBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     Set
		wantErr  string
	}{
		{"workflow block", "contents: write\npull-requests: read\n", Set{"contents": "write", "pull_requests": "read"}, ""},
		{"comments and blanks", "# release\n\n  contents: write # tags\n\n", Set{"contents": "write"}, ""},
		{"flow map", "{contents: write, issues: read}", Set{"contents": "write", "issues": "read"}, ""},
		{"quoted and upper case", "Contents: \"WRITE\"\nIssues: 'read'", Set{"contents": "write", "issues": "read"}, ""},
		{"crlf", "contents: write\r\nissues: read\r\n", Set{"contents": "write", "issues": "read"}, ""},
		{"empty", "  \n", Set{}, ""},
		{"same twice agrees", "contents: read\ncontents: read", Set{"contents": "read"}, ""},
		{"missing level", "contents\nissues:", nil, `line 1: "contents" is not`},
		{"both problems listed", "contents\nissues:", nil, `line 2: "issues:" is not`},
		{"twice disagreeing", "contents: read\ncontents: write", nil, `listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBlock(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	got, err := Merge(Set{"contents": "write"}, Set{"issues": "read", "contents": "write"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Set{"contents": "write", "issues": "read"}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	_, err = Merge(Set{"contents": "write"}, Set{"contents": "read"})
	if err == nil || !strings.Contains(err.Error(), "permission-contents") || !strings.Contains(err.Error(), "set it in one place") {
		t.Errorf("conflict err = %v", err)
	}
}

// A permission newer than the table is sent to GitHub as written, unless it
// is a likely typo of a known name.
func TestValidateForwardsNewPermissions(t *testing.T) {
	t.Parallel()
	// models and id_token are not in the table: GitHub, not this action,
	// says whether an App token may carry them.
	fwd, err := Validate(Set{"contents": "write", "quantum_computers": "write", "zzzzzzzzzzzz": "read", "models": "read", "id_token": "write"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fwd, []string{"id_token", "models", "quantum_computers", "zzzzzzzzzzzz"}) {
		t.Errorf("forwarded = %q", fwd)
	}
	for _, typo := range []string{"contens", "isuses", "actoins", "pull_request"} {
		if _, err := Validate(Set{typo: "read"}); err == nil || !strings.Contains(err.Error(), "did you mean") {
			t.Errorf("%s: err = %v, want a suggestion", typo, err)
		}
	}
}

func TestExceeds(t *testing.T) {
	t.Parallel()
	limit := Set{"contents": "write", "issues": "read"}
	got := Exceeds(Set{"contents": "write", "issues": "write", "metadata": "read", "actions": "read", "pages": "owner", "x\n": "read"}, limit)
	want := []string{"actions:read", "issues:write", "pages:owner"}
	if !slices.Equal(got, want) {
		t.Errorf("Exceeds = %q, want %q", got, want)
	}
	if got := Exceeds(Set{"contents": "read", "metadata": "read"}, limit); len(got) != 0 {
		t.Errorf("a narrower grant exceeds: %q", got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  Set
		want []string // substrings, each must appear
	}{
		{"all fine", Set{"contents": "write", "repository_projects": "admin", "workflows": "write"}, nil},
		{"typo suggests", Set{"contnets": "write"}, []string{`unknown permission "contnets" (did you mean "contents"?)`}},
		{"prefix suggests", Set{"pull": "read"}, []string{`did you mean "pull_requests"`}},
		{"forwarded level must be GitHub's", Set{"zzzzzzzzzzzz": "owner"}, []string{`unknown permission "zzzzzzzzzzzz" at level "owner"`}},
		{"forwarded name must be snake_case", Set{"bad\n::error::x": "read"}, []string{`unknown permission "bad\n::error::x"`}},
		{"level not allowed", Set{"workflows": "read"}, []string{`"workflows" cannot be "read": GitHub accepts write`}},
		{"admin only where allowed", Set{"contents": "admin"}, []string{`"contents" cannot be "admin": GitHub accepts read or write`}},
		{"none rejected", Set{"issues": "none"}, []string{`leave the permission out`}},
		{"every problem at once", Set{"contnets": "write", "workflows": "read"}, []string{"contnets", "workflows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(tt.req)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(tt.name, "every") && len(perr.Problems) != 2 {
				t.Errorf("problems = %q, want 2", perr.Problems)
			}
		})
	}
}

func TestCheckGranted(t *testing.T) {
	t.Parallel()
	granted := Set{"contents": "write", "issues": "read", "repository_projects": "admin"}
	if err := CheckGranted(Set{"contents": "read", "repository_projects": "write"}, granted, "octo-org"); err != nil {
		t.Fatalf("lower levels must pass: %v", err)
	}
	err := CheckGranted(Set{"issues": "write", "packages": "read", "contents": "write"}, granted, "octo-org")
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"issues:write exceeds what the installation on octo-org granted (read)", "packages:read is not granted to the installation on octo-org at all"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "contents") {
		t.Errorf("contents:write was granted, error mentions it: %q", err)
	}
}

func TestSetString(t *testing.T) {
	t.Parallel()
	if got := (Set{"issues": "read", "contents": "write"}).String(); got != "contents:write, issues:read" {
		t.Errorf("String() = %q", got)
	}
}

// A flood of bad entries keeps a handful of sentences and counts the rest,
// in every check: parsing, validating, comparing with the grant.
func TestProblemsAreCapped(t *testing.T) {
	t.Parallel()
	_, parseErr := ParseBlock(strings.Repeat("x,", 60000))
	req := Set{}
	for i := range 9000 {
		req[fmt.Sprintf("z%d!", i)] = "read"
	}
	_, validateErr := Validate(req)
	granted := Set{}
	for i := range 9000 {
		req[fmt.Sprintf("zz%dq", i)] = "read"
	}
	grantErr := CheckGranted(req, granted, "octocat")
	for name, tc := range map[string]struct {
		err  error
		more int
	}{"parse": {parseErr, 60000 - 5}, "validate": {validateErr, 9000 - 5}, "grant": {grantErr, 18000 - 5}} {
		var perr *Error
		if !errors.As(tc.err, &perr) || len(perr.Problems) != 5 || perr.More != tc.more {
			t.Errorf("%s: %v", name, tc.err)
			continue
		}
		if msg := perr.Error(); len(msg) > 2048 || !strings.HasSuffix(msg, fmt.Sprintf("; and %d more", tc.more)) {
			t.Errorf("%s: %d bytes: %.200q", name, len(msg), msg)
		}
	}
}
