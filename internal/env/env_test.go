package env

import (
	"testing"
	"time"
)

// The zero Env is the real clock and an empty environment, never the
// process's; set fields are used as given.
func TestNilMeansReal(t *testing.T) {
	t.Setenv("APP_TOKEN_ENV_TEST", "from the process")
	var zero Env
	if got := zero.Var("APP_TOKEN_ENV_TEST"); got != "" {
		t.Errorf("zero Env read %q from the process environment", got)
	}
	before := time.Now()
	if got := zero.Time(); got.Before(before) || got.After(time.Now()) {
		t.Errorf("zero Env's time %v is not now", got)
	}
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := Env{Now: func() time.Time { return fixed }, Getenv: func(k string) string { return "v:" + k }}
	if e.Time() != fixed || e.Var("X") != "v:X" {
		t.Errorf("injected Env: time %v, variable %q", e.Time(), e.Var("X"))
	}
}
