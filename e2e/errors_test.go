package e2e_test

// Every error names its setting in the words of the door it came through
// (`input permissions` in the job log, `--permissions` on the command line,
// from internal/setting's one table), and the command line gives a newcomer
// the hint that fixes the mistake.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/setting"
	"github.com/golang-jwt/jwt/v5"
)

// wordsCase is one mistake a user can make, made the same way at both
// doors: the action gets each setting as its input, the command line as
// its flag (both spelt by internal/setting's table).
type wordsCase struct {
	name string
	set  map[setting.ID]string
	// names are the settings the error must name, in each door's words.
	names []setting.ID
}

// wordsCases cover every kind of error the core reports about a setting:
// each setting's own check, the clashes between settings, and GitHub's
// refusals that point at one.
func wordsCases(otherKey, expiredJWT string) []wordsCase {
	many := make([]string, config.MaxRepositories+1)
	for i := range many {
		many[i] = fmt.Sprintf("repo-%d", i)
	}
	return []wordsCase{
		{"client ID shape", map[setting.ID]string{setting.ClientID: "not a client id!"}, []setting.ID{setting.ClientID}},
		{"App ID not a number", map[setting.ID]string{setting.ClientID: "", setting.AppID: "12ab!"}, []setting.ID{setting.AppID}},
		{"not a key", map[setting.ID]string{setting.PrivateKey: "not a key at all"}, []setting.ID{setting.PrivateKey}},
		{"owner shape", map[setting.ID]string{setting.Owner: "not an owner!"}, []setting.ID{setting.Owner}},
		{"repository shape", map[setting.ID]string{setting.Repositories: "app!"}, []setting.ID{setting.Repositories}},
		{"repositories of another owner", map[setting.ID]string{setting.Repositories: "octocat/blog"}, []setting.ID{setting.Repositories, setting.Owner}},
		{"blank repositories", map[setting.ID]string{setting.Repositories: ", ,"}, []setting.ID{setting.Repositories, setting.Owner}},
		{"permission level", map[setting.ID]string{setting.Permissions: "contents: wrte"}, []setting.ID{setting.Permissions}},
		{"permissions syntax", map[setting.ID]string{setting.Permissions: "contents"}, []setting.ID{setting.Permissions}},
		{"key in a setting", map[setting.ID]string{setting.Permissions: "ghs_16C7e42F292c6912E7710c838347Ae178B4a"}, []setting.ID{setting.Permissions, setting.PrivateKey}},
		{"installation ID shape", map[setting.ID]string{setting.InstallationID: "12ab"}, []setting.ID{setting.InstallationID}},
		{"API URL", map[setting.ID]string{setting.APIURL: "ftp://ghes.example.com"}, []setting.ID{setting.APIURL}},
		{"retry attempts", map[setting.ID]string{setting.RetryAttempts: "99"}, []setting.ID{setting.RetryAttempts}},
		{"retry budget", map[setting.ID]string{setting.RetrySeconds: "0"}, []setting.ID{setting.RetrySeconds}},
		{"request timeout", map[setting.ID]string{setting.RequestTimeout: "0"}, []setting.ID{setting.RequestTimeout}},
		{"token ready bound", map[setting.ID]string{setting.TokenReady: "500"}, []setting.ID{setting.TokenReady}},
		{"KMS key URI", map[setting.ID]string{setting.PrivateKey: "", setting.KMSKey: "not-a-uri"}, []setting.ID{setting.KMSKey}},
		{"JWT shape", map[setting.ID]string{setting.PrivateKey: "", setting.JWT: "not.a-jwt"}, []setting.ID{setting.JWT}},
		{"JWT and key together", map[setting.ID]string{setting.JWT: "a.b.c"}, []setting.ID{setting.PrivateKey, setting.JWT}},
		{"JWT expired", map[setting.ID]string{setting.PrivateKey: "", setting.JWT: expiredJWT}, []setting.ID{setting.JWT}},
		{"more repositories than a token takes", map[setting.ID]string{setting.Repositories: strings.Join(many, ",")}, []setting.ID{setting.Repositories, setting.Owner}},
		// Settings the command line has no flag for: the action's words only.
		{"skip-token-revoke", map[setting.ID]string{setting.SkipRevoke: "maybe"}, []setting.ID{setting.SkipRevoke}},
		{"enterprise with owner", map[setting.ID]string{setting.Enterprise: "octo-enterprise"}, []setting.ID{setting.Enterprise, setting.Owner}},
		{"CA certificates", map[setting.ID]string{setting.CACertificates: "not a certificate"}, []setting.ID{setting.CACertificates}},
		{"broker over plain http", brokerSet(setting.BrokerURL, "http://broker.example.com"), []setting.ID{setting.BrokerURL}},
		{"broker identity a path", brokerSet(setting.BrokerIdentity, "../ci"), []setting.ID{setting.BrokerIdentity}},
		{"broker audience unprintable", brokerSet(setting.BrokerAudience, "a\u202eb"), []setting.ID{setting.BrokerAudience}},
		{"broker with a key", map[setting.ID]string{setting.BrokerURL: "https://broker.example.com", setting.BrokerIdentity: "ci"}, []setting.ID{setting.BrokerURL, setting.PrivateKey}},
		{"role without KMS key", map[setting.ID]string{setting.AWSRole: "arn:aws:iam::123456789012:role/x"}, []setting.ID{setting.AWSRole, setting.KMSKey}},
		// GitHub's refusals, classified, naming the setting to fix.
		{"not installed", map[setting.ID]string{setting.Owner: "stranger-org"}, []setting.ID{setting.ClientID, setting.Owner}},
		{"installation ID unknown", map[setting.ID]string{setting.InstallationID: "999"}, []setting.ID{setting.InstallationID}},
		{"installation ID of another account", map[setting.ID]string{setting.InstallationID: "1002"}, []setting.ID{setting.InstallationID, setting.Owner}},
		{"repository not reached", map[setting.ID]string{setting.Repositories: "website"}, []setting.ID{setting.Repositories}},
		{"permission not granted", map[setting.ID]string{setting.Owner: "octocat", setting.Permissions: "contents: write"}, []setting.ID{setting.Permissions}},
		{"key of another App", map[setting.ID]string{setting.PrivateKey: otherKey}, []setting.ID{setting.ClientID, setting.PrivateKey}},
	}
}

// Every error about a setting names it in the words of the door it came
// through: `input permissions` in the action's log, `--permissions` on the
// command line, from the one table; the command line never says "input"
// of a setting it has a flag for, nor speaks of a step or a job, and the
// action never names a flag. Both doors are the built binary.
func TestEveryErrorNamesItsSettingAtBothDoors(t *testing.T) {
	t.Parallel()
	_, otherKey, err := githubtest.NewAppKey()
	if err != nil {
		t.Fatal(err)
	}
	named := map[setting.ID]bool{}
	expired := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, -time.Minute, func(c jwt.MapClaims, _ *jwt.Token) {
		c["iat"] = time.Now().Add(-11 * time.Minute).Unix()
	})
	for _, c := range wordsCases(otherKey, expired) {
		for _, id := range c.names {
			named[id] = true
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t).With("owner", "octo-org")
			for id, v := range c.set {
				w.With(id.Input(), v)
			}
			res := w.Main()
			if len(res.Errors) != 1 {
				t.Fatalf("action: errors %q, want one\n%s", res.Errors, res.Log())
			}
			for _, id := range c.names {
				if !strings.Contains(res.Errors[0], id.Input()) {
					t.Errorf("action: %q does not name %s", res.Errors[0], id.Input())
				}
			}
			if m := cliWords.FindString(res.Errors[0]); m != "" {
				t.Errorf("action: %q speaks the command line's words (%q)", res.Errors[0], m)
			}

			args, env, ok := cliFor(c.set)
			if !ok {
				return // the command line cannot make this mistake
			}
			code, stdout, stderr := w.CLI("", env, args...)
			if code == 0 || stdout != "" {
				t.Fatalf("cli %q: exit %d, stdout %q", args, code, stdout)
			}
			for _, id := range c.names {
				if f := id.Flag(); !strings.Contains(stderr, f) {
					t.Errorf("cli %q: %q does not name %s", args, stderr, f)
				}
			}
			for _, id := range setting.All() {
				if id.Flag() != "" && (strings.Contains(stderr, "input "+id.Input()) || strings.Contains(stderr, "inputs "+id.Input())) {
					t.Errorf("cli %q: %q speaks of input %s", args, stderr, id.Input())
				}
			}
			if m := actionWords.FindString(stderr); m != "" {
				t.Errorf("cli %q: %q speaks the action's words (%q)", args, stderr, m)
			}
		})
	}
	for _, id := range setting.All() {
		// The broker's flags: TestServeFlagErrors makes their mistakes.
		if !named[id] && id.Spec().Group != setting.ServeFlags {
			t.Errorf("no case names setting %s: add one", id.Input())
		}
	}
}

// cliFor writes settings as `app-token token` flags, the key and the JWT
// through the environment as the command line takes them; ok is false when
// a setting has no flag.
// brokerSet asks a broker, holding no App credential, with id set to v.
func brokerSet(id setting.ID, v string) map[setting.ID]string {
	set := map[setting.ID]string{setting.ClientID: "", setting.PrivateKey: "", setting.BrokerURL: "https://broker.example.com", setting.BrokerIdentity: "ci"}
	set[id] = v
	return set
}

func cliFor(set map[setting.ID]string) (args, env []string, ok bool) {
	args = []string{"token"}
	owner := "octo-org"
	for id, v := range set {
		switch id {
		case setting.Owner:
			owner = v
		case setting.PrivateKey:
			if v == "" {
				env = append(env, "APP_TOKEN_PRIVATE_KEY=")
			} else {
				env = append(env, "APP_TOKEN_PRIVATE_KEY="+v)
			}
		case setting.JWT:
			env = append(env, "SIGNED_JWT="+v)
			args = append(args, "--jwt-env", "SIGNED_JWT")
		case setting.ClientID, setting.AppID:
			if v == "" {
				env = append(env, "APP_TOKEN_CLIENT_ID=")
				continue
			}
			args = append(args, id.Flag(), v)
		default:
			if !strings.HasPrefix(id.Flag(), "--") {
				return nil, nil, false
			}
			args = append(args, id.Flag(), v)
		}
	}
	if key, given := set[setting.PrivateKey]; set[setting.JWT] != "" && (!given || key != "") {
		// Beside --jwt-env the command line reads a key only from a flag.
		args = append(args, "--private-key-env", "APP_TOKEN_PRIVATE_KEY")
	}
	return append(args, "--owner", owner), env, true
}

// What a newcomer types by mistake at the command line gets a hint that
// points at what they meant, in the command line's words, before any call
// to GitHub, and never echoes the key.
func TestCLIHintsForNewcomers(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(apptest.AppPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		env           []string
		args          []string
		want, notWant []string
	}{
		{"--repo on dispatch means --repository", nil,
			[]string{"dispatch", "--repo", "octo-org/docs", "--event-type", "rebuild"},
			[]string{`unknown flag "--repo" (did you mean --repository?)`}, []string{"--ref"}},
		{"--repo on token means --repositories", nil,
			[]string{"token", "--repo", "octo-org/docs"},
			[]string{`unknown flag "--repo" (did you mean --repositories?)`}, nil},
		{"--private-key points at the two ways to pass a key, without echoing it", nil,
			[]string{"token", "--owner", "octo-org", "--private-key", apptest.AppPEM},
			[]string{`unknown flag "--private-key"`, "--private-key-file", "--private-key-env"}, nil},
		{"the action's input name gets its flag", nil,
			[]string{"token", "--owner", "octo-org", "--github-api-url", "https://api.github.com"},
			[]string{`(did you mean --api-url?)`}, nil},
		{"a path in APP_TOKEN_PRIVATE_KEY", []string{"APP_TOKEN_PRIVATE_KEY=" + keyFile},
			[]string{"token", "--owner", "octo-org"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path, not the key", "--private-key-file PATH"}, []string{"not a PEM", keyFile}},
		{"a relative path", []string{"APP_TOKEN_PRIVATE_KEY=my-app.2024-01-01.private-key.pem"},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path", "--private-key-file PATH"}, nil},
		{"a home path, unexpanded", []string{`APP_TOKEN_PRIVATE_KEY=~/keys/app`},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path"}, nil},
		{"a Windows path", []string{`APP_TOKEN_PRIVATE_KEY=C:\Users\Jane Doe\app.pem`},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path"}, nil},
		{"a path in the variable --private-key-env names", []string{"MY_KEY=" + keyFile},
			[]string{"token", "--owner", "octo-org", "--private-key-env", "MY_KEY"},
			[]string{`--private-key-env: environment variable "MY_KEY" holds a file path`}, []string{"APP_TOKEN_PRIVATE_KEY"}},
		{"--private-key-env names a variable that is not set", nil,
			[]string{"token", "--owner", "octo-org", "--private-key-env", "NOPE"},
			[]string{`--private-key-env: environment variable "NOPE" is not set`}, []string{"empty", "APP_TOKEN_PRIVATE_KEY"}},
		{"--private-key-env names an empty variable", []string{"EMPTY_KEY="},
			[]string{"token", "--owner", "octo-org", "--private-key-env", "EMPTY_KEY"},
			[]string{`environment variable "EMPTY_KEY" is empty`}, []string{"APP_TOKEN_PRIVATE_KEY"}},
		{"no key at all", []string{"APP_TOKEN_PRIVATE_KEY"},
			[]string{"installations"},
			[]string{"no private key: APP_TOKEN_PRIVATE_KEY is not set", "--private-key-file PATH"}, []string{"empty"}},
		{"--jwt-env names a variable that is not set", nil,
			[]string{"token", "--owner", "octo-org", "--jwt-env", "NOPE"},
			[]string{`--jwt-env: environment variable "NOPE" is not set`}, []string{"empty"}},
		{"--token-env names a variable that is not set", nil,
			[]string{"revoke", "--token-env", "NOPE"},
			[]string{`--token-env: environment variable "NOPE" is not set`}, []string{"empty"}},
		{"repositories of two accounts, in the command line's words", nil,
			[]string{"token", "--owner", "octo-org", "--repositories", "octocat/blog"},
			[]string{"mint one token per account"}, []string{"step"}},
	} {
		code, stdout, stderr := w.CLI("", tc.env, tc.args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line", tc.name, code, stdout, stderr)
		}
		for _, s := range tc.want {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, stderr, s)
			}
		}
		for _, s := range tc.notWant {
			if strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q holds %q", tc.name, stderr, s)
			}
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
	// The remedy the hint gives works.
	if code, stdout, stderr := w.CLI("", []string{"APP_TOKEN_PRIVATE_KEY"}, "token", "--owner", "octo-org", "--private-key-file", keyFile); code != 0 || !strings.HasPrefix(stdout, "ghs_") {
		t.Errorf("--private-key-file %s: exit %d, stderr %q", keyFile, code, stderr)
	}
}

// The path hint never takes the key for a path: every form of the key
// (and every line of it) in APP_TOKEN_PRIVATE_KEY is read as key text.
func TestCLIKeyIsNeverTakenForAPath(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for i, shape := range keyShapes() {
		_, _, stderr := w.CLI("", []string{"APP_TOKEN_PRIVATE_KEY=" + shape}, "installations", "--quiet")
		if strings.Contains(stderr, "file path") {
			t.Errorf("key shape %d was taken for a path: %q", i, stderr)
		}
	}
}

// actionWords are what only the action says: a step, a job, its YAML.
var actionWords = regexp.MustCompile(`\b(step|steps|job|jobs|job's)\b|with:|\$\{\{|configure-aws-credentials|aws-role-to-assume`)

// cliWords are what only the command line says: its flags and commands.
var cliWords = regexp.MustCompile(`(^|[^-])--[a-z]|\bapp-token [a-z]+\b|\bthis command\b`)

// A token check that could not finish warned in the action's words on the
// command line ("Check input github-api-url and the runner's proxy
// settings").
func TestCLICheckWarningSpeaksFlags(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.CheckPath, Drop: true, Times: 100})
	code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--repositories", "app", "--retry-attempts", "1", "--token-ready-seconds", "1")
	if code != 0 || !strings.HasPrefix(stdout, "ghs_") || !strings.Contains(stderr, "could not check") ||
		!strings.Contains(stderr, "--api-url") || strings.Contains(stderr, "input ") || strings.Contains(stderr, "runner") {
		t.Errorf("exit %d; stderr:\n%s", code, stderr)
	}
}
