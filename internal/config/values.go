package config

import (
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// readBool reads a Bool setting: its default (the table's) when unset.
func readBool(s Source, id setting.ID, bad *problems) bool {
	v := s.Setting(id)
	if v == "" {
		v = id.Spec().Default
	}
	switch v {
	case "", "false", "False", "FALSE":
		return false
	case "true", "True", "TRUE":
		return true
	default:
		bad.addf("%s must be true or false, got %s", setting.Input(id), quote(v))
		return false
	}
}

// readInt reads a Number setting: its default when unset, else a whole
// number within its bounds (both from internal/setting's table).
func readInt(s Source, id setting.ID, bad *problems) int {
	def, lo, hi, _ := id.Bounds()
	v := s.Setting(id)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		bad.addf("%s must be a whole number from %d to %d, got %s", setting.Input(id), lo, hi, quote(v))
		return def
	}
	return n
}

func quote(v string) string { return secret.Quote(v) }

func quoteAll(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = quote(v)
	}
	return strings.Join(out, ", ")
}

// plural picks the verb phrase for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
