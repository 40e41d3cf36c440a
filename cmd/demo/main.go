// Command demo shows the action doing its job on a machine that cannot reach
// GitHub: it builds the action, starts the project's GitHub API emulator on
// loopback, runs the action's main phase exactly as the Actions runner starts
// it, uses the token as a later step would (a repository_dispatch to another
// repository), runs the post phase, and prints what a workflow author would
// see, with the runner's masking applied. Then it runs the same binary as a
// command line: the App's installations, and a dispatch from outside Actions.
//
//	go run ./cmd/demo
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	dir, err := os.MkdirTemp("", "app-token-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	binary := filepath.Join(dir, "app-token")
	say("▶ Building the action: CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o app-token . (as the Dockerfile does)")
	say("  Compiling; the first build on a machine can take a minute or two ...")
	// The build has no deadline: a cold compile on a small machine takes
	// longer than the whole demo, and killing it would say nothing useful.
	started := time.Now()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as the image ships it
	build.Stderr = os.Stderr
	if err := withProgress(out, build.Run); err != nil {
		return fmt.Errorf("build the action (run the demo from the repository root): %w", err)
	}
	say("  Built in %s.\n", time.Since(started).Round(100*time.Millisecond))

	// From here on everything is local and quick; the deadline only stops a
	// hang from going unnoticed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	key, keyPEM, err := githubtest.NewAppKey()
	if err != nil {
		return err
	}
	emu := githubtest.New(githubtest.DefaultConfig(&key.PublicKey))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	say("▶ GitHub API emulator on %s: App %q (client ID %s), installed on octo-org for app, infra, docs.", srv.URL, githubtest.DefaultAppSlug, githubtest.DefaultClientID)
	say("  It verifies each App JWT against the App's public key and remembers every token it issues.\n")

	step := &runnertest.Step{
		Binary: binary,
		With: map[string]string{
			"client-id":    githubtest.DefaultClientID,
			"private-key":  keyPEM,
			"repositories": "app, infra",
			"permissions":  "contents: write\npull-requests: write",
		},
		Env: map[string]string{"GITHUB_API_URL": srv.URL, "GITHUB_REPOSITORY": "octo-org/app", "GITHUB_REPOSITORY_OWNER": "octo-org"},
	}
	say("▶ The workflow step:")
	say("    - uses: app-token/app-token@v1")
	say("      id: app-token")
	say("      with:")
	say("        client-id: %s", githubtest.DefaultClientID)
	say("        private-key: ${{ secrets.APP_PRIVATE_KEY }}   # a 2048-bit key made just now")
	say("        repositories: app, infra")
	say("        permissions: |")
	say("          contents: write")
	say("          pull-requests: write\n")

	res, err := step.Main(ctx)
	if err != nil {
		return err
	}
	say("── Main phase: the job log (masks applied, as GitHub shows it) ──")
	fmt.Fprint(out, indent(res.Log()))
	if res.ExitCode != 0 {
		return fmt.Errorf("the main phase failed with exit code %d", res.ExitCode)
	}
	say("\n── Step outputs, as ${{ steps.app-token.outputs.<name> }} ──")
	for _, o := range config.Outputs() {
		v := res.Outputs[o.Name]
		if o.Name == "token" {
			v = fmt.Sprintf("*** (%d characters, registered with ::add-mask:: before anything else was printed)", len(v))
		}
		say("  %-16s %s", o.Name, v)
	}
	mainCalls := len(emu.Requests())
	say("\n  %d API calls, %s wall time, %.1f MiB peak memory.", mainCalls, res.Wall.Round(time.Millisecond), float64(res.MaxRSSKiB)/1024)

	say("\n▶ A later step triggers a workflow in octo-org/infra with the token (it reaches the script through env:, never as ${{ }} inside it):")
	say("    - run: curl -X POST -H \"Authorization: Bearer $TOKEN\" \"$GITHUB_API_URL/repos/octo-org/infra/dispatches\" -d '{\"event_type\":\"deploy\"}'")
	say("      env:")
	say("        TOKEN: ${{ steps.app-token.outputs.token }}")
	say("  (GITHUB_API_URL is %s here.)", srv.URL)
	status, err := post(ctx, srv.URL+"/repos/octo-org/infra/dispatches", res.Outputs["token"], `{"event_type":"deploy","client_payload":{"ref":"v1.2.3"}}`)
	if err != nil {
		return err
	}
	say("  → %s; the emulator checked the token reaches octo-org/infra with contents:write and recorded %d event(s).", status, len(emu.Dispatches()))
	status, err = post(ctx, srv.URL+"/repos/octo-org/docs/dispatches", res.Outputs["token"], `{"event_type":"deploy"}`)
	if err != nil {
		return err
	}
	say("  The same token against octo-org/docs, which the step did not name: → %s.", status)

	postRes, err := step.Post(ctx, res.State)
	if err != nil {
		return err
	}
	say("\n── Post phase (runs when the job ends, with the token handed over as saved state) ──")
	fmt.Fprint(out, indent(postRes.Log()))
	status, err = post(ctx, srv.URL+"/repos/octo-org/infra/dispatches", res.Outputs["token"], `{"event_type":"deploy"}`)
	if err != nil {
		return err
	}
	say("\n▶ After the job, the same token: → %s. Revoked: %s.", status, yesNo(emu.Tokens()[0].Revoked))

	for _, r := range []*runnertest.Result{res, postRes} {
		if leaks := r.Leaks([]string{res.Outputs["token"]}); len(leaks) > 0 {
			return fmt.Errorf("the token leaked into %s", strings.Join(leaks, ", "))
		}
	}
	say("▶ Checked: the token appears in no log line, no stderr and no output but `token`.")

	return cliDemo(ctx, say, out, binary, dir, srv.URL, keyPEM, emu)
}

// cliDemo runs the same binary as a command line, as a system outside
// Actions would: list the App's installations, then the classic case, a
// repository_dispatch with a token minted for that one repository and
// revoked right after.
func cliDemo(ctx context.Context, say func(string, ...any), out io.Writer, binary, dir, api, keyPEM string, emu *githubtest.Server) error {
	keyFile := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(keyFile, []byte(keyPEM), 0o600); err != nil {
		return err
	}
	say("\n── The same binary as a command line, outside GitHub Actions ──")
	tokensBefore := len(emu.Tokens())
	for _, args := range [][]string{
		{"installations"},
		{"dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild", "--payload", `{"page":"home"}`},
	} {
		say("$ APP_TOKEN_CLIENT_ID=%s app-token %s --private-key-file app.pem --api-url %s", githubtest.DefaultClientID, shellWords(args), api)
		cmd := exec.CommandContext(ctx, binary, append(args, "--private-key-file", keyFile, "--api-url", api)...)
		cmd.Env = []string{"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID, "PATH=" + os.Getenv("PATH")}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		fmt.Fprint(out, indent(strings.TrimRight(stdout.String()+stderr.String(), "\n")))
		if err != nil {
			return fmt.Errorf("app-token %s: %w", args[0], err)
		}
	}
	d := emu.Dispatches()
	toks := emu.Tokens()[tokensBefore:]
	if len(d) == 0 || len(toks) != 1 {
		return fmt.Errorf("the emulator saw %d dispatches and %d new tokens, want the rebuild and one token", len(d), len(toks))
	}
	last := d[len(d)-1]
	say("▶ GitHub recorded %s %q on %s/%s; the token reached %s with %s and is revoked: %s.",
		last.Kind, last.EventType, last.Owner, last.Repo, list(last.Owner, toks[0].Repositories), permissionList(toks[0].Permissions), yesNo(toks[0].Revoked))
	return nil
}

func post(ctx context.Context, url, token, body string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.Status, nil
}

// shellWords shows args as a shell user would type them.
func shellWords(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, `{}"' `) {
			out[i] = "'" + a + "'"
		}
	}
	return strings.Join(out, " ")
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  │ " + line + "\n")
	}
	return b.String()
}

// withProgress runs f, printing a dot every two seconds while it runs, so
// a first build that takes minutes does not look like a hang.
func withProgress(out io.Writer, f func() error) error {
	done, stopped := make(chan struct{}), make(chan struct{})
	ticked := false
	go func() {
		defer close(stopped)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ticked = true
				fmt.Fprint(out, ".")
			}
		}
	}()
	err := f()
	close(done)
	<-stopped
	if ticked {
		fmt.Fprintln(out)
	}
	return err
}

// list shows owner's repositories as a person writes them:
// "octo-org/docs, octo-org/app".
func list(owner string, names []string) string {
	if len(names) == 0 {
		return "all repositories of " + owner
	}
	full := make([]string, len(names))
	for i, n := range names {
		full[i] = owner + "/" + n
	}
	return strings.Join(full, ", ")
}

// permissionList shows permissions as a workflow writes them, sorted:
// "contents: write, metadata: read".
func permissionList(p map[string]string) string {
	names := make([]string, 0, len(p))
	for name := range p {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		names[i] = name + ": " + p[name]
	}
	return strings.Join(names, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
