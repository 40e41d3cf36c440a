// Command release-binaries cross-compiles the app-token binary for every
// release target and writes a SHA256SUMS file beside them, in the format
// `sha256sum -c` reads:
//
//	go run ./cmd/release-binaries -out dist -version v1.2.3
//
// The names it writes (app-token-GOOS-GOARCH, .exe on Windows) are the ones
// the native action's entry (native/entry.js) looks for in native/bin, and
// the release's downloadable assets. CI runs it for every target, so a
// change that breaks one platform's build fails there.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Targets are the release's GOOS/GOARCH pairs: what GitHub's hosted and
// most self-hosted runners are, and what people run a command line on.
var Targets = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// pkg is the binary's package: the module's root.
const pkg = "github.com/app-token/app-token"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "release-binaries: %v\n", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, log io.Writer) error {
	fs := flag.NewFlagSet("release-binaries", flag.ContinueOnError)
	fs.SetOutput(log)
	out := fs.String("out", "", "write the binaries and SHA256SUMS into this folder (created if missing)")
	version := fs.String("version", "", "the version `app-token version` prints, e.g. v1.2.3")
	targets := fs.String("targets", strings.Join(Targets, ","), "comma-separated GOOS/GOARCH pairs, from the release targets")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var sums []string
	for _, t := range strings.Split(*targets, ",") {
		if !slices.Contains(Targets, t) {
			return fmt.Errorf("-targets: %q is not a release target (%s)", t, strings.Join(Targets, ", "))
		}
		goos, goarch, _ := strings.Cut(t, "/")
		name := Name(goos, goarch)
		path := filepath.Join(*out, name)
		ldflags := "-s -w"
		if *version != "" {
			ldflags += " -X main.version=" + *version
		}
		// As the Dockerfile builds it: static, reproducible paths, no symbols.
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags="+ldflags, "-o", path, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", t, err)
		}
		sum, err := fileSHA256(path)
		if err != nil {
			return err
		}
		sums = append(sums, sum+"  "+name+"\n")
		fmt.Fprintf(log, "%s  %s\n", sum, name)
	}
	return os.WriteFile(filepath.Join(*out, "SHA256SUMS"), []byte(strings.Join(sums, "")), 0o644)
}

// Name is the binary's file name for a target.
func Name(goos, goarch string) string {
	name := "app-token-" + goos + "-" + goarch
	if goos == "windows" {
		name += ".exe"
	}
	return name
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
