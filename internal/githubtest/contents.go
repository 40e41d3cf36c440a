package githubtest

// GET /repos/{owner}/{repo}/contents/{path}, GitHub's "Get repository
// content", for what a token broker reads: trust policies in a repository,
// or in its owner's ".github" repository. Files come from Config.Files and
// Config.FilesAt; every request with a live token is recorded
// (ContentReads), so a test can prove which token read what.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultBranch is every emulated repository's default branch.
const DefaultBranch = "main"

// MaxContentSize is the largest file whose content the contents API gives:
// above it GitHub answers "encoding": "none" and an empty content (its
// documentation's "Between 1-100 MB" case; go-github's GetContent names the
// same rule).
const MaxContentSize = 1 << 20

// msgNoCommit is GitHub's answer (404) for a ref it cannot resolve.
const msgNoCommit = "No commit found for the ref "

// ContentRead is one request to the contents API that carried a live
// installation token, and what the emulator answered.
type ContentRead struct {
	Owner, Repo    string // as requested
	Path           string // without a trailing slash
	Ref            string // the ?ref= asked for, "" for none
	Token          string // the installation token used
	InstallationID int64
	// Repositories and Permissions are the token's scope when it read:
	// nil Repositories means all the installation reaches.
	Repositories []string
	Permissions  map[string]string
	Status       int
	At           time.Time // server clock
}

// ContentReads returns every contents API request made with a live token,
// in order.
func (s *Server) ContentReads() []ContentRead {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ContentRead, len(s.contentReads))
	for i, c := range s.contentReads {
		c.Repositories = slices.Clone(c.Repositories)
		c.Permissions = maps.Clone(c.Permissions)
		out[i] = c
	}
	return out
}

// ContentsPath is the API path of owner/repo's path, as Fault.Path matches
// it (add "*" to match everything below a directory).
func ContentsPath(owner, repo, path string) string {
	return "/repos/" + owner + "/" + repo + "/contents/" + strings.Trim(path, "/")
}

// splitFileKey splits a Config.Files key "OWNER/REPO/PATH". It panics on a
// key that names no file, a test's mistake that must not pass silently.
func splitFileKey(key string) (owner, repo, path string) {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) == 3 {
		owner, repo, path = parts[0], parts[1], parts[2]
	}
	ok := owner != "" && repo != "" && path != ""
	for _, seg := range strings.Split(path, "/") {
		ok = ok && seg != "" && seg != "." && seg != ".."
	}
	if !ok {
		panic(fmt.Sprintf("githubtest: file %q is not OWNER/REPO/PATH with a clean PATH", key))
	}
	return owner, repo, path
}

// fileKeys lists every key of Config.Files and Config.FilesAt.
func fileKeys(cfg Config) []string {
	keys := slices.Collect(maps.Keys(cfg.Files))
	for _, files := range cfg.FilesAt {
		keys = slices.AppendSeq(keys, maps.Keys(files))
	}
	return keys
}

// addFiles gives each repository its files, per ref ("" is the default
// branch).
func (w *world) addFiles(cfg Config) {
	put := func(ref string, files map[string]string) {
		for key, content := range files {
			owner, name, path := splitFileKey(key)
			r := w.findRepo(owner, name)
			if r.refs == nil {
				r.refs = map[string]map[string]string{}
			}
			if r.refs[ref] == nil {
				r.refs[ref] = map[string]string{}
			}
			r.refs[ref][path] = content
		}
	}
	put("", cfg.Files)
	for ref, files := range cfg.FilesAt {
		put(ref, files)
	}
}

// tree returns the files of r at ref, or false when GitHub would find no
// commit for it: the default branch by name or full name, or a ref of
// Config.FilesAt, bare or under refs/heads/ or refs/tags/.
func (r *repo) tree(ref string) (map[string]string, bool) {
	switch ref {
	case "", DefaultBranch, "refs/heads/" + DefaultBranch:
		return r.refs[""], true
	}
	for _, name := range []string{ref, strings.TrimPrefix(ref, "refs/heads/"), strings.TrimPrefix(ref, "refs/tags/")} {
		if files, ok := r.refs[name]; ok && name != "" {
			return files, true
		}
	}
	return nil, false
}

// getContents answers GET /repos/{owner}/{repo}/contents/{path...} as
// GitHub does for a private repository: 404 to a request without a
// credential or with a token that cannot see the repository, 401 for a
// credential that is not a live token, and 403 "Resource not accessible by
// integration" with X-Accepted-GitHub-Permissions to a token that sees the
// repository (every installation token has metadata: read) but lacks
// contents: read.
func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	if AuthKind(r.Header.Get("Authorization")) == "none" {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	t, ok := s.requireToken(w, r)
	if !ok {
		return
	}
	read := ContentRead{
		Owner: r.PathValue("owner"), Repo: r.PathValue("repo"), Path: strings.Trim(r.PathValue("path"), "/"),
		Ref: r.URL.Query().Get("ref"), Token: t.Token, InstallationID: t.InstallationID,
		Repositories: slices.Clone(t.Repositories), Permissions: maps.Clone(t.Permissions), At: s.clock(),
	}
	read.Status = s.answerContents(w, r, t, read)
	s.mu.Lock()
	s.contentReads = append(s.contentReads, read)
	s.mu.Unlock()
}

// answerContents writes the answer to a contents request with live token t
// and returns its status.
func (s *Server) answerContents(w http.ResponseWriter, r *http.Request, t *IssuedToken, read ContentRead) int {
	rp := s.world.findRepo(read.Owner, read.Repo)
	if rp == nil || !slices.Contains(s.tokenReach(t), rp) {
		writeError(w, http.StatusNotFound, msgNotFound)
		return http.StatusNotFound
	}
	if levelRank(t.Permissions["contents"]) < levelRank("read") {
		w.Header().Set("X-Accepted-Github-Permissions", "contents=read")
		writeError(w, http.StatusForbidden, msgNotAccessible)
		return http.StatusForbidden
	}
	files, ok := rp.tree(read.Ref)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoCommit+read.Ref)
		return http.StatusNotFound
	}
	ref := read.Ref
	if ref == "" {
		ref = DefaultBranch
	}
	at := contentsAt{base: apiBase(r), repo: rp, ref: ref}
	if content, ok := files[read.Path]; ok {
		writeJSON(w, http.StatusOK, at.file(read.Path, content))
		return http.StatusOK
	}
	if entries := at.dir(files, read.Path); len(entries) > 0 {
		writeJSON(w, http.StatusOK, entries)
		return http.StatusOK
	}
	writeError(w, http.StatusNotFound, msgNotFound)
	return http.StatusNotFound
}

// contentsAt renders the contents API's objects for one repository and ref.
type contentsAt struct {
	base string
	repo *repo
	ref  string
}

// entry is what a file and a directory entry share: GitHub's
// content-directory item, less content and encoding.
func (c contentsAt) entry(typ, path, sha string, size int) map[string]any {
	full := c.repo.fullName()
	self := c.base + "/repos/" + full + "/contents/" + escapePath(path) + "?ref=" + url.QueryEscape(c.ref)
	kind, gitKind := "blob", "blobs"
	if typ == "dir" {
		kind, gitKind = "tree", "trees"
	}
	git := c.base + "/repos/" + full + "/git/" + gitKind + "/" + sha
	html := "https://github.com/" + full + "/" + kind + "/" + escapePath(c.ref) + "/" + escapePath(path)
	var download any // a directory has none
	if typ == "file" {
		download = "https://raw.githubusercontent.com/" + full + "/" + escapePath(c.ref) + "/" + escapePath(path)
	}
	return map[string]any{
		"type": typ, "size": size, "name": path[strings.LastIndex(path, "/")+1:], "path": path, "sha": sha,
		"url": self, "git_url": git, "html_url": html, "download_url": download,
		"_links": map[string]any{"self": self, "git": git, "html": html},
	}
}

// file is GitHub's content-file answer: the bytes in base64 with a line
// break after every 60 characters (Ruby's Base64.encode64, as GitHub
// sends them), or, above MaxContentSize, none.
func (c contentsAt) file(path, content string) map[string]any {
	m := c.entry("file", path, gitSHA("blob", content), len(content))
	m["encoding"], m["content"] = "base64", encode64(content)
	if len(content) > MaxContentSize {
		m["encoding"], m["content"] = "none", ""
	}
	return m
}

// dir lists the files and directories right under path (the root for ""),
// sorted by name; none when path is not a directory.
func (c contentsAt) dir(files map[string]string, path string) []map[string]any {
	prefix := path + "/"
	if path == "" {
		prefix = ""
	}
	seen := map[string]bool{}
	var out []map[string]any
	for _, p := range slices.Sorted(maps.Keys(files)) {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		name, _, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		if isDir {
			out = append(out, c.entry("dir", prefix+name, gitSHA("tree", prefix+name), 0))
		} else {
			out = append(out, c.entry("file", p, gitSHA("blob", files[p]), len(files[p])))
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
	return out
}

// gitSHA is git's object id of content as an object of kind: for a blob,
// the sha git hash-object gives. A tree's is made from its path, as the
// emulator keeps no trees.
func gitSHA(kind, content string) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(kind+" "+itoa(int64(len(content)))+"\x00"+content)))
}

// encode64 is base64 in lines of 60 characters, each ending in a newline.
func encode64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60] + "\n")
		enc = enc[60:]
	}
	if enc != "" {
		b.WriteString(enc + "\n")
	}
	return b.String()
}

func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// FileAnswer is the contents API's answer for owner/name's file at path
// holding content, as JSON for a Fault's Body after edit (nil: none)
// changed it: a wrong encoding, a content that is not base64, a size that
// lies. URLs in it point at api.github.com.
func FileAnswer(owner, name, path, content string, edit func(answer map[string]any)) string {
	r := &repo{name: name, owner: &account{login: owner}}
	m := contentsAt{base: "https://api.github.com", repo: r, ref: DefaultBranch}.file(strings.Trim(path, "/"), content)
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// YAMLBomb is a "billion laughs" YAML document: depth levels of anchors,
// each alias list naming the one before nine times, so a parser that
// expands aliases builds 9^depth strings from a few hundred bytes.
func YAMLBomb(depth int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [\"lol\"]\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}
