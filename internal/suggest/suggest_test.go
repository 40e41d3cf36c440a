package suggest

import "testing"

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"contents", "contents", 0},
		{"contens", "contents", 1},
		{"actoins", "actions", 1}, // a swap is one typo
		{"repository", "repositories", 3},
		{"", "abc", 3},
		{"issues", "", 6},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	names := []string{"owner", "repositories", "permissions", "private-key"}
	if got := Closest("private_key", names, 2); got != "private-key" {
		t.Errorf("Closest(private_key) = %q", got)
	}
	if got := Closest("repository", names, 3); got != "repositories" {
		t.Errorf("Closest(repository) = %q", got)
	}
	if got := Closest("token", names, 2); got != "" {
		t.Errorf("Closest(token) = %q, want none", got)
	}
}
