// Package setting names what a user sets, apart from how each front door
// spells it. The core (config, appkey, permissions, ghclient, mint) reports
// problems as data: an *Error whose sentence refers to settings by ID, never
// by an input's or a flag's name. Each front door renders it in its own
// words with Render: the action says `input permissions`, the command line
// `--permissions`, both from the one table below. No door rewrites another
// door's English.
//
// Adding a setting (say a new `jwt` input and its `--jwt-env` flag):
//
//  1. add an ID to the const block and a row to table with its input name
//     and its command-line words (Flag: the flag with its dashes, or a
//     phrase such as "the private key" where no single flag sets it;
//     empty when the command line has no way to set it);
//  2. declare the input in config.Inputs (its description lands in
//     action.yml and docs/inputs.md), read it in config with Source.Setting;
//  3. on the command line, register the flag with the ID (cli's define),
//     so its name comes from this table too.
//
// TestEveryIDNamed fails if a row is missing.
//
// Adding an error: build it with Errorf, passing each setting as an
// argument (an ID for its bare name, Input(id) for "input NAME", Inputs for
// two of them, Door-specific words with Words), and wrap causes as
// arguments so errors.Is and errors.As still see them (.With keeps a cause
// unsaid). Wrap an error that may name a setting with Errorf("%s: ...",
// err), never fmt.Errorf: a door renders only what it can see. The doors render
// every *Error without further work; add a case to wordsCases in the
// repository's e2e/errors_test.go, which makes the mistake at both doors (the
// built binary as the action and as the command line) and checks that each
// names the setting in its own words. It fails for a setting no case names.
package setting

import (
	"fmt"
)

// ID identifies a setting whatever door it arrives through.
type ID uint8

// The settings. The zero ID is "no setting".
const (
	_ ID = iota
	ClientID
	AppID
	PrivateKey
	Owner
	Repositories
	Permissions
	InstallationID
	SkipRevoke
	APIURL
	RetryAttempts
	RetrySeconds
	RequestTimeout
	TokenReady
	Enterprise
	CACertificates
	JWT
	KMSKey
	AWSRole
	numIDs
)

// Names is how each door spells one setting.
type Names struct {
	// Input is the action's input name.
	Input string
	// Flag is what sets it on the command line: "--owner", or a phrase
	// when no one flag does ("the private key", which has two ways in).
	// Empty: the command line cannot set it, and its input name is shown.
	Flag string
}

// table is the one place the doors' spellings live.
var table = [numIDs]Names{
	ClientID:       {"client-id", "--client-id"},
	AppID:          {"app-id", "--app-id"},
	PrivateKey:     {"private-key", "the private key"},
	Owner:          {"owner", "--owner"},
	Repositories:   {"repositories", "--repositories"},
	Permissions:    {"permissions", "--permissions"},
	InstallationID: {"installation-id", "--installation-id"},
	SkipRevoke:     {"skip-token-revoke", ""},
	APIURL:         {"github-api-url", "--api-url"},
	RetryAttempts:  {"retry-attempts", "--retry-attempts"},
	RetrySeconds:   {"retry-max-seconds", "--retry-max-seconds"},
	RequestTimeout: {"request-timeout-seconds", "--request-timeout-seconds"},
	TokenReady:     {"token-ready-seconds", "--token-ready-seconds"},
	Enterprise:     {"enterprise", ""},
	CACertificates: {"ca-certificates", ""},
	JWT:            {"jwt", "the JWT from --jwt-env"},
	KMSKey:         {"kms-key", "--kms-key"},
	AWSRole:        {"aws-role-to-assume", ""},
}

// All returns every setting, in table order.
func All() []ID {
	ids := make([]ID, 0, numIDs-1)
	for id := ID(1); id < numIDs; id++ {
		ids = append(ids, id)
	}
	return ids
}

// Lookup finds the setting an action input name sets.
func Lookup(input string) (ID, bool) {
	for _, id := range All() {
		if table[id].Input == input {
			return id, true
		}
	}
	return 0, false
}

// Input is the action's input name for id.
func (id ID) Input() string { return id.names().Input }

// Flag is the command line's words for id; "" when it has none.
func (id ID) Flag() string { return id.names().Flag }

// String is the input name: for debugging, and for %v in tests.
func (id ID) String() string { return id.Input() }

func (id ID) names() Names {
	if id == 0 || id >= numIDs {
		return Names{Input: fmt.Sprintf("setting(%d)", uint8(id))}
	}
	return table[id]
}

// Door is a front door, which names settings its own way.
type Door uint8

const (
	// Action: the GitHub Action's inputs.
	Action Door = iota
	// CLI: the command line's flags.
	CLI
)

// bare is how d names id inside a sentence: "owner" or "--owner".
func (d Door) bare(id ID) string {
	if d == CLI && id.Flag() != "" {
		return id.Flag()
	}
	return id.Input()
}

// named is how d names id as the subject of a sentence: "input owner" or
// "--owner".
func (d Door) named(id ID) string {
	if d == CLI && id.Flag() != "" {
		return id.Flag()
	}
	return "input " + id.Input()
}

// Input makes an Errorf argument render as "input NAME" (the action) or the
// flag (the command line).
type Input ID

// Inputs makes an Errorf argument render two settings: "inputs A and B" or
// "--a and --b".
type Inputs [2]ID

// Words is an Errorf argument whose words depend on the door, for what is
// not a setting: "the runner's proxy settings" means nothing on a laptop.
type Words struct{ Action, CLI string }

// Error is a problem a user can act on, as data: the setting to fix (0 when
// the fix is elsewhere), and a sentence saying what went wrong and what to
// do, whose setting names the door fills in. Causes given as arguments stay
// reachable with errors.Is and errors.As.
type Error struct {
	// Setting is the first setting the sentence names, if any.
	Setting ID
	format  string
	args    []any
	cause   error
}

// With records cause as what e explains, for errors.Is and errors.As,
// without saying it: e's sentence already says what it means.
func (e *Error) With(cause error) *Error {
	e.cause = cause
	return e
}

// Errorf builds an *Error: format as for fmt.Sprintf, with ID, Input,
// Inputs, Words and error arguments rendered by the door. Use %s for them.
func Errorf(format string, args ...any) *Error {
	e := &Error{format: format, args: args}
	for _, a := range args {
		switch a := a.(type) {
		case ID:
			e.Setting = a
		case Input:
			e.Setting = ID(a)
		case Inputs:
			e.Setting = a[0]
		}
		if e.Setting != 0 {
			break
		}
	}
	return e
}

// Render writes e in door d's words.
func (e *Error) Render(d Door) string {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		args[i] = a
		switch a := a.(type) {
		case ID:
			args[i] = d.bare(a)
		case Input:
			args[i] = d.named(ID(a))
		case Inputs:
			if d == CLI && a[0].Flag() != "" && a[1].Flag() != "" {
				args[i] = a[0].Flag() + " and " + a[1].Flag()
			} else {
				args[i] = "inputs " + a[0].Input() + " and " + a[1].Input()
			}
		case Words:
			args[i] = a.Action
			if d == CLI {
				args[i] = a.CLI
			}
		case error:
			args[i] = Render(a, d)
		}
	}
	return fmt.Sprintf(e.format, args...)
}

// Error renders e in the action's words. Doors call Render instead; this is
// for logs of tests and for errors that reach no door.
func (e *Error) Error() string { return e.Render(Action) }

// Unwrap returns the errors among e's arguments.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	for _, a := range e.args {
		if err, ok := a.(error); ok {
			errs = append(errs, err)
		}
	}
	return errs
}

// Renderer is an error that can be written in a door's words.
type Renderer interface {
	error
	Render(d Door) string
}

// Render writes err in door d's words: an error that knows how (an *Error,
// a List, appkey's errors) renders itself, any other error is its Error().
func Render(err error, d Door) string {
	if err == nil {
		return ""
	}
	if r, ok := err.(Renderer); ok {
		return r.Render(d)
	}
	return err.Error()
}

// List is every problem found in one reading, so a user fixes them all in
// one run (as Kubernetes' field.ErrorList).
type List []*Error

// Err returns l as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Render writes the problems in d's words, separated by "; ": at most
// MaxShown of them, then how many more there are.
func (l List) Render(d Door) string {
	shown := l[:min(len(l), MaxShown)]
	parts := make([]string, len(shown))
	for i, e := range shown {
		parts[i] = e.Render(d)
	}
	return JoinCapped(parts, len(l)-len(shown), "; ")
}

func (l List) Error() string { return l.Render(Action) }

// Unwrap returns the problems, for errors.As.
func (l List) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Settings returns every setting err's sentences name, in order, without
// repeats: what a user has to look at.
func Settings(err error) []ID {
	var out []ID
	seen := map[ID]bool{}
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *Error:
			for _, a := range e.args {
				var ids []ID
				switch a := a.(type) {
				case ID:
					ids = []ID{a}
				case Input:
					ids = []ID{ID(a)}
				case Inputs:
					ids = a[:]
				}
				for _, id := range ids {
					if !seen[id] {
						seen[id] = true
						out = append(out, id)
					}
				}
			}
			for _, c := range e.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() []error }:
			for _, c := range e.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}
