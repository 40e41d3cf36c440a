package githubtest

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Identifier bases: fixed so ids are stable for a given Config, and far apart
// so an account id is never mistaken for a repository id in a test.
const (
	firstAccountID int64 = 5_000_001
	firstRepoID    int64 = 700_000_001
)

type account struct {
	login string
	id    int64
	typ   string
	repos []*repo // in Config order
}

type repo struct {
	id    int64
	name  string
	owner *account
	refs  map[string]map[string]string // ref ("" = default branch) → path → content
}

func (r *repo) fullName() string { return r.owner.login + "/" + r.name }

type installation struct {
	cfg         Installation // deep copy
	account     *account
	reach       []*repo // what the installation itself reaches, in account order
	suspendedAt time.Time
}

// world is the immutable view of a Config built once by New; only tokens,
// requests and dispatches change afterwards, and those live in Server.
type world struct {
	app       App
	accounts  map[string]*account // lower-case login -> account
	reposByID map[int64]*repo
	installs  []*installation // Config order
	byID      map[int64]*installation
}

func newWorld(cfg Config, now time.Time) *world {
	w := &world{
		app:       cfg.App,
		accounts:  map[string]*account{},
		reposByID: map[int64]*repo{},
		byID:      map[int64]*installation{},
	}
	// Gather every login and its repository names, merging logins that
	// differ only in case like GitHub does.
	names := map[string][]string{}
	display := map[string]string{}
	add := func(login string, repos ...string) {
		key := strings.ToLower(login)
		if _, ok := display[key]; !ok {
			display[key] = login
		}
		for _, r := range repos {
			if !slices.ContainsFunc(names[key], func(x string) bool { return strings.EqualFold(x, r) }) {
				names[key] = append(names[key], r)
			}
		}
	}
	for _, login := range slices.Sorted(maps.Keys(cfg.Repositories)) {
		add(login, cfg.Repositories[login]...)
	}
	for _, in := range cfg.Installations {
		add(in.Account, in.Repositories...)
	}
	for login := range cfg.AccountTypes {
		add(login)
	}
	for _, key := range slices.Sorted(slices.Values(fileKeys(cfg))) {
		owner, name, _ := splitFileKey(key)
		add(owner, name)
	}
	if cfg.App.Owner != "" {
		add(cfg.App.Owner)
	}

	nextRepo := firstRepoID
	for i, key := range slices.Sorted(maps.Keys(display)) {
		a := &account{login: display[key], id: firstAccountID + int64(i), typ: "User"}
		for k, v := range cfg.AccountTypes {
			if strings.EqualFold(k, a.login) {
				a.typ = v
			}
		}
		for _, n := range names[key] {
			r := &repo{id: nextRepo, name: n, owner: a}
			nextRepo++
			a.repos = append(a.repos, r)
			w.reposByID[r.id] = r
		}
		w.accounts[key] = a
	}

	for _, c := range cfg.Installations {
		a := w.accounts[strings.ToLower(c.Account)]
		if c.AccountType != "" {
			a.typ = c.AccountType
		}
		in := &installation{cfg: copyInstallation(c), account: a}
		if c.Suspended {
			in.suspendedAt = now.Add(-24 * time.Hour).Truncate(time.Second)
		}
		for _, r := range a.repos {
			if c.RepositorySelection != "selected" ||
				slices.ContainsFunc(c.Repositories, func(x string) bool { return strings.EqualFold(x, r.name) }) {
				in.reach = append(in.reach, r)
			}
		}
		w.installs = append(w.installs, in)
		if _, dup := w.byID[c.ID]; !dup {
			w.byID[c.ID] = in
		}
	}
	if w.app.Owner == "" && len(w.installs) > 0 {
		w.app.Owner = w.installs[0].account.login
	}
	w.addFiles(cfg)
	return w
}

func copyInstallation(c Installation) Installation {
	c.Repositories = slices.Clone(c.Repositories)
	c.Permissions = maps.Clone(c.Permissions)
	return c
}

func (w *world) account(login string) *account { return w.accounts[strings.ToLower(login)] }

// installationOn returns the installation on the account login, if any.
func (w *world) installationOn(login string) *installation {
	for _, in := range w.installs {
		if strings.EqualFold(in.account.login, login) && in.account.typ != AccountEnterprise {
			return in
		}
	}
	return nil
}

// findRepo returns the repository owner/name, matched case-insensitively.
func (w *world) findRepo(owner, name string) *repo {
	a := w.account(owner)
	if a == nil {
		return nil
	}
	for _, r := range a.repos {
		if strings.EqualFold(r.name, name) {
			return r
		}
	}
	return nil
}

func (in *installation) reaches(r *repo) bool { return slices.Contains(in.reach, r) }

// hasEnterprise reports whether an installation is on an enterprise
// account, which only GHEC has.
func (w *world) hasEnterprise() bool {
	for _, in := range w.installs {
		if in.account.typ == AccountEnterprise {
			return true
		}
	}
	return false
}
