package e2e_test

// The command line's help: each command's -h lists exactly the flags it
// uses, and its synopsis matches its rules.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/setting"
)

// commands are the command line's commands, as `app-token help` lists them.
var commands = []string{"token", "revoke", "installations", "jwt", "dispatch"}

// helpOf runs `app-token COMMAND -h` and returns its synopsis (the Usage
// line, without "Usage: app-token COMMAND") and the flags it lists.
func helpOf(t *testing.T, w *apptest.World, command string) (synopsis string, flags []string) {
	t.Helper()
	code, help, stderr := w.CLI("", nil, command, "-h")
	first, _, _ := strings.Cut(help, "\n")
	synopsis, ok := strings.CutPrefix(first, "Usage: app-token "+command)
	if code != 0 || !ok {
		t.Fatalf("%s -h: exit %d, stdout %q, stderr %q", command, code, help, stderr)
	}
	for _, line := range strings.Split(help, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(line, "  --") {
			flags = append(flags, f[0])
		}
	}
	return synopsis, flags
}

// call is one run of a command: what to add to its base arguments (or, with
// replace, its arguments after the command's name), and the environment.
type call struct {
	args, env []string
	replace   bool
}

// flagUse says how a flag is given and how to see that the command uses it.
type flagUse struct {
	// valid gives the flag a value the command must take: it does what it
	// does (exit 0), or for a flag that needs what this machine lacks
	// (AWS), fails for that and not because of the flag (exit 1).
	valid func(w *apptest.World, command string) call
	// bad gives it a value the command must refuse, naming the flag:
	// proof that the command reads it.
	bad func(w *apptest.World, command string) call
	// used, when bad cannot show it, checks the valid run's effect.
	used func(t *testing.T, w *apptest.World, command string, before int, stdout, stderr string)
	// failsWithoutAWS: the valid run may exit 1 for want of AWS.
	failsWithoutAWS bool
}

// base is each command's smallest call that succeeds against the emulator
// with the App's client ID and key in the environment; stdin for revoke.
var base = map[string][]string{
	"token":         {"--owner", "octo-org"},
	"revoke":        nil,
	"installations": nil,
	"jwt":           nil,
	"dispatch":      {"--repository", "octo-org/docs", "--event-type", "rebuild"},
}

// aToken is a token GitHub never issued: revoking it is one call that
// counts as done (GitHub no longer accepts it).
var aToken = "ghs_" + strings.Repeat("A", 36)

func flagArgs(args ...string) func(*apptest.World, string) call {
	return func(*apptest.World, string) call { return call{args: args} }
}

// ciToken stands for another CI's OIDC token: the test broker
// (apptest.StartBroker) does not verify it.
const ciToken = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2NpLmV4YW1wbGUifQ.c2lnbmF0dXJlLW9mLWEtY2ktam9i"

// brokerCall asks a broker started for the call, with no App credential
// in the environment and the OIDC token in CI_TOKEN; args are added.
func brokerCall(args ...string) func(*apptest.World, string) call {
	return func(w *apptest.World, _ string) call {
		b := apptest.StartBroker(w.T, w.Srv.URL, apptest.AppPEM)
		return call{args: append([]string{"--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_TOKEN"}, args...),
			env: []string{"APP_TOKEN_CLIENT_ID", "APP_TOKEN_PRIVATE_KEY", "CI_TOKEN=" + ciToken}}
	}
}

// brokerBad is a broker call with flag's value replaced by value.
func brokerBad(flag, value string) func(*apptest.World, string) call {
	return func(*apptest.World, string) call {
		args := []string{"--broker-url", "https://broker.example.com", "--broker-identity", "ci", "--oidc-token-env", "CI_TOKEN"}
		if i := slices.Index(args, flag); i >= 0 {
			args[i+1] = value
		} else {
			args = append(args, flag, value)
		}
		return call{args: args, env: []string{"APP_TOKEN_CLIENT_ID", "APP_TOKEN_PRIVATE_KEY", "CI_TOKEN=" + ciToken}}
	}
}

// flagUses covers every flag any command lists, by name.
func flagUses(t *testing.T) map[string]flagUse {
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(apptest.AppPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	signed := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute)
	return map[string]flagUse{
		"--api-url": {
			// GITHUB_API_URL points where nothing answers: only a command
			// that calls GitHub at the flag's URL reaches the emulator.
			valid: func(w *apptest.World, _ string) call {
				return call{args: []string{"--api-url", w.Srv.URL}, env: []string{"GITHUB_API_URL=http://127.0.0.1:9"}}
			},
			used: func(t *testing.T, w *apptest.World, command string, before int, _, _ string) {
				if len(w.Calls()) == before {
					t.Errorf("%s --api-url: the emulator at that URL received nothing: the command does not call GitHub", command)
				}
			},
		},
		"--retry-attempts":          {valid: flagArgs("--retry-attempts", "2"), bad: flagArgs("--retry-attempts", "0")},
		"--retry-max-seconds":       {valid: flagArgs("--retry-max-seconds", "30"), bad: flagArgs("--retry-max-seconds", "0")},
		"--request-timeout-seconds": {valid: flagArgs("--request-timeout-seconds", "10"), bad: flagArgs("--request-timeout-seconds", "0")},
		"--token-ready-seconds":     {valid: flagArgs("--token-ready-seconds", "5"), bad: flagArgs("--token-ready-seconds", "500")},
		"--client-id": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--client-id", githubtest.DefaultClientID}, env: []string{"APP_TOKEN_CLIENT_ID"}}
			},
			bad: flagArgs("--client-id", "not a client id!"),
		},
		"--app-id": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--app-id", strconv.FormatInt(githubtest.DefaultAppID, 10)}, env: []string{"APP_TOKEN_CLIENT_ID"}}
			},
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--app-id", "12ab"}, env: []string{"APP_TOKEN_CLIENT_ID"}}
			},
		},
		"--private-key-file": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--private-key-file", keyFile}, env: []string{"APP_TOKEN_PRIVATE_KEY"}}
			},
			bad: flagArgs("--private-key-file", keyFile+".missing"),
		},
		"--private-key-env": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--private-key-env", "MY_KEY"}, env: []string{"APP_TOKEN_PRIVATE_KEY", "MY_KEY=" + apptest.AppPEM}}
			},
			bad: flagArgs("--private-key-env", "NOPE"),
		},
		"--kms-key": {
			// A URI the command takes; signing then fails for want of AWS
			// credentials here (TestKeylessCLI signs with local-kms).
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--kms-key", "awskms:///alias/github-app"},
					env: []string{"APP_TOKEN_PRIVATE_KEY", "AWS_REGION=eu-west-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_KMS=http://127.0.0.1:9"}}
			},
			bad:             flagArgs("--kms-key", "alias/github-app"),
			failsWithoutAWS: true,
		},
		"--broker-url": {
			valid: brokerCall(),
			bad:   brokerBad("--broker-url", "http://broker.example.com"),
		},
		"--broker-identity": {
			valid: brokerCall(),
			bad:   brokerBad("--broker-identity", "../ci"),
		},
		"--broker-audience": {
			valid: brokerCall("--broker-audience", "broker.example.com"),
			bad:   brokerBad("--broker-audience", "aud\x07"),
		},
		"--oidc-token-env": {
			valid: brokerCall(),
			bad:   brokerBad("--oidc-token-env", "NOPE"),
		},
		"--jwt-env": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--jwt-env", "SIGNED"}, env: []string{"APP_TOKEN_PRIVATE_KEY", "APP_TOKEN_CLIENT_ID", "SIGNED=" + signed}}
			},
			bad: flagArgs("--jwt-env", "NOPE"),
		},
		"--quiet": {
			valid: flagArgs("--quiet"),
			used: func(t *testing.T, _ *apptest.World, command string, _ int, _, stderr string) {
				if stderr != "" {
					t.Errorf("%s --quiet: stderr %q, want nothing", command, stderr)
				}
			},
		},
		"--json": {
			valid: flagArgs("--json"),
			used: func(t *testing.T, _ *apptest.World, command string, _ int, stdout, _ string) {
				if !json.Valid([]byte(stdout)) || !strings.ContainsAny(stdout[:1], "[{") {
					t.Errorf("%s --json: stdout %q is not JSON", command, stdout)
				}
			},
		},
		"--owner": {
			valid: func(*apptest.World, string) call { return call{args: []string{"--owner", "octocat"}, replace: true} },
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--owner", "not an owner!"}, replace: true}
			},
		},
		"--repositories": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--repositories", "octo-org/app"}, replace: true}
			},
			bad: flagArgs("--repositories", "app!"),
		},
		"--permissions":     {valid: flagArgs("--permissions", "contents: read"), bad: flagArgs("--permissions", "contents: wrte")},
		"--installation-id": {valid: flagArgs("--installation-id", "1001"), bad: flagArgs("--installation-id", "12ab")},
		"--token-env": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--token-env", "TOK"}, env: []string{"TOK=" + aToken}}
			},
			bad: flagArgs("--token-env", "NOPE"),
		},
		"--repository": {
			valid: flagArgs(),
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "docs", "--event-type", "rebuild"}, replace: true}
			},
		},
		"--event-type": {
			valid: flagArgs(),
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--event-type", strings.Repeat("x", 101)}, replace: true}
			},
		},
		"--payload": {valid: flagArgs("--payload", `{"page": "home"}`), bad: flagArgs("--payload", "[]")},
		"--workflow": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--workflow", "release.yml", "--ref", "main"}, replace: true}
			},
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--workflow", ".github/workflows/release.yml", "--ref", "main"}, replace: true}
			},
		},
		"--ref": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--workflow", "release.yml", "--ref", "v1"}, replace: true}
			},
			bad: flagArgs("--ref", "main"), // beside --event-type: workflow_dispatch's
		},
		"--inputs": {
			valid: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--workflow", "release.yml", "--ref", "main", "--inputs", `{"v": "1"}`}, replace: true}
			},
			bad: func(*apptest.World, string) call {
				return call{args: []string{"--repository", "octo-org/docs", "--workflow", "release.yml", "--ref", "main", "--inputs", "[]"}, replace: true}
			},
		},
	}
}

// runCommand runs command with c applied to its base call.
func runCommand(w *apptest.World, command string, c call) (code int, stdout, stderr string) {
	w.T.Helper()
	args := append([]string{command}, base[command]...)
	if c.replace {
		args = []string{command}
	}
	stdin := ""
	if command == "revoke" && !slices.Contains(c.args, "--token-env") {
		stdin = aToken
	}
	return w.CLI(stdin, c.env, append(args, c.args...)...)
}

// Each command's -h lists exactly the flags it uses: every flag listed is
// taken with a valid value (never refused as unknown or out of place),
// and is used: a wrong value is refused naming the flag, or the valid
// run shows its effect (--api-url reaches GitHub there, --json prints
// JSON, --quiet silences the notes).
func TestCLIHelpListsWhatEachCommandUses(t *testing.T) {
	t.Parallel()
	uses := flagUses(t)
	for _, command := range commands {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			if code, _, stderr := runCommand(w, command, call{}); code != 0 {
				t.Fatalf("%s %q: exit %d, stderr %q", command, base[command], code, stderr)
			}
			_, flags := helpOf(t, w, command)
			for _, f := range flags {
				use, ok := uses[f]
				if !ok {
					t.Errorf("%s -h lists %s, which this test does not know: add how it is given and used", command, f)
					continue
				}
				valid := use.valid(w, command)
				before := len(w.Calls())
				code, stdout, stderr := runCommand(w, command, valid)
				switch {
				case use.failsWithoutAWS && code == 1 && strings.Contains(stderr, "AWS"):
				case code != 0:
					t.Errorf("%s -h lists %s, but %s %q fails: exit %d, stderr %q", command, f, command, valid.args, code, stderr)
					continue
				}
				if use.used != nil {
					use.used(t, w, command, before, stdout, stderr)
				}
				if use.bad != nil {
					bad := use.bad(w, command)
					code, _, stderr := runCommand(w, command, bad)
					if code != 2 || !strings.Contains(stderr, f) {
						t.Errorf("%s -h lists %s, but %s %q is not refused naming it: exit %d, stderr %q", command, f, command, bad.args, code, stderr)
					}
				}
			}
		})
	}
}

// jwt signs and calls nothing else: GITHUB_API_URL, which it never calls,
// neither warns (plain http to loopback) nor fails it (plain http
// elsewhere).
func TestCLIJWTIgnoresGitHubsURL(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, url := range []string{w.Srv.URL, "http://ghes.example.com/api/v3", "not a URL"} {
		code, stdout, stderr := w.CLI("", []string{"GITHUB_API_URL=" + url}, "jwt")
		if code != 0 || strings.Count(stdout, ".") != 2 {
			t.Errorf("GITHUB_API_URL=%s jwt: exit %d, stdout %q, stderr %q", url, code, stdout, stderr)
		}
		if strings.Contains(stderr, "GITHUB_API_URL") || strings.Contains(stderr, "plain http") {
			t.Errorf("GITHUB_API_URL=%s jwt: stderr %q speaks of an API it never calls", url, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Errorf("jwt called GitHub: %v", calls)
	}
}

// version has help of its own and takes nothing else; `help COMMAND` is
// the command's -h.
func TestCLIVersionAndHelpCommand(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, arg := range []string{"-h", "--help", "-help"} {
		code, stdout, stderr := w.CLI("", nil, "version", arg)
		if code != 0 || !strings.HasPrefix(stdout, "Usage: app-token version\n") || strings.Contains(stdout, "(devel)") {
			t.Errorf("version %s: exit %d, stdout %q, stderr %q; want its usage, not the version", arg, code, stdout, stderr)
		}
	}
	if code, stdout, stderr := w.CLI("", nil, "version"); code != 0 || !strings.HasPrefix(stdout, "app-token ") {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, stdout, stderr := w.CLI("", nil, "version", "--json"); code != 2 || stdout != "" || !strings.Contains(stderr, "takes no flags") {
		t.Errorf("version --json: exit %d, stdout %q, stderr %q; want a usage error", code, stdout, stderr)
	}
	for _, command := range commands {
		_, viaHelp, _ := w.CLI("", nil, "help", command)
		_, viaFlag, _ := w.CLI("", nil, command, "-h")
		if viaHelp != viaFlag || viaHelp == "" {
			t.Errorf("help %s prints %q, %s -h %q", command, viaHelp, command, viaFlag)
		}
	}
}

// synopsisForms expands a synopsis ("[A | B] (C [D] | E)") into every set
// of flags it allows: each [...] in or out (always out unless optional),
// one branch of each | group.
func synopsisForms(t *testing.T, synopsis string, optional bool) []map[string]bool {
	t.Helper()
	tokens := regexp.MustCompile(`'[^']*'|[\[\]()|]|[^\s\[\]()|]+`).FindAllString(synopsis, -1)
	pos := 0
	var seq func(stop string) [][]string
	// seq reads items up to stop ("]", ")" or the end) as alternatives
	// split at |, each expanded into the flag lists it allows.
	seq = func(stop string) [][]string {
		alts := [][][]string{{{}}}
		for pos < len(tokens) && tokens[pos] != stop {
			tok := tokens[pos]
			pos++
			var item [][]string
			switch {
			case tok == "|":
				alts = append(alts, [][]string{{}})
				continue
			case tok == "[":
				item = [][]string{{}}
				if inner := seq("]"); optional {
					item = append(item, inner...)
				}
				pos++
			case tok == "(":
				item = seq(")")
				pos++
			case strings.HasPrefix(tok, "--"):
				item = [][]string{{tok}}
			default:
				continue // a value's placeholder
			}
			last := &alts[len(alts)-1]
			var product [][]string
			for _, a := range *last {
				for _, b := range item {
					product = append(product, append(slices.Clone(a), b...))
				}
			}
			*last = product
		}
		var out [][]string
		for _, a := range alts {
			out = append(out, a...)
		}
		return out
	}
	var forms []map[string]bool
	for _, f := range seq("") {
		set := map[string]bool{}
		for _, name := range f {
			set[name] = true
		}
		forms = append(forms, set)
	}
	if pos != len(tokens) || len(forms) == 0 {
		t.Fatalf("synopsis %q does not parse", synopsis)
	}
	return forms
}

// Each command's synopsis matches its rules: every flag it names is one
// the command lists, each way of calling it that works (as docs/cli.md
// describes them) is a form it allows, and each form it allows without
// its optional parts works.
func TestCLIHelpSynopsisMatchesTheRules(t *testing.T) {
	t.Parallel()
	// Calls that work, by the flags the synopsis speaks of.
	works := map[string][][]string{
		"token": {
			{"--owner", "octo-org"},
			{"--repositories", "octo-org/app"},
			{"--owner", "octo-org", "--repositories", "app,infra"},
			{"--client-id", githubtest.DefaultClientID, "--owner", "octo-org", "--permissions", "contents: read", "--json"},
		},
		"installations": {nil, {"--json"}},
		"jwt":           {nil, {"--client-id", githubtest.DefaultClientID}},
		"revoke":        {nil},
		"dispatch": {
			{"--repository", "octo-org/docs", "--event-type", "rebuild"},
			{"--repository", "octo-org/docs", "--workflow", "release.yml", "--ref", "main", "--inputs", `{"v": "1"}`},
		},
	}
	// Values for a minimal form's flags.
	values := map[string]string{"--owner": "octo-org", "--repositories": "octo-org/app", "--repository": "octo-org/docs",
		"--event-type": "rebuild", "--workflow": "release.yml", "--ref": "main"}
	for _, command := range commands {
		// A world each: jwt prints the JWT another command sent in the
		// same second, which the leak check would take for a leak.
		w := apptest.NewWorld(t)
		synopsis, listed := helpOf(t, w, command)
		forms := synopsisForms(t, synopsis, true)
		named := map[string]bool{}
		for _, f := range forms {
			for name := range f {
				named[name] = true
				if !slices.Contains(listed, name) {
					t.Errorf("%s: the synopsis names %s, which -h does not list", command, name)
				}
			}
		}
		for _, args := range works[command] {
			set := map[string]bool{}
			for _, a := range args {
				if named[a] {
					set[a] = true
				}
			}
			allowed := slices.ContainsFunc(forms, func(f map[string]bool) bool { return maps.Equal(f, set) })
			if !allowed {
				t.Errorf("%s %q works, but the synopsis %q does not allow it", command, args, synopsis)
			}
			if code, _, stderr := w.CLI(aToken, nil, append([]string{command}, args...)...); code != 0 {
				t.Errorf("%s %q: exit %d, stderr %q", command, args, code, stderr)
			}
		}
		for _, f := range synopsisForms(t, synopsis, false) {
			args := []string{command}
			for _, name := range slices.Sorted(maps.Keys(f)) {
				v, ok := values[name]
				if !ok {
					t.Fatalf("%s: no value for %s, which the synopsis requires", command, name)
				}
				args = append(args, name, v)
			}
			if code, _, stderr := w.CLI(aToken, nil, args...); code != 0 {
				t.Errorf("%s: the synopsis %q allows %q, which fails: exit %d, stderr %q", command, synopsis, args, code, stderr)
			}
		}
	}
}

// Each number a user may set has one range and one default, the setting
// table's, at both doors of the built binary: the action refuses one past
// the range in the table's words and takes its end, and `app-token token
// -h` prints the same range and default that the command line enforces.
func TestSettingNumbersAtBothDoors(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	_, help, _ := w.CLI("", nil, "token", "-h")
	for _, id := range setting.All() {
		def, lo, hi, ok := id.Bounds()
		if !ok {
			continue
		}
		t.Run(id.Input(), func(t *testing.T) {
			t.Parallel()
			want := fmt.Sprintf("must be a whole number from %d to %d", lo, hi)
			res := apptest.NewWorld(t).With("owner", "octo-org", id.Input(), strconv.Itoa(hi+1)).Main()
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "input "+id.Input()+" "+want) {
				t.Errorf("action, %s: %d: errors %q, want %q", id.Input(), hi+1, res.Errors, want)
			}
			if res := apptest.NewWorld(t).With("owner", "octo-org", id.Input(), strconv.Itoa(hi)).Main(); res.ExitCode != 0 {
				t.Errorf("action, %s: %d: exit %d, errors %q", id.Input(), hi, res.ExitCode, res.Errors)
			}
			flagName := id.Flag()
			_, line, _ := strings.Cut(help, "  "+flagName+" ")
			line, _, _ = strings.Cut(strings.TrimPrefix(line, id.Spec().Value+"\n"), "\n")
			if !strings.Contains(line, fmt.Sprintf(" %d to %d", lo, hi)) || !strings.HasSuffix(line, fmt.Sprintf("(default %d)", def)) {
				t.Errorf("token -h: %s %q, want %d to %d and (default %d)", flagName, line, lo, hi, def)
			}
			code, _, stderr := w.CLI("", nil, "token", "--owner", "octo-org", flagName, strconv.Itoa(hi+1))
			if code != 2 || !strings.Contains(stderr, flagName+" "+want) {
				t.Errorf("cli, %s %d: exit %d, %q, want %q", flagName, hi+1, code, stderr, want)
			}
		})
	}
}
