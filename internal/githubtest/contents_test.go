package githubtest

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

const policyPath = ".github/chainguard/deploy.sts.yaml"

const policy = "issuer: https://token.actions.githubusercontent.com\nsubject: repo:octo-org/app:ref:refs/heads/main\npermissions:\n  contents: write\n"

// contentsWorld is the default world with trust policies in octo-org/app
// and in octo-org's .github repository (which installation 1001 selects),
// a README in infra, and a branch of app with another policy.
func contentsWorld(t *testing.T, edit func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	return newTestServer(t, func(c *Config) {
		c.Files = map[string]string{
			"octo-org/app/" + policyPath:                   policy,
			"octo-org/app/.github/chainguard/ci.sts.yaml":  "issuer: x\n",
			"octo-org/app/.github/workflows/ci.yml":        "on: push\n",
			"octo-org/.github/.github/chainguard/org.yaml": "repositories: [app]\n",
			"octo-org/infra/README.md":                     "hello\n",
		}
		c.FilesAt = map[string]map[string]string{"feature": {"octo-org/app/" + policyPath: "issuer: feature\n"}}
		c.Installations[0].Repositories = append(c.Installations[0].Repositories, ".github")
		if edit != nil {
			edit(c)
		}
	})
}

// contentsClient is go-github, as a broker would read a policy, with tok.
func contentsClient(t *testing.T, ts *httptest.Server, tok string) *github.Client {
	t.Helper()
	c, err := github.NewClient(ts.Client()).WithAuthToken(tok).WithEnterpriseURLs(ts.URL+"/api/v3/", ts.URL+"/api/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A file answer is GitHub's: base64 in lines of 60 characters, git's blob
// sha, name, path, size and links; go-github decodes it; the read is
// recorded with the token and its scope.
func TestContentsFile(t *testing.T) {
	t.Parallel()
	emu, ts := contentsWorld(t, nil)
	tok := mint(t, ts, "1001", `{"repositories":["app"],"permissions":{"contents":"read"}}`)
	a := call(t, ts, "GET", ContentsPath("octo-org", "app", policyPath), "Bearer "+tok, "")
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	m := a.json(t)
	content := m["content"].(string)
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	for i, l := range lines {
		if (i < len(lines)-1 && len(l) != 60) || len(l) > 60 || l == "" {
			t.Errorf("content line %d is %d characters", i, len(l))
		}
	}
	if raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(content, "\n", "")); err != nil || string(raw) != policy || len(lines) < 2 {
		t.Errorf("content %q decodes to %q (%v)", content, raw, err)
	}
	want := map[string]any{"type": "file", "encoding": "base64", "name": "deploy.sts.yaml", "path": policyPath,
		"size": float64(len(policy)), "download_url": "https://raw.githubusercontent.com/octo-org/app/main/" + policyPath,
		"url": ts.URL + "/repos/octo-org/app/contents/" + policyPath + "?ref=main"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	// git hash-object of "hello\n", as every git knows it.
	readme := call(t, ts, "GET", ContentsPath("octo-org", "infra", "README.md"), "Bearer "+mint(t, ts, "1001", ""), "").json(t)
	if readme["sha"] != "ce013625030ba8dba906f756967f9e9ca394464a" || readme["content"] != "aGVsbG8K\n" {
		t.Errorf("README sha %v content %q", readme["sha"], readme["content"])
	}

	file, dir, _, err := contentsClient(t, ts, tok).Repositories.GetContents(context.Background(), "octo-org", "app", policyPath, nil)
	if err != nil || dir != nil {
		t.Fatalf("go-github: %v, %v", err, dir)
	}
	if text, err := file.GetContent(); err != nil || text != policy || file.GetSHA() != m["sha"] {
		t.Errorf("go-github decodes %q, %v", text, err)
	}

	reads := emu.ContentReads()
	if len(reads) != 3 {
		t.Fatalf("%d reads recorded, want 3", len(reads))
	}
	r := reads[0]
	if r.Owner != "octo-org" || r.Repo != "app" || r.Path != policyPath || r.Token != tok || r.InstallationID != 1001 ||
		len(r.Repositories) != 1 || r.Repositories[0] != "app" || len(r.Permissions) != 1 || r.Permissions["contents"] != "read" ||
		r.Status != http.StatusOK || !r.At.Equal(t0) {
		t.Errorf("read %+v", r)
	}
}

// Who may read: only a live token that reaches the repository with
// contents read or write, as GitHub answers for a private repository; the
// refusals are recorded too.
func TestContentsScope(t *testing.T) {
	t.Parallel()
	emu, ts := contentsWorld(t, nil)
	scoped := mint(t, ts, "1001", `{"repositories":["app"],"permissions":{"contents":"read"}}`)
	writer := mint(t, ts, "1001", `{"repositories":["app"],"permissions":{"contents":"write"}}`)
	noContents := mint(t, ts, "1001", `{"repositories":["app"],"permissions":{"issues":"write"}}`)
	otherRepo := mint(t, ts, "1001", `{"repositories":["infra"],"permissions":{"contents":"read"}}`)
	otherInstall := mint(t, ts, "1002", "")
	revoked := mint(t, ts, "1001", `{"repositories":["app"],"permissions":{"contents":"read"}}`)
	if a := call(t, ts, "DELETE", "/installation/token", "token "+revoked, ""); a.status != http.StatusNoContent {
		t.Fatalf("revoke: %d", a.status)
	}
	path := ContentsPath("octo-org", "app", policyPath)
	for _, tc := range []struct {
		name, auth string
		status     int
		message    string
	}{
		{"scoped to the repository with contents: read", "Bearer " + scoped, 200, ""},
		{"contents: write", "token " + writer, 200, ""},
		{"without contents", "Bearer " + noContents, 403, msgNotAccessible},
		{"scoped to another repository", "Bearer " + otherRepo, 404, msgNotFound},
		{"of another installation", "Bearer " + otherInstall, 404, msgNotFound},
		{"revoked", "Bearer " + revoked, 401, msgBadCredentials},
		{"an App JWT", "Bearer " + appJWT(t), 401, msgBadCredentials},
		{"no credential", "", 404, msgNotFound},
	} {
		a := call(t, ts, "GET", path, tc.auth, "")
		if a.status != tc.status || (tc.message != "" && a.message(t) != tc.message) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.body, tc.status, tc.message)
		}
		if tc.status == 403 && a.header.Get("X-Accepted-GitHub-Permissions") != "contents=read" {
			t.Errorf("%s: X-Accepted-GitHub-Permissions %q", tc.name, a.header.Get("X-Accepted-GitHub-Permissions"))
		}
	}
	var listed struct{ Repositories []map[string]any }
	decode(t, call(t, ts, "GET", "/installation/repositories", "Bearer "+scoped, "").body, &listed)
	if len(listed.Repositories) != 1 || listed.Repositories[0]["private"] != true {
		t.Errorf("the repository is not shown private: %v", listed.Repositories)
	}
	var statuses []int
	for _, r := range emu.ContentReads() {
		statuses = append(statuses, r.Status)
	}
	if want := []int{200, 200, 403, 404, 404}; !slices.Equal(statuses, want) {
		t.Errorf("recorded statuses %v, want %v (live tokens only)", statuses, want)
	}
	if emu.ContentReads()[2].Token != noContents {
		t.Error("the refused read does not name its token")
	}
}

// What is read: the default branch or another ref, a directory (the
// owner's .github repository's policies), and GitHub's 404s for a missing
// file, a missing repository and an unknown ref.
func TestContentsPathsAndRefs(t *testing.T) {
	t.Parallel()
	_, ts := contentsWorld(t, nil)
	auth := "Bearer " + mint(t, ts, "1001", `{"permissions":{"contents":"read"}}`)
	file := func(path, ref string) answer {
		t.Helper()
		p := ContentsPath("octo-org", "app", path)
		if ref != "" {
			p += "?ref=" + ref
		}
		return call(t, ts, "GET", p, auth, "")
	}
	decoded := func(a answer) string {
		b, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(a.json(t)["content"].(string), "\n", ""))
		return string(b)
	}
	for ref, want := range map[string]string{"": policy, "main": policy, "refs/heads/main": policy, "feature": "issuer: feature\n", "refs/heads/feature": "issuer: feature\n"} {
		if a := file(policyPath, ref); a.status != 200 || decoded(a) != want {
			t.Errorf("ref %q: %d %q", ref, a.status, a.body)
		}
	}
	if a := file(policyPath, "nope"); a.status != 404 || a.message(t) != "No commit found for the ref nope" {
		t.Errorf("unknown ref: %d %s", a.status, a.body)
	}
	if a := file(".github/chainguard/missing.sts.yaml", ""); a.status != 404 || a.message(t) != msgNotFound {
		t.Errorf("missing file: %d %s", a.status, a.body)
	}
	if a := call(t, ts, "GET", ContentsPath("octo-org", "nothing", "x"), auth, ""); a.status != 404 {
		t.Errorf("missing repository: %d", a.status)
	}

	a := file(".github", "")
	var entries []map[string]any
	decode(t, a.body, &entries)
	if a.status != 200 || len(entries) != 2 || entries[0]["name"] != "chainguard" || entries[0]["type"] != "dir" ||
		entries[0]["download_url"] != nil || entries[1]["name"] != "workflows" || entries[0]["path"] != ".github/chainguard" {
		t.Errorf("directory: %d %v", a.status, entries)
	}
	a = file(".github/chainguard/", "")
	decode(t, a.body, &entries)
	if len(entries) != 2 || entries[0]["name"] != "ci.sts.yaml" || entries[0]["type"] != "file" || entries[1]["path"] != policyPath {
		t.Errorf("policies: %v", entries)
	}
	org := call(t, ts, "GET", ContentsPath("octo-org", ".github", ".github/chainguard/org.yaml"), auth, "")
	if org.status != 200 || decoded(org) != "repositories: [app]\n" {
		t.Errorf("the owner's .github repository: %d %s", org.status, org.body)
	}
}

// Above MaxContentSize GitHub gives no content ("encoding": "none"),
// which go-github reports; at it, the whole file.
func TestContentsLargeFile(t *testing.T) {
	t.Parallel()
	_, ts := contentsWorld(t, func(c *Config) {
		c.Files["octo-org/app/big.yaml"] = strings.Repeat("a", MaxContentSize+1)
		c.Files["octo-org/app/edge.yaml"] = strings.Repeat("b", MaxContentSize)
	})
	tok := mint(t, ts, "1001", "")
	big := call(t, ts, "GET", ContentsPath("octo-org", "app", "big.yaml"), "Bearer "+tok, "").json(t)
	if big["encoding"] != "none" || big["content"] != "" || big["size"] != float64(MaxContentSize+1) {
		t.Errorf("big file: encoding %v, %d content bytes, size %v", big["encoding"], len(big["content"].(string)), big["size"])
	}
	edge := call(t, ts, "GET", ContentsPath("octo-org", "app", "edge.yaml"), "Bearer "+tok, "").json(t)
	if edge["encoding"] != "base64" || len(edge["content"].(string)) < MaxContentSize {
		t.Errorf("a file of exactly MaxContentSize: encoding %v", edge["encoding"])
	}
	file, _, _, err := contentsClient(t, ts, tok).Repositories.GetContents(context.Background(), "octo-org", "app", "big.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.GetContent(); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("go-github on the big file: %v", err)
	}
}

// Hostile contents, through the Fault machinery: a file whose encoding is
// not base64, content that is not base64, a gigabyte streamed, a slow
// answer; and a YAML bomb, which GitHub would serve like any file.
func TestContentsHostile(t *testing.T) {
	t.Parallel()
	after, waited := noWait()
	emu, ts := contentsWorld(t, func(c *Config) {
		c.Files["octo-org/app/.github/chainguard/bomb.sts.yaml"] = YAMLBomb(9)
		c.After = after
	})
	auth := "Bearer " + mint(t, ts, "1001", "")
	path := ContentsPath("octo-org", "app", policyPath)

	emu.AddFault(Fault{Method: "GET", Path: path, Status: 200,
		Body: FileAnswer("octo-org", "app", policyPath, policy, func(m map[string]any) { m["encoding"] = "utf-16" })})
	if m := call(t, ts, "GET", path, auth, "").json(t); m["encoding"] != "utf-16" || m["path"] != policyPath || m["content"] == "" {
		t.Errorf("wrong encoding: %v", m)
	}
	emu.AddFault(Fault{Method: "GET", Path: path, Status: 200,
		Body: FileAnswer("octo-org", "app", policyPath, policy, func(m map[string]any) { m["content"] = "%%% not base64 %%%" })})
	if m := call(t, ts, "GET", path, auth, "").json(t); m["encoding"] != "base64" || m["content"] != "%%% not base64 %%%" {
		t.Errorf("not base64: %v", m)
	}
	emu.AddFault(Fault{Method: "GET", Path: ContentsPath("octo-org", "app", ".github") + "*", Status: 200, Body: `{"content":"`, BodyBytes: 8 << 20})
	if a := call(t, ts, "GET", path, auth, ""); len(a.body) != 8<<20 {
		t.Errorf("a streamed answer of %d bytes, want 8 MiB", len(a.body))
	}
	emu.AddFault(Fault{Method: "GET", Path: path, Delay: 30 * time.Second})
	if a := call(t, ts, "GET", path, auth, ""); a.status != 200 {
		t.Errorf("slow answer: %d", a.status)
	}
	if len(waited) != 1 || <-waited != 30*time.Second {
		t.Error("the slow answer did not wait its Delay once")
	}

	bomb := YAMLBomb(9)
	if len(bomb) > 1000 || strings.Count(bomb, "*a8") != 9 || !strings.HasPrefix(bomb, "a0: &a0 [") {
		t.Errorf("YAML bomb of %d bytes:\n%s", len(bomb), bomb)
	}
	a := call(t, ts, "GET", ContentsPath("octo-org", "app", ".github/chainguard/bomb.sts.yaml"), auth, "").json(t)
	if raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(a["content"].(string), "\n", "")); string(raw) != bomb {
		t.Error("the bomb is not served as it was put")
	}
}

// A file key that names no file is a test's mistake, refused at New.
func TestFilesMustNameFiles(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"octo-org/app", "octo-org//x", "octo-org/app/../x", "octo-org/app/a//b", "/app/x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q was taken", key)
				}
			}()
			New(Config{Files: map[string]string{key: "x"}})
		}()
	}
}
