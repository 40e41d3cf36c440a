package trust

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// hostile holds files written to cost a reader memory or time, each within
// MaxPolicyBytes unless its name says otherwise.
var hostile = []struct {
	name string
	doc  func() string
	kind Kind
	// ok: the file is a valid policy, only a large one.
	ok bool
}{
	{name: "billion laughs", doc: func() string {
		var b strings.Builder
		b.WriteString("a0: &a0 [lol]\n")
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
		}
		return b.String() + minimal
	}},
	// sigs.k8s.io/yaml alone expands this 12 KB into 127 MB of
	// allocations, and returns no error: its aliasing check counts
	// ratios, and plain entries written first keep the ratio down.
	{name: "wide aliases", doc: func() string {
		return "subject: [" + strings.Repeat("x,", 4000) + "]\n" +
			"claim_pattern: &a [" + strings.Repeat("{k: v},", 100) + "]\n" +
			"audience: [" + strings.Repeat("*a,", 1000) + "]\n"
	}},
	{name: "deep flow nesting", doc: func() string {
		return minimal + "audience: " + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + "\n"
	}},
	{name: "deep block nesting", doc: func() string {
		var b strings.Builder
		b.WriteString(minimal + "claim_pattern:\n")
		for i := 1; b.Len() < MaxPolicyBytes-400; i++ {
			b.WriteString(strings.Repeat(" ", i) + "k:\n")
		}
		return b.String()
	}},
	{name: "many unknown fields", doc: func() string {
		var b strings.Builder
		b.WriteString(minimal)
		for i := 0; b.Len() < MaxPolicyBytes-20; i++ {
			fmt.Fprintf(&b, "f%d: x\n", i)
		}
		return b.String()
	}},
	{name: "many small entries", doc: func() string {
		return minimal + "audience: [" + strings.Repeat("a,", (MaxPolicyBytes-len(minimal)-20)/2) + "]\n"
	}},
	{name: "many claims", doc: func() string {
		var b strings.Builder
		b.WriteString(minimal + "claim_pattern:\n")
		for i := 0; b.Len() < MaxPolicyBytes-40; i++ {
			fmt.Fprintf(&b, "  c%d: '[a-z]+'\n", i)
		}
		return b.String()
	}},
	// Go compiles this 700-byte pattern with some 29 MB (2.8 KB of it:
	// 114 MB): the policy's pattern budget refuses it first.
	{name: "large counts within Go's limit", doc: func() string {
		return "issuer: x\nsubject_pattern: '" + strings.Repeat("a{1000}", 100) + "'\npermissions: {contents: read}\n"
	}},
	{name: "large counts", doc: func() string {
		return "issuer: x\nsubject_pattern: '" + strings.Repeat("a{1000}", 9000) + "'\npermissions: {contents: read}\n"
	}},
	{name: "one long literal", ok: true, doc: func() string {
		return "issuer: x\nsubject: " + strings.Repeat("s", 60000) + "\npermissions: {contents: read}\n"
	}},
	{name: "many repositories", kind: Owner, ok: true, doc: func() string {
		var b strings.Builder
		b.WriteString(minimal + "repositories:\n")
		for i := 0; b.Len() < MaxPolicyBytes-20; i++ {
			fmt.Fprintf(&b, "  - r%d\n", i)
		}
		return b.String()
	}},
	{name: "over the limit (1 MiB)", doc: func() string {
		return minimal + "# " + strings.Repeat("x", 1<<20) + "\n"
	}},
}

// maxHostileAlloc bounds what reading any hostile file may allocate.
const maxHostileAlloc = 16 << 20

// Hostile files are refused (or read, when valid) with bounded memory:
// each figure is in the test log.
func TestHostileInputsAreBounded(t *testing.T) {
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			doc := []byte(h.doc())
			kind := h.kind
			if kind == 0 {
				kind = Repository
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Load(doc, kind)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes in: %d KiB in %d allocations; %v", len(doc), alloc>>10, after.Mallocs-before.Mallocs, err)
			if (err == nil) != h.ok {
				t.Fatalf("want ok=%v, got %v", h.ok, err)
			}
			if alloc > maxHostileAlloc {
				t.Fatalf("allocated %d MiB, more than %d", alloc>>20, maxHostileAlloc>>20)
			}
		})
	}
}

// BenchmarkLoadHostile prints what each hostile file costs to read.
func BenchmarkLoadHostile(b *testing.B) {
	for _, h := range hostile {
		doc := []byte(h.doc())
		kind := h.kind
		if kind == 0 {
			kind = Repository
		}
		b.Run(strings.ReplaceAll(h.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				_, _ = Load(doc, kind)
			}
		})
	}
}

// BenchmarkLoad is the cost of a usual policy, read and compiled: what a
// broker pays per cache miss.
func BenchmarkLoad(b *testing.B) {
	doc := []byte(`issuer: https://token.actions.githubusercontent.com
subject_pattern: repo:org/app:ref:refs/heads/(main|release-.*)
claim_pattern:
  job_workflow_ref: org/app/\.github/workflows/release\.yaml@refs/heads/main
permissions:
  contents: write
  pull_requests: read
`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(doc, Repository); err != nil {
			b.Fatal(err)
		}
	}
}
