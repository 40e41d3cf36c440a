package setting

import (
	"fmt"
	"strings"
)

// MaxShown bounds what one error or notice names: the first MaxShown
// problems (or names), then the count of the rest. A flood of bad entries
// (60,000 of them in one input, say) costs neither memory nor a megabyte
// log line, and the first few are what a user fixes first anyway.
const MaxShown = 5

// Capped keeps the first MaxShown values it is given and counts the rest.
type Capped[T any] struct {
	Kept []T
	More int
}

// Add keeps v, or only counts it once MaxShown are kept.
func (c *Capped[T]) Add(v T) {
	if len(c.Kept) < MaxShown {
		c.Kept = append(c.Kept, v)
		return
	}
	c.More++
}

// Len is how many values were given.
func (c *Capped[T]) Len() int { return len(c.Kept) + c.More }

// JoinCapped joins parts with sep, naming at most MaxShown of them and
// then how many more there are, as "…; and 12 more".
func JoinCapped(parts []string, more int, sep string) string {
	if extra := len(parts) - MaxShown; extra > 0 {
		parts, more = parts[:MaxShown], more+extra
	}
	s := strings.Join(parts, sep)
	if more > 0 {
		s += fmt.Sprintf("%sand %d more", sep, more)
	}
	return s
}
