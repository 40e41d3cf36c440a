package ghclient

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// FileTooLargeError is a file larger than the caller reads: GitHub's
// answer said so (its size), and its content was not decoded.
type FileTooLargeError struct {
	// Path is the file's path in its repository.
	Path string
	// Size is the file's size as GitHub gave it; Limit the most the caller
	// reads. Both in bytes.
	Size, Limit int64
}

func (e *FileTooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, more than the %d read", e.Path, e.Size, e.Limit)
}

// file is the part of GitHub's content-file object a reader needs.
type file struct {
	Type     string `json:"type"`
	Encoding string `json:"encoding"`
	Size     int64  `json:"size"`
	Content  string `json:"content"`
}

// GetFile reads one file of owner/repo on its default branch with an
// installation token (which needs contents: read there), and returns its
// bytes. A file larger than limit bytes is a *FileTooLargeError, decided
// from GitHub's size before anything is decoded; a missing file is
// GitHub's 404 (*APIError, KindOf NotFound); a directory, or content that
// is not the base64 of size bytes, is a *BadAnswerError. The answer itself
// is bounded by the caller's transports, as every answer is.
//
// GitHub API docs: GET /repos/{owner}/{repo}/contents/{path}
func (c *Client) GetFile(ctx context.Context, token, owner, repo, path string, limit int64) ([]byte, error) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	call := fmt.Sprintf("repos/%s/%s/contents/%s", url.PathEscape(owner), url.PathEscape(repo), strings.Join(segments, "/"))
	var f file
	if err := c.do(ctx, c.token, "GET", call, token, nil, &f); err != nil {
		return nil, err
	}
	answer := answerOf{method: "GET", path: "/" + call}
	switch {
	case f.Type != "file":
		return nil, answer.bad(BadAnswerError{Problem: UnexpectedJSON, Detail: "it is not a file"})
	case f.Size > limit:
		return nil, &FileTooLargeError{Path: path, Size: f.Size, Limit: limit}
	case f.Encoding != "base64":
		return nil, answer.bad(BadAnswerError{Problem: UnexpectedJSON, Detail: "the content is not base64"})
	}
	// GitHub breaks the base64 into lines; only whole content is decoded,
	// and it must be the size GitHub says.
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(f.Content, "\n", ""))
	switch {
	case err != nil:
		return nil, answer.bad(BadAnswerError{Problem: UnexpectedJSON, Detail: "the content is not base64"})
	case int64(len(data)) != f.Size:
		return nil, answer.bad(BadAnswerError{Problem: UnexpectedJSON, Detail: fmt.Sprintf("the content is %d bytes where its size says %d", len(data), f.Size)})
	}
	return data, nil
}
