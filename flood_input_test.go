package main

import (
	"fmt"
	"strings"
	"testing"
)

// floodInputs are inputs a hurried user or a broken generator may pass: one
// bad entry 60,000 times, thousands of names GitHub's table lacks, thousands
// that are no names at all. Each is under the 128 KiB a process's single
// environment variable or argument may hold.
var floodInputs = []struct {
	name, input, value, flag string
}{
	{"60,000 bad permission entries", "permissions", strings.Repeat("x,", 60000), "--permissions"},
	{"60,000 bad repository entries", "repositories", strings.Repeat(".,", 60000), "--repositories"},
	{"9,000 unknown permission names", "permissions", numbered("zz%dq: read", 9000), "--permissions"},
	{"9,000 invalid permission names", "permissions", numbered("z%d!: read", 9000), "--permissions"},
}

func numbered(format string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(parts, ",")
}

// maxLine is the longest line either door may print: a few KiB.
const maxLine = 4 << 10

// longestLine returns the length of the longest line in out.
func longestLine(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		n = max(n, len(line))
	}
	return n
}

// However much is wrong with an input, an error names a handful of problems
// and counts the rest, through the action and the command line: every line
// stays a few KiB, and there are a few lines, not thousands.
func TestFloodedInputsGiveShortErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range floodInputs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := NewWorld(t).With("owner", "octocat", tc.input, tc.value)
			res := w.Main()
			out := res.Stdout + res.Stderr
			if res.ExitCode != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], " more") {
				t.Errorf("action: exit %d, errors %.300q; want one error that counts the rest", res.ExitCode, res.Errors)
			}
			if n := longestLine(out); n > maxLine || strings.Count(out, "\n") > 10 {
				t.Errorf("action: longest line %d bytes, %d lines; want at most %d bytes and a few lines", n, strings.Count(out, "\n"), maxLine)
			}

			code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octocat", tc.flag, tc.value)
			if code == 0 || stdout != "" || !strings.Contains(stderr, " more") {
				t.Errorf("cli: exit %d, stderr %.300q; want an error that counts the rest", code, stderr)
			}
			if n := longestLine(stderr); n > maxLine || strings.Count(stderr, "\n") > 10 {
				t.Errorf("cli: longest line %d bytes, %d lines; want at most %d bytes and a few lines", n, strings.Count(stderr, "\n"), maxLine)
			}
			if calls := w.Calls(); strings.Contains(strings.Join(calls, " "), "access_tokens") {
				t.Errorf("a token was minted: %v", calls)
			}
		})
	}
}

// BenchmarkFloodedInputs reports, for each flooded input through the action
// run as the runner runs it, the longest line it printed and its peak
// resident memory.
//
//	go test -run '^$' -bench FloodedInputs -benchtime 3x .
func BenchmarkFloodedInputs(b *testing.B) {
	for _, tc := range floodInputs {
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			w := NewWorld(b).With("owner", "octocat", tc.input, tc.value)
			var longest int
			var peakKiB int64
			for b.Loop() {
				res := w.Main()
				longest = max(longest, longestLine(res.Stdout+res.Stderr))
				peakKiB = max(peakKiB, res.MaxRSSKiB)
			}
			b.ReportMetric(float64(longest), "longest-line-bytes")
			b.ReportMetric(float64(peakKiB)/1024, "max-RSS-MiB")
		})
	}
}
