package setting

import (
	"fmt"
	"strings"
	"testing"
)

// A flood of problems is named MaxShown at a time and counted, kept and
// rendered alike.
func TestCapped(t *testing.T) {
	t.Parallel()
	var c Capped[int]
	for i := range 60000 {
		c.Add(i)
	}
	if len(c.Kept) != MaxShown || c.More != 60000-MaxShown || c.Len() != 60000 || c.Kept[MaxShown-1] != MaxShown-1 {
		t.Errorf("kept %v, more %d, len %d", c.Kept, c.More, c.Len())
	}
	for _, tc := range []struct {
		parts []string
		more  int
		want  string
	}{
		{nil, 0, ""},
		{[]string{"a"}, 0, "a"},
		{[]string{"a", "b", "c", "d", "e"}, 0, "a; b; c; d; e"},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, 0, "a; b; c; d; e; and 2 more"},
		{[]string{"a", "b"}, 3, "a; b; and 3 more"},
	} {
		if got := JoinCapped(tc.parts, tc.more, "; "); got != tc.want {
			t.Errorf("JoinCapped(%q, %d) = %q, want %q", tc.parts, tc.more, got, tc.want)
		}
	}
	var l List
	for i := range 9000 {
		l = append(l, Errorf("problem %d with %s", i, Input(Permissions)))
	}
	got := l.Render(CLI)
	if !strings.HasSuffix(got, fmt.Sprintf("; and %d more", 9000-MaxShown)) || strings.Count(got, "problem ") != MaxShown || !strings.Contains(got, "problem 0 with --permissions") {
		t.Errorf("Render = %q", got)
	}
	if l[:2].Render(Action) != "problem 0 with input permissions; problem 1 with input permissions" {
		t.Errorf("short list = %q", l[:2].Render(Action))
	}
}
