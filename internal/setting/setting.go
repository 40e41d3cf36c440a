// Package setting declares what a user sets, once, apart from how each
// front door spells it. table.go holds one row (Spec) per setting: its
// input name, flag, environment variable, default, range, help placeholder
// and help text. The action's inputs (config.Inputs, rendered into
// action.yml, native/action.yml and docs/inputs.md by internal/actionyml),
// the command line's flags, help and variables (internal/cli), and the
// defaults and bounds config enforces all derive from it.
//
// The core (config, appkey, permissions, ghclient, mint) reports problems
// as data: an *Error whose sentence refers to settings by ID, never by an
// input's or a flag's name. Each front door renders it in its own words
// with Render: the action says `input permissions`, the command line
// `--permissions`, both from the one table. No door rewrites another
// door's English. A setting's help is a Text rendered the same way.
//
// Adding a setting (say `max-wait-seconds`, `--max-wait-seconds`):
//
//  1. in table.go, an ID in the const block (its place is its place in
//     action.yml and docs/inputs.md) and a row: Input and/or Flag (a
//     setting may exist at one door only), the Group of commands whose
//     flags include it (a new command's own flags, such as a broker's, are
//     a new Group), Repeatable if the flag may be given more than once,
//     Kind, Default, and Min, Max and Unit for a Number, the help's Value
//     placeholder, and Help in both doors' words (Words where they must
//     differ);
//  2. read it where it is used: config reads it with Source.Setting (or
//     readInt and readBool, which take the default and bounds from the
//     row) into the Config the core gets.
//
// Then `go generate ./internal/actionyml` rewrites action.yml and
// docs/inputs.md, and the flag shows in the -h of each command taking its
// Group. A row with Env needs its variable read in cli (only the App's
// identity and key have one; their either-or rules live in cli's
// appFlags.load). The tests that name every setting fail until the new one
// is covered: TestTable (a complete row), the command line's help and
// range tests, and wordsCases below.
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

// Door is a front door, which names settings its own way.
type Door uint8

const (
	// Action: the GitHub Action's inputs.
	Action Door = iota
	// CLI: the command line's flags.
	CLI
)

// Input makes an Errorf argument render as "input NAME" (the action) or the
// flag (the command line).
type Input ID

// Inputs makes an Errorf argument render two settings: "inputs A and B" or
// "--a and --b".
type Inputs [2]ID

// Words is an Errorf argument whose words depend on the door, for what is
// not a setting: "the runner's proxy settings" means nothing on a laptop.
type Words struct{ Action, CLI string }

// Text is a sentence whose setting names each door fills in: a format as
// for fmt.Sprintf, with ID, Input, Inputs, Words and error arguments
// rendered by the door (use %s for them). An error's sentence, and a
// setting's help (Spec.Help).
type Text struct {
	format string
	args   []any
}

// Sentence builds a Text.
func Sentence(format string, args ...any) Text { return Text{format, args} }

// Render writes t in door d's words.
func (t Text) Render(d Door) string {
	args := make([]any, len(t.args))
	for i, a := range t.args {
		args[i] = a
		switch a := a.(type) {
		case ID:
			args[i] = a.Spec().bare(d)
		case Input:
			args[i] = ID(a).Spec().named(d)
		case Inputs:
			args[i] = pair(d, a[0].Spec(), a[1].Spec())
		case Words:
			args[i] = a.Action
			if d == CLI {
				args[i] = a.CLI
			}
		case error:
			args[i] = Render(a, d)
		}
	}
	return fmt.Sprintf(t.format, args...)
}

// pair names two settings: "inputs A and B", "--a and --b"; each in its
// own words when one of them lacks the door's kind of name.
func pair(d Door, a, b Spec) string {
	if d == CLI && a.cliWords() != "" && b.cliWords() != "" {
		return a.cliWords() + " and " + b.cliWords()
	}
	if d == Action && a.Input != "" && b.Input != "" {
		return "inputs " + a.Input + " and " + b.Input
	}
	return a.named(d) + " and " + b.named(d)
}

// Error is a problem a user can act on, as data: the setting to fix (0 when
// the fix is elsewhere), and a sentence saying what went wrong and what to
// do, whose setting names the door fills in. Causes given as arguments stay
// reachable with errors.Is and errors.As.
type Error struct {
	// Setting is the first setting the sentence names, if any.
	Setting ID
	text    Text
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
	e := &Error{text: Sentence(format, args...)}
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
func (e *Error) Render(d Door) string { return e.text.Render(d) }

// Error renders e in the action's words. Doors call Render instead; this is
// for logs of tests and for errors that reach no door.
func (e *Error) Error() string { return e.Render(Action) }

// Unwrap returns the errors among e's arguments.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	for _, a := range e.text.args {
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
			for _, a := range e.text.args {
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
