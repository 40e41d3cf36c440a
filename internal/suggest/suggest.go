// Package suggest finds the name a user most likely meant, for "did you
// mean" hints on misspelt inputs and permissions.
package suggest

// Closest returns the candidate nearest to word, or "" when none is within
// maxDist edits. Ties go to the earlier candidate.
func Closest(word string, candidates []string, maxDist int) string {
	best, bestDist := "", maxDist+1
	for _, c := range candidates {
		// The distance is at least the difference in length: most
		// candidates need no table at all, which keeps thousands of
		// unknown names cheap.
		if abs(len(word)-len(c)) >= bestDist {
			continue
		}
		if d := Distance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and swaps of neighbours ("isuses") count one each,
// the typos people make.
func Distance(a, b string) int {
	// One allocation for the whole table, row by row.
	cells := make([]int, (len(a)+1)*(len(b)+1))
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = cells[i*(len(b)+1) : (i+1)*(len(b)+1)]
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
