// Command official-rtt measures the official action
// (actions/create-github-app-token, its dist/main.cjs and post.cjs under
// node) and this one's built binary the same way: each phase started as the
// runner starts it (internal/runnertest), against the emulator over TLS
// behind a proxy one round-trip time away (githubtest.Remote), with the same
// inputs (owner, two repositories, one permission). It prints, per RTT and
// phase, the medians of wall and CPU time and the requests and connections
// each run made. scripts/official-rtt.sh builds the binary and runs it; the
// official action's code is never in this tree (OFFICIAL_ACTION_DIR names a
// checkout).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/runnertest"
)

func main() {
	binary := flag.String("binary", "", "this action's built binary (required)")
	official := flag.String("official", os.Getenv("OFFICIAL_ACTION_DIR"), "a checkout of actions/create-github-app-token (default $OFFICIAL_ACTION_DIR; empty: measure this action alone)")
	node := flag.String("node", "node", "the node that runs the official action (it asks for node 24)")
	rtts := flag.String("rtts", "1ms,50ms,150ms", "round-trip times, comma-separated")
	runs := flag.Int("runs", 7, "runs per RTT, action and phase")
	flag.Parse()
	if err := run(os.Stdout, *binary, *official, *node, *rtts, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "official-rtt:", err)
		os.Exit(1)
	}
}

// The inputs of issue 25's table, the same for both actions.
var with = map[string]string{
	"client-id":           githubtest.DefaultClientID,
	"owner":               "octo-org",
	"repositories":        "app,infra",
	"permission-contents": "write",
}

// wantScope is the token both must mint for those inputs.
var wantScope = struct {
	repos []string
	perms map[string]string
}{[]string{"app", "infra"}, map[string]string{"contents": "write"}}

func run(out io.Writer, binary, official, node, rttList string, runs int) error {
	if binary == "" {
		return errors.New("-binary is required")
	}
	var rtts []time.Duration
	for _, s := range strings.Split(rttList, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-rtts: %w", err)
		}
		rtts = append(rtts, d)
	}
	key, keyPEM, err := githubtest.NewAppKey()
	if err != nil {
		return err
	}
	actions := []*subject{ours(binary, keyPEM)}
	if official != "" {
		o, err := theirs(official, node, keyPEM)
		if err != nil {
			return err
		}
		actions = append(actions, o)
	}
	for _, a := range actions {
		fmt.Fprintf(out, "%s: %s\n", a.name, a.about())
	}
	fmt.Fprintf(out, "inputs: %s; %d runs per RTT, the actions taking turns\n\n", inputs(), runs)

	tmp, err := os.MkdirTemp("", "official-rtt-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var rows []row
	for _, rtt := range rtts {
		remote, err := githubtest.NewRemote(githubtest.DefaultConfig(&key.PublicKey), rtt)
		if err != nil {
			return err
		}
		ca := filepath.Join(tmp, "ca.pem")
		if err := os.WriteFile(ca, remote.CAPEM, 0o644); err != nil {
			return err
		}
		for _, a := range actions {
			a.point(remote, ca)
		}
		figures := map[string][]figure{}
		for range runs {
			for _, a := range actions {
				main, post, err := a.once(remote)
				if err != nil {
					remote.Close()
					return fmt.Errorf("%s at RTT %v: %w", a.name, rtt, err)
				}
				figures[a.name+" main"] = append(figures[a.name+" main"], main)
				figures[a.name+" post"] = append(figures[a.name+" post"], post)
			}
		}
		remote.Close()
		for _, phase := range []string{"main", "post"} {
			for _, a := range actions {
				rows = append(rows, summarise(rtt, a.name, phase, figures[a.name+" "+phase]))
			}
		}
	}
	printTable(out, rows, actions)
	return nil
}

// subject is one action under measurement.
type subject struct {
	name  string
	step  *runnertest.Step
	about func() string
	// point sets the API's address and CA for a Remote.
	point func(r *githubtest.Remote, caFile string)
}

// ours runs this action's binary as the runner runs the container action,
// trusting the emulator's CA through ca-certificates, as a GHES user does.
func ours(binary, keyPEM string) *subject {
	step := &runnertest.Step{Binary: binary, With: maps.Clone(with), Env: map[string]string{}}
	step.With["private-key"] = keyPEM
	s := &subject{name: "app-token", step: step}
	s.about = func() string { return binary }
	s.point = func(r *githubtest.Remote, _ string) {
		step.Env["GITHUB_API_URL"] = r.URL
		step.With["ca-certificates"] = string(r.CAPEM)
	}
	return s
}

// theirs runs the official action's dist/main.cjs and post.cjs under node,
// with only the inputs it declares (their defaults filled in as the runner
// does) and NODE_EXTRA_CA_CERTS for the emulator's CA.
func theirs(dir, node, keyPEM string) (*subject, error) {
	for _, f := range []string{"dist/main.cjs", "dist/post.cjs", "package.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("OFFICIAL_ACTION_DIR: %w (a checkout of actions/create-github-app-token, e.g. its v3.1.1 tag)", err)
		}
	}
	var pkg struct {
		Version string
		Engines struct{ Node string }
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil {
		return nil, fmt.Errorf("OFFICIAL_ACTION_DIR: package.json: %w", err)
	}
	version, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("-node %s: %w", node, err)
	}
	nodeVersion := strings.TrimSpace(string(version))
	if min, ok := strings.CutPrefix(pkg.Engines.Node, ">="); ok && older(nodeVersion, min) {
		return nil, fmt.Errorf("-node %s is %s; the official action %s asks for node %s (install one: scripts/official-rtt.sh says how)", node, nodeVersion, pkg.Version, pkg.Engines.Node)
	}
	declared, err := permissions.OfficialInputs()
	if err != nil {
		return nil, err
	}
	var undeclared []string
	for _, in := range config.AllInputs() {
		if !slices.ContainsFunc(declared, func(o permissions.OfficialInput) bool { return o.Name == in.Name }) {
			undeclared = append(undeclared, in.Name)
		}
	}
	step := &runnertest.Step{Binary: node, With: maps.Clone(with), Env: map[string]string{}, Undeclared: undeclared,
		Args: []string{filepath.Join(dir, "dist", "main.cjs")}, PostArgs: []string{filepath.Join(dir, "dist", "post.cjs")}}
	step.With["private-key"] = keyPEM
	s := &subject{name: "official", step: step}
	s.about = func() string { return fmt.Sprintf("%s %s under node %s", dir, pkg.Version, nodeVersion) }
	s.point = func(r *githubtest.Remote, caFile string) {
		step.Env["GITHUB_API_URL"] = r.URL
		step.Env["NODE_EXTRA_CA_CERTS"] = caFile
	}
	return s, nil
}

// older reports whether node's "vA.B.C" is older than "A.B.C".
func older(have, want string) bool {
	parse := func(v string) []int {
		var n []int
		for _, p := range strings.Split(strings.TrimPrefix(v, "v"), ".") {
			i, _ := strconv.Atoi(p)
			n = append(n, i)
		}
		return n
	}
	return slices.Compare(parse(have), parse(want)) < 0
}

func inputs() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(with)) {
		parts = append(parts, k+": "+with[k])
	}
	return strings.Join(parts, ", ") + ", private-key"
}

// figure is one phase's run.
type figure struct {
	wall, cpu             time.Duration
	requests, conns, used int
}

// once runs main then post, checks that main minted exactly the token asked
// for and post revoked it, and returns what each cost.
func (a *subject) once(r *githubtest.Remote) (main, post figure, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := r.Counters()
	tokens := len(r.Emu.Tokens())
	res, err := a.step.Main(ctx)
	if err != nil {
		return main, post, err
	}
	main = measured(res, r.Counters().Sub(before))
	if res.ExitCode != 0 || res.Outputs["token"] == "" {
		return main, post, fmt.Errorf("main: exit %d, errors %q, stderr %q", res.ExitCode, res.Errors, tail(res.Stderr))
	}
	issued := r.Emu.Tokens()
	if len(issued) != tokens+1 {
		return main, post, fmt.Errorf("main minted %d tokens, want 1", len(issued)-tokens)
	}
	t := issued[len(issued)-1]
	if t.Token != res.Outputs["token"] || !slices.Equal(sorted(t.Repositories), wantScope.repos) || !maps.Equal(t.Permissions, wantScope.perms) {
		return main, post, fmt.Errorf("main minted a token for %v with %v, want %v with %v", t.Repositories, t.Permissions, wantScope.repos, wantScope.perms)
	}
	before = r.Counters()
	res, err = a.step.Post(ctx, res.State)
	if err != nil {
		return main, post, err
	}
	post = measured(res, r.Counters().Sub(before))
	if res.ExitCode != 0 {
		return main, post, fmt.Errorf("post: exit %d, errors %q, stderr %q", res.ExitCode, res.Errors, tail(res.Stderr))
	}
	if issued = r.Emu.Tokens(); !issued[len(issued)-1].Revoked {
		return main, post, errors.New("post did not revoke the token")
	}
	return main, post, nil
}

func measured(res *runnertest.Result, c githubtest.Counters) figure {
	return figure{wall: res.Wall, cpu: res.CPU, requests: c.Requests, conns: int(c.Conns), used: c.Used}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func tail(s string) string {
	if len(s) > 300 {
		return "…" + s[len(s)-300:]
	}
	return s
}

// row is the medians of one action's phase at one RTT.
type row struct {
	rtt                   time.Duration
	action, phase         string
	wall, min, cpu        time.Duration
	requests, conns, used string
}

func summarise(rtt time.Duration, action, phase string, fs []figure) row {
	pick := func(get func(figure) int) string {
		var v []int
		for _, f := range fs {
			v = append(v, get(f))
		}
		lo, hi := slices.Min(v), slices.Max(v)
		if lo == hi {
			return strconv.Itoa(lo)
		}
		return fmt.Sprintf("%d-%d", lo, hi)
	}
	return row{
		rtt: rtt, action: action, phase: phase,
		wall:     median(fs, func(f figure) time.Duration { return f.wall }),
		cpu:      median(fs, func(f figure) time.Duration { return f.cpu }),
		min:      slices.MinFunc(fs, func(a, b figure) int { return cmp.Compare(a.wall, b.wall) }).wall,
		requests: pick(func(f figure) int { return f.requests }),
		conns:    pick(func(f figure) int { return f.conns }),
		used:     pick(func(f figure) int { return f.used }),
	}
}

func median(fs []figure, get func(figure) time.Duration) time.Duration {
	v := make([]time.Duration, len(fs))
	for i, f := range fs {
		v[i] = get(f)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func printTable(out io.Writer, rows []row, actions []*subject) {
	fmt.Fprintf(out, "%-8s %-10s %-5s %9s %9s %9s %8s %5s %5s\n", "RTT", "action", "phase", "wall", "min wall", "cpu", "requests", "conns", "used")
	for _, r := range rows {
		fmt.Fprintf(out, "%-8v %-10s %-5s %9s %9s %9s %8s %5s %5s\n", r.rtt, r.action, r.phase, ms(r.wall), ms(r.min), ms(r.cpu), r.requests, r.conns, r.used)
	}
	// What the round trips cost apart from the process's own time: the rise
	// of wall time from the first RTT to the last, in round trips of the
	// difference (issue 25's measure), from the medians and the minimums
	// (on a busy machine the quickest run is the least disturbed).
	fmt.Fprintln(out)
	for _, a := range actions {
		for _, phase := range []string{"main", "post"} {
			var own []row
			for _, r := range rows {
				if r.action == a.name && r.phase == phase {
					own = append(own, r)
				}
			}
			first, last := own[0], own[len(own)-1]
			if span := last.rtt - first.rtt; span > 0 {
				fmt.Fprintf(out, "%s %s: wall time rises %.1f RTT from %v to %v (minimums: %.1f)\n", a.name, phase, float64(last.wall-first.wall)/float64(span),
					first.rtt, last.rtt, float64(last.min-first.min)/float64(span))
			}
		}
	}
	if len(actions) < 2 {
		return
	}
	fmt.Fprintf(out, "\nmain phase, medians:\n| RTT | official | app-token | ratio | requests (official / app-token) | connections opened (used) |\n|---|---|---|---|---|---|\n")
	for _, o := range rows {
		if o.action != "official" || o.phase != "main" {
			continue
		}
		for _, a := range rows {
			if a.action == "app-token" && a.phase == "main" && a.rtt == o.rtt {
				fmt.Fprintf(out, "| %v | %.3f s | %.3f s | %.1fx | %s / %s | %s (%s) / %s (%s) |\n", o.rtt, o.wall.Seconds(), a.wall.Seconds(),
					float64(o.wall)/float64(a.wall), o.requests, a.requests, o.conns, o.used, a.conns, a.used)
			}
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }
