// Command actionenv computes what the GitHub Actions runner hands a Docker
// container action, for test/container/runner-harness.sh:
//
//	actionenv inputs -action action.yml [-with NAME=VALUE]... [-with-file NAME=PATH]... [-context github.api_url=URL]...
//	    prints INPUT_<NAME>=value for every input action.yml declares
//	actionenv runs -action action.yml
//	    prints key=value for each scalar key of action.yml's runs: map
//	actionenv filecmd -file PATH [-prefix STATE_]
//	    prints each entry of a file command file (GITHUB_STATE, ...) as PREFIX<name>=value
//	actionenv get -file PATH -name NAME
//	    prints one entry's value; exit status 1 if it is absent
//	actionenv exec -env RECORDS... -- COMMAND [ARG]...
//	    runs COMMAND with the NAME=value records of each RECORDS file added
//	    to its environment
//
// inputs, runs and filecmd print NUL-terminated records, since values (a private
// key, a multi-line list) may hold line breaks. exec exists because bash
// cannot export names with hyphens (INPUT_PRIVATE-KEY); like the runner,
// which runs `docker run -e NAME` with the value in docker's environment,
// it keeps values off every command line. Values never go to stderr, so
// secrets passed through here stay out of logs.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/app-token/app-token/internal/runnertest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "actionenv:", err)
		if errors.Is(err, errAbsent) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

// errAbsent is returned by get for a name the file does not hold.
var errAbsent = errors.New("no such entry")

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a subcommand: inputs, runs, filecmd, get or exec")
	}
	switch args[0] {
	case "inputs":
		return runInputs(args[1:], stdout)
	case "runs":
		return runRuns(args[1:], stdout)
	case "filecmd":
		return runFileCmd(args[1:], stdout)
	case "get":
		return runGet(args[1:], stdout)
	case "exec":
		return runExec(args[1:], syscall.Exec)
	}
	return fmt.Errorf("unknown subcommand %q", args[0])
}

func runInputs(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("inputs", flag.ContinueOnError)
	action := fs.String("action", "action.yml", "the action's metadata file")
	with, withFile, contexts := pairFlag{}, pairFlag{}, pairFlag{}
	fs.Var(with, "with", "NAME=VALUE: an input as a workflow's with: sets it (repeatable)")
	fs.Var(withFile, "with-file", "NAME=PATH: an input whose value is PATH's content (repeatable)")
	fs.Var(contexts, "context", "NAME=VALUE: a context value for defaults, e.g. github.api_url=URL (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for name, path := range withFile {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("input %q: %w", name, err)
		}
		if _, dup := with[name]; dup {
			return fmt.Errorf("input %q given by both -with and -with-file", name)
		}
		with[name] = string(b)
	}
	inputs, err := readAction(*action, parseInputs)
	if err != nil {
		return err
	}
	env, err := inputEnv(inputs, with, contexts)
	if err != nil {
		return err
	}
	return writeRecords(stdout, env)
}

func runRuns(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	action := fs.String("action", "action.yml", "the action's metadata file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runs, err := readAction(*action, parseRuns)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(runs))
	for k := range runs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	records := make([]string, len(keys))
	for i, k := range keys {
		records[i] = k + "=" + runs[k]
	}
	return writeRecords(stdout, records)
}

// readAction opens an action's metadata file and parses it with parse.
func readAction[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("reading action metadata: %w", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

func runFileCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("filecmd", flag.ContinueOnError)
	prefix := fs.String("prefix", "", "prepended to each name, e.g. STATE_")
	pairs, err := parseFileFlags(fs, args)
	if err != nil {
		return err
	}
	records := make([]string, len(pairs))
	for i, p := range pairs {
		records[i] = *prefix + p.Name + "=" + p.Value
	}
	return writeRecords(stdout, records)
}

func runGet(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	name := fs.String("name", "", "the entry to print")
	pairs, err := parseFileFlags(fs, args)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		if p.Name == *name {
			_, err := io.WriteString(stdout, p.Value)
			return err
		}
	}
	return fmt.Errorf("%q: %w", *name, errAbsent)
}

// execFunc is syscall.Exec's signature, so tests can observe the call.
type execFunc func(argv0 string, argv []string, envv []string) error

func runExec(args []string, exec execFunc) error {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	var files listFlag
	fs.Var(&files, "env", "a file of NUL-terminated NAME=value records (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := fs.Args()
	if len(cmd) == 0 {
		return errors.New("exec: want -- COMMAND [ARG]...")
	}
	env := os.Environ()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("exec: %w", err)
		}
		for _, r := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00") {
			if r == "" {
				continue
			}
			if name, _, ok := strings.Cut(r, "="); !ok || name == "" {
				return fmt.Errorf("exec: %s holds a record that is not NAME=value", f)
			}
			env = append(env, r)
		}
	}
	path, err := osexec.LookPath(cmd[0])
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	return exec(path, cmd, env)
}

// parseFileFlags adds -file to fs, parses args and reads that file.
func parseFileFlags(fs *flag.FlagSet, args []string) ([]runnertest.FileCommandEntry, error) {
	file := fs.String("file", "", "the file command file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return readFileCommand(*file)
}

func readFileCommand(path string) ([]runnertest.FileCommandEntry, error) {
	if path == "" {
		return nil, errors.New("-file is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading file command file: %w", err)
	}
	pairs, err := runnertest.FileCommandEntries(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pairs, nil
}

// writeRecords writes each record followed by a NUL byte. A record holding
// a NUL could not be read back, so it is refused.
func writeRecords(w io.Writer, records []string) error {
	var b bytes.Buffer
	for _, r := range records {
		if strings.IndexByte(r, 0) >= 0 {
			return fmt.Errorf("a value for %q holds a NUL byte", strings.SplitN(r, "=", 2)[0])
		}
		b.WriteString(r)
		b.WriteByte(0)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// listFlag collects repeated values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// pairFlag collects repeated NAME=VALUE flags.
type pairFlag map[string]string

func (p pairFlag) String() string { return fmt.Sprintf("%d values", len(p)) }

func (p pairFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got a value without '='")
	}
	if _, dup := p[name]; dup {
		return fmt.Errorf("%q given twice", name)
	}
	p[name] = value
	return nil
}
