package runnertest

import "testing"

func TestParseFileCommands(t *testing.T) {
	t.Parallel()
	got, err := ParseFileCommands("a=1\nb<<EOF\nx\ny\nEOF\nc=has<<inside\n\na=2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "2", "b": "x\ny", "c": "has<<inside"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{"=1", "noformat", "a<<EOF\nnever closed", "a<<\n"} {
		if _, err := ParseFileCommands(bad); err == nil {
			t.Errorf("ParseFileCommands(%q) accepted", bad)
		}
	}
}
