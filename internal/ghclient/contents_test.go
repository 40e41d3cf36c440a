package ghclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// GetFile reads a file with the installation token it is given, and
// refuses an answer that is not that file's content: a directory, no
// base64, content other than its size says, or a file larger than the
// caller reads (decided from its size, before decoding).
func TestGetFile(t *testing.T) {
	t.Parallel()
	const (
		path    = ".github/chainguard/release bot.sts.yaml"
		content = "issuer: https://token.actions.githubusercontent.com\nsubject: repo:octo-org/app:ref:refs/heads/main\n"
	)
	answer := func(edit func(map[string]any)) string {
		return githubtest.FileAnswer("octo-org", "app", path, content, edit)
	}
	for _, tc := range []struct {
		name, body string
		limit      int64
		problem    string // "" for success
	}{
		{"a file", answer(nil), 1024, ""},
		{"a file of exactly the limit", answer(nil), int64(len(content)), ""},
		{"a file over the limit", answer(nil), int64(len(content)) - 1, "large"},
		{"a directory", `{"type":"dir","size":0,"name":"x","path":"x","sha":"0"}`, 1024, "not a file"},
		{"no encoding", answer(func(m map[string]any) { m["encoding"], m["content"] = "none", "" }), 1024, "not base64"},
		{"not base64", answer(func(m map[string]any) { m["content"] = "!!!!" }), 1024, "not base64"},
		{"a size that lies", answer(func(m map[string]any) { m["size"] = 3 }), 1024, "where its size says 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				expect(t, r, "GET", "/api/v3/repos/octo-org/app/contents/.github/chainguard/release bot.sts.yaml", "Bearer ghs_policyreader")
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			})
			data, err := c.GetFile(context.Background(), "ghs_policyreader", "octo-org", "app", path, tc.limit)
			var (
				large *FileTooLargeError
				bad   *BadAnswerError
			)
			switch {
			case tc.problem == "":
				if err != nil || string(data) != content {
					t.Fatalf("got %q, %v; want the file", data, err)
				}
			case tc.problem == "large":
				if !errors.As(err, &large) || large.Size != int64(len(content)) || large.Limit != tc.limit {
					t.Fatalf("got %v, want a FileTooLargeError", err)
				}
			default:
				if !errors.As(err, &bad) || !strings.Contains(bad.Error(), tc.problem) {
					t.Fatalf("got %v, want an answer refused for %q", err, tc.problem)
				}
			}
		})
	}
}
