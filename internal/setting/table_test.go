package setting

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every row is complete and no two settings share a name at either door,
// so a door can never name two settings alike and every flag has the help
// and placeholder -h shows.
func TestTable(t *testing.T) {
	t.Parallel()
	inputs, flags, envs := map[string]ID{}, map[string]ID{}, map[string]ID{}
	unique := func(seen map[string]ID, name string, id ID) {
		if other, dup := seen[name]; dup && name != "" {
			t.Errorf("%q names %v and %v", name, other, id)
		}
		seen[name] = id
	}
	for _, id := range All() {
		s := table[id]
		if s.Input == "" && s.Flag == "" {
			t.Errorf("setting %d has neither an input nor a flag", id)
		}
		unique(inputs, s.Input, id)
		unique(flags, s.Flag, id)
		unique(envs, s.Env, id)
		if s.Help.format == "" {
			t.Errorf("%v has no help", id)
		}
		if s.Flag != "" && (!strings.HasPrefix(s.Flag, "--") || s.Said != "" || s.Group == NoFlag || s.Value == "") {
			t.Errorf("%v: flag %q wants dashes, a Group and a Value, and no Said (%q)", id, s.Flag, s.Said)
		}
		if s.Flag == "" && (s.Group != NoFlag || s.Repeatable) {
			t.Errorf("%v has no flag but a Group or Repeatable", id)
		}
		if s.Env != "" && !strings.HasPrefix(s.Env, "APP_TOKEN_") {
			t.Errorf("%v: variable %s is not APP_TOKEN_*", id, s.Env)
		}
		if got, ok := Lookup(s.Input); s.Input != "" && (!ok || got != id) {
			t.Errorf("Lookup(%q) = %v, %t", s.Input, got, ok)
		}
		if got, ok := ByFlag(s.Flag); s.Flag != "" && (!ok || got != id) {
			t.Errorf("ByFlag(%q) = %v, %t", s.Flag, got, ok)
		}
	}
	if len(All()) != int(numIDs)-1 || All()[0] != ClientID {
		t.Errorf("All has %d settings from %v, want %d from client-id", len(All()), All()[0], numIDs-1)
	}
	for _, name := range []string{"", "github-api-url-x", "--api-url"} {
		if id, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %v", name, id)
		}
	}
	for _, name := range []string{"", "api-url", "--github-api-url"} {
		if id, ok := ByFlag(name); ok {
			t.Errorf("ByFlag(%q) = %v", name, id)
		}
	}
}

// A Number's default lies within its bounds, and only a Number has them:
// config falls back to the default and refuses what lies outside.
func TestNumbers(t *testing.T) {
	t.Parallel()
	numbers := 0
	for _, id := range All() {
		s := table[id]
		def, lo, hi, ok := id.Bounds()
		if s.Kind != Number {
			if ok || s.Range() != "" || s.Min != 0 || s.Max != 0 || s.Unit != "" {
				t.Errorf("%v is no Number but has bounds (%d, %d, %d, %t) or a range %q", id, def, lo, hi, ok, s.Range())
			}
			continue
		}
		numbers++
		if !ok || lo != s.Min || hi != s.Max || strconv.Itoa(def) != s.Default || def < lo || def > hi {
			t.Errorf("%v: Bounds = %d, %d, %d, %t; want default %s within %d to %d", id, def, lo, hi, ok, s.Default, s.Min, s.Max)
		}
		want := strconv.Itoa(s.Min) + " to " + strconv.Itoa(s.Max)
		if !strings.HasPrefix(s.Range(), want) || !strings.HasSuffix(s.Describe(Action), " "+s.Range()+".") {
			t.Errorf("%v: Range %q, Describe %q; want %q after the help", id, s.Range(), s.Describe(Action), want)
		}
	}
	if numbers < 4 {
		t.Errorf("%d Numbers, want the 4 retry and wait settings at least", numbers)
	}
	if got := RequestTimeout.Spec().Describe(CLI); got != "Timeout for a single HTTP request to GitHub. 1 to 600 seconds." {
		t.Errorf("Describe = %q", got)
	}
	if _, _, _, ok := ID(0).Bounds(); ok {
		t.Error("no setting has bounds")
	}
	if got := (Spec{Kind: Number, Default: "x"}); got.Range() != "0 to 0" {
		t.Errorf("Range = %q", got.Range())
	}
}

// What only one door says (hints_test.go at the repository's root says
// the same of errors): a help shown at the other door must not say it.
var (
	actionOnly = regexp.MustCompile(`\b(step|steps|job|jobs|job's|runner)\b|with:|\$\{\{|configure-aws-credentials|aws-role-to-assume|input`)
	cliOnly    = regexp.MustCompile(`(^|[^-])--[a-z]|\bapp-token [a-z]+\b|\bthis (command|machine)\b|\$[A-Z]`)
)

// Each help reads at each door in that door's words: the action's names
// no flag, the command line's (for a setting it has a flag for) speaks of
// no step, runner or input; neither is left with a formatting error.
func TestHelpInEachDoorsWords(t *testing.T) {
	t.Parallel()
	for _, id := range All() {
		s := table[id]
		action, cli := s.Describe(Action), s.Describe(CLI)
		if strings.Contains(action+cli, "%!") {
			t.Errorf("%v: help does not format: %q / %q", id, action, cli)
		}
		if s.Input != "" {
			if m := cliOnly.FindString(action); m != "" {
				t.Errorf("%v: action help %q says %q", id, action, m)
			}
		}
		if s.Flag != "" {
			if m := actionOnly.FindString(cli); m != "" {
				t.Errorf("%v: command-line help %q says %q", id, cli, m)
			}
		}
	}
	// Settings named in a help are each door's names.
	if got := AppID.Spec().Describe(CLI); !strings.Contains(got, "Set this or --client-id; when both are set, --client-id wins.") {
		t.Errorf("app-id's help at the command line: %q", got)
	}
	if got := AppID.Spec().Describe(Action); !strings.Contains(got, "Set this or client-id; when both are set, client-id wins.") {
		t.Errorf("app-id's help in the action: %q", got)
	}
}

// Settings that exist at one door only, such as a broker's --listen (a
// flag of a command of its own) or the action's broker-url, are named by
// the words the one door has, at both doors, alone or in pairs.
func TestOneDoorSettings(t *testing.T) {
	t.Parallel()
	listen := Spec{Flag: "--listen", Group: APIFlags, Value: "ADDRESS", Help: Sentence("Where to listen.")}
	issuer := Spec{Flag: "--issuer", Repeatable: true}
	brokerURL := Spec{Input: "broker-url"}
	owner, key := Owner.Spec(), PrivateKey.Spec()
	for _, tt := range []struct {
		got, want string
	}{
		{listen.bare(Action), "--listen"},
		{listen.named(Action), "--listen"},
		{listen.bare(CLI), "--listen"},
		{brokerURL.bare(CLI), "broker-url"},
		{brokerURL.named(CLI), "input broker-url"},
		{brokerURL.named(Action), "input broker-url"},
		{key.bare(CLI), "the private key"},
		{key.named(Action), "input private-key"},
		{pair(Action, owner, brokerURL), "inputs owner and broker-url"},
		{pair(CLI, owner, key), "--owner and the private key"},
		{pair(Action, owner, listen), "input owner and --listen"},
		{pair(CLI, owner, brokerURL), "--owner and input broker-url"},
		{pair(CLI, listen, issuer), "--listen and --issuer"},
		{listen.Describe(CLI), "Where to listen."},
		{ID(200).String(), "setting(200)"},
		{ID(200).Flag(), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
