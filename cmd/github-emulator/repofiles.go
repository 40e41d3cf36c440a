package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/githubtest"
)

// loadFiles reads dir's files as the contents API serves them: dir/OWNER/
// REPO/PATH becomes OWNER/REPO's file PATH on the default branch. Hidden
// folders count (an owner's ".github" repository, ".github/chainguard");
// anything but a regular file (a link, a device) is refused.
func loadFiles(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file", rel)
		case strings.Count(rel, "/") < 2:
			return fmt.Errorf("%s is not under OWNER/REPO/", rel)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("-files %s: %w", dir, err)
	}
	return files, nil
}

// selectFileRepos makes each installation that selects repositories on an
// account also select that account's repositories with files: the App is
// installed where the harness put policies, the owner's .github included.
func selectFileRepos(cfg *githubtest.Config) {
	for key := range cfg.Files {
		owner, repo, _ := strings.Cut(key, "/")
		repo, _, _ = strings.Cut(repo, "/")
		for i := range cfg.Installations {
			in := &cfg.Installations[i]
			if in.RepositorySelection == "selected" && strings.EqualFold(in.Account, owner) &&
				!slices.ContainsFunc(in.Repositories, func(r string) bool { return strings.EqualFold(r, repo) }) {
				in.Repositories = append(in.Repositories, repo)
			}
		}
	}
}
