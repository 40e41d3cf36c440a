package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// The names are the ones native/entry.js looks for (its test lists them
// for node's platform and architecture names).
func TestNames(t *testing.T) {
	t.Parallel()
	var got []string
	for _, target := range Targets {
		goos, goarch, _ := strings.Cut(target, "/")
		got = append(got, Name(goos, goarch))
	}
	want := "app-token-linux-amd64 app-token-linux-arm64 app-token-darwin-amd64 app-token-darwin-arm64 app-token-windows-amd64.exe app-token-windows-arm64.exe"
	if strings.Join(got, " ") != want {
		t.Errorf("names %q, want %q", got, want)
	}
}

func TestRefusesWhatIsNotARelease(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-targets", "linux/amd64"},
		{"-out", t.TempDir(), "-targets", "plan9/386"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("release-binaries %q: no error", args)
		}
	}
}
