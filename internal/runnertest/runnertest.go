// Package runnertest is test support: it starts the action's binary the way the GitHub Actions
// runner starts a container action's phases, for scenario tests, the demo and
// the benchmark: every declared input as INPUT_<NAME> (upper case, hyphens
// kept, defaults filled in), the GITHUB_* variables, file-command files, and
// for the post phase the saved state as STATE_<name>. It then reads back what
// the runner would: outputs, state, masks, annotations, and the log as a user
// would see it.
package runnertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/sethvargo/go-githubactions"
)

// Step is one use of the action in a workflow.
type Step struct {
	// Binary is the built action binary; the post phase runs the same file
	// under the name Binary+"-post", as the image does.
	Binary string
	// With are the step's `with:` inputs.
	With map[string]string
	// Env is the job's environment (GITHUB_REPOSITORY, GITHUB_API_URL, proxies ...);
	// Defaults fills in the rest.
	Env map[string]string
	// Dir holds the step's file-command files and workspace; a fresh temporary
	// folder per run when empty.
	Dir string
	// Undeclared are inputs of this tree that Binary does not declare (an
	// older build's, run for a side-by-side benchmark): the runner does not
	// pass their defaults, and the step must not set them.
	Undeclared []string
	// Args, when set, follow Binary on the main phase's command line, and
	// PostArgs on the post phase's, which then runs Binary itself: for an
	// action that node runs (Binary node, Args {"dist/main.cjs"}), such as
	// the official one measured beside this one.
	Args, PostArgs []string
	// Started, when set, is called with the phase's process once it runs,
	// so a test can signal it as the runner does when the job is
	// cancelled; the process then runs without GNU time, which would not
	// pass a signal on (MaxRSSKiB is then an upper bound).
	Started func(p *os.Process)
}

// Result is what the runner saw of one phase.
type Result struct {
	ExitCode int
	Stdout   string
	Stderr   string
	// Outputs and State are the parsed GITHUB_OUTPUT and GITHUB_STATE files.
	Outputs map[string]string
	State   map[string]string
	// Summary is what the phase appended to the job summary.
	Summary string
	// Masks are the values registered with ::add-mask::, in order.
	Masks []string
	// Errors, Warnings and Notices are the annotations' messages.
	Errors, Warnings, Notices []string
	// Wall is how long the process ran; MaxRSSKiB its peak resident memory
	// (exact with GNU time at /usr/bin/time, else an upper bound).
	Wall      time.Duration
	MaxRSSKiB int64
	// CPU is the user and system time the process used (with GNU time's
	// own, a few hundred microseconds): steadier than Wall on a busy machine.
	CPU time.Duration
}

// Defaults returns the environment the runner gives every step, for a job in
// octo-org/app. Callers override entries through Step.Env.
func Defaults() map[string]string {
	return map[string]string{
		"GITHUB_ACTIONS":          "true",
		"CI":                      "true",
		"GITHUB_REPOSITORY":       "octo-org/app",
		"GITHUB_REPOSITORY_OWNER": "octo-org",
		"GITHUB_SERVER_URL":       "https://github.com",
		"GITHUB_API_URL":          "https://api.github.com",
		"GITHUB_WORKFLOW":         "release",
		"GITHUB_RUN_ID":           "1",
		"GITHUB_JOB":              "release",
		"GITHUB_ACTION":           "app-token",
		"RUNNER_OS":               "Linux",
	}
}

// Main runs the main phase.
func (s *Step) Main(ctx context.Context) (*Result, error) {
	return s.run(ctx, s.Binary, s.Args, nil)
}

// Post runs the post phase with the state main saved, as STATE_<name>.
func (s *Step) Post(ctx context.Context, state map[string]string) (*Result, error) {
	if s.PostArgs != nil {
		return s.run(ctx, s.Binary, s.PostArgs, state)
	}
	post := s.Binary + "-post"
	if _, err := os.Stat(post); err != nil {
		if err := os.Link(s.Binary, post); err != nil {
			return nil, fmt.Errorf("make the post-phase name: %w", err)
		}
	}
	return s.run(ctx, post, nil, state)
}

// env returns the environment a phase starts with: the job's environment,
// then every declared input (with its default when the step does not set
// it), then every other `with:` entry. The runner passes undeclared entries
// too, only warning about them, so the action must be the one to refuse a
// misspelt input.
func (s *Step) env(dir string, state map[string]string) ([]string, error) {
	env := Defaults()
	env["GITHUB_WORKSPACE"] = filepath.Join(dir, "workspace")
	env["HOME"] = filepath.Join(dir, "home")
	env["RUNNER_TEMP"] = filepath.Join(dir, "tmp")
	for _, f := range []string{"OUTPUT", "STATE", "ENV", "PATH", "STEP_SUMMARY"} {
		env["GITHUB_"+f] = filepath.Join(dir, "file_commands", strings.ToLower(f))
	}
	env["PATH"] = os.Getenv("PATH")
	for k, v := range s.Env {
		env[k] = v
	}
	for _, in := range config.AllInputs() {
		if slices.Contains(s.Undeclared, in.Name) {
			continue
		}
		env[inputVar(in.Name)] = strings.ReplaceAll(in.Default, "${{ github.api_url }}", env["GITHUB_API_URL"])
	}
	for name, v := range s.With {
		env[inputVar(name)] = v
	}
	for k, v := range state {
		env["STATE_"+k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out, nil
}

// inputVar is the variable the runner passes an input in: upper case, spaces
// as underscores, hyphens kept.
func inputVar(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// gnuTime is GNU time, used to measure a phase's peak memory: Go starts
// children with vfork semantics, so the kernel's rusage for a child counts
// the launching process's own peak (a test binary's, tens of MiB) too. GNU
// time is a small C program whose fork leaves the count to the phase itself.
const gnuTime = "/usr/bin/time"

func (s *Step) run(ctx context.Context, binary string, args []string, state map[string]string) (*Result, error) {
	return s.execute(state, func(env []string, workdir string, res *Result) error {
		rssFile := filepath.Join(workdir, "..", "tmp", "maxrss")
		cmd := exec.CommandContext(ctx, binary, args...)
		if _, err := os.Stat(gnuTime); err == nil && s.Started == nil {
			cmd = exec.CommandContext(ctx, gnuTime, append([]string{"-q", "-f", "%M", "-o", rssFile, binary}, args...)...)
		}
		cmd.Env, cmd.Dir = env, workdir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Start()
		if err == nil {
			if s.Started != nil {
				s.Started(cmd.Process)
			}
			err = cmd.Wait()
		}
		res.Wall, res.Stdout, res.Stderr = time.Since(start), stdout.String(), stderr.String()
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			res.ExitCode = exitErr.ExitCode()
		case err != nil:
			return fmt.Errorf("start %s: %w", binary, err)
		}
		res.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if kib, err := os.ReadFile(rssFile); err == nil {
			res.MaxRSSKiB, _ = strconv.ParseInt(strings.TrimSpace(string(kib)), 10, 64)
		} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSSKiB = ru.Maxrss // an upper bound: includes this process's peak
		}
		return nil
	})
}

// Phase is a phase run in this process: main.go's action.Main or action.Post.
type Phase func(ctx context.Context, a *githubactions.Action) error

// InProcess runs phase in this process with exactly the environment and files
// the binary would get, so tests can inject a clock, a sleeper or a transport
// and still read the result as the runner would. A returned error becomes one
// ::error:: line and exit code 1, as main.go does.
func (s *Step) InProcess(ctx context.Context, phase Phase, state map[string]string) (*Result, error) {
	return s.execute(state, func(env []string, _ string, res *Result) error {
		vars := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		var out bytes.Buffer
		a := githubactions.New(githubactions.WithGetenv(func(k string) string { return vars[k] }), githubactions.WithWriter(&out))
		start := time.Now()
		if err := phase(ctx, a); err != nil {
			a.Errorf("%v", err)
			res.ExitCode = 1
		}
		res.Wall, res.Stdout = time.Since(start), out.String()
		return nil
	})
}

// execute prepares the step's folders and environment, lets launch run the
// phase, and reads back the runner's files and commands.
func (s *Step) execute(state map[string]string, launch func(env []string, workdir string, res *Result) error) (*Result, error) {
	dir := s.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "runnertest-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	for _, sub := range []string{"workspace", "home", "tmp", "file_commands"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	// The runner creates the file-command files before a step starts; the
	// official action's @actions/core refuses to write to a missing one.
	for _, f := range []string{"output", "state", "env", "path", "step_summary"} {
		f, err := os.OpenFile(filepath.Join(dir, "file_commands", f), os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		f.Close()
	}
	env, err := s.env(dir, state)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if err := launch(env, filepath.Join(dir, "workspace"), res); err != nil {
		return nil, err
	}
	if res.Outputs, err = readFileCommands(filepath.Join(dir, "file_commands", "output")); err != nil {
		return nil, err
	}
	if res.State, err = readFileCommands(filepath.Join(dir, "file_commands", "state")); err != nil {
		return nil, err
	}
	summary, err := os.ReadFile(filepath.Join(dir, "file_commands", "step_summary"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	res.Summary = string(summary)
	res.parseCommands()
	return res, nil
}

func readFileCommands(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseFileCommands(string(data))
}

// parseCommands reads the workflow commands the runner acts on from stdout.
func (r *Result) parseCommands() {
	for _, line := range strings.Split(r.Stdout, "\n") {
		cmd, msg, ok := workflowCommand(line)
		if !ok {
			continue
		}
		switch cmd {
		case "add-mask":
			r.Masks = append(r.Masks, msg)
		case "error":
			r.Errors = append(r.Errors, msg)
		case "warning":
			r.Warnings = append(r.Warnings, msg)
		case "notice":
			r.Notices = append(r.Notices, msg)
		}
	}
}

// workflowCommand splits "::name props::message", unescaping the message as
// the runner does.
func workflowCommand(line string) (name, msg string, ok bool) {
	line = strings.TrimSuffix(line, "\r")
	if !strings.HasPrefix(line, "::") {
		return "", "", false
	}
	head, msg, ok := strings.Cut(line[2:], "::")
	if !ok {
		return "", "", false
	}
	name, _, _ = strings.Cut(head, " ")
	r := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%")
	return name, r.Replace(msg), true
}

// Log renders stdout as the job log shows it: workflow commands consumed,
// every registered mask replaced by ***, annotations shown as "Error: ...".
func (r *Result) Log() string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		cmd, msg, ok := workflowCommand(line)
		switch {
		case !ok:
			b.WriteString(line)
		case cmd == "error" || cmd == "warning" || cmd == "notice":
			b.WriteString(strings.ToUpper(cmd[:1]) + cmd[1:] + ": " + msg)
		case cmd == "debug" || cmd == "add-mask":
			continue
		default:
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	log := b.String()
	for _, m := range r.Masks {
		if m != "" {
			log = strings.ReplaceAll(log, m, "***")
		}
	}
	return log
}

// Leaks reports where a credential shows up in what a user or a later step
// could read. Stdout is scanned outside the ::add-mask:: commands that hide
// it, then stderr, the job summary, every output and every saved state.
// tokens may appear only as the output "token" and the state "token";
// secrets (the key's lines, App JWTs) nowhere at all. Any MinLeak-long piece
// of a token or secret counts, not only the whole (see Secrets).
func (r *Result) Leaks(tokens []string, secrets ...string) []string {
	return r.LeaksOf(NewSecrets(tokens...), NewSecrets(secrets...))
}

// LeaksOf is Leaks with the checks built once, for callers that add
// secrets of their own kinds (a given JWT, AWS keys, an OIDC token).
func (r *Result) LeaksOf(tokens, secrets *Secrets) []string {
	var found []string
	check := func(set *Secrets, token bool) {
		for _, line := range strings.Split(r.Stdout, "\n") {
			if strings.HasPrefix(line, "::add-mask::") {
				continue
			}
			if p := set.In(line); p != "" {
				found = append(found, fmt.Sprintf("stdout line %q", truncate(strings.ReplaceAll(line, p, "<SECRET>"))))
			}
		}
		if set.In(r.Stderr) != "" {
			found = append(found, "stderr")
		}
		if set.In(r.Summary) != "" {
			found = append(found, "job summary")
		}
		for what, m := range map[string]map[string]string{"output": r.Outputs, "state": r.State} {
			for k, v := range m {
				if set.In(v) != "" && !(token && k == "token") {
					found = append(found, what+" "+k)
				}
			}
		}
	}
	check(tokens, true)
	check(secrets, false)
	slices.Sort(found)
	return slices.Compact(found)
}

func truncate(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
