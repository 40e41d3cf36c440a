package setting

import (
	"errors"
	"strings"
	"testing"
)

// Each form renders in each door's words, and causes stay reachable.
func TestRender(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	inner := Errorf("check %s", Input(APIURL))
	e := Errorf("%s is bad; leave %s out; %s; %s (%s)", Input(Owner), Repositories, Inputs{ClientID, AppID}, Words{Action: "the runner", CLI: "this machine"}, inner).With(cause)
	for _, tt := range []struct {
		door Door
		want string
	}{
		{Action, "input owner is bad; leave repositories out; inputs client-id and app-id; the runner (check input github-api-url)"},
		{CLI, "--owner is bad; leave --repositories out; --client-id and --app-id; this machine (check --api-url)"},
	} {
		if got := Render(e, tt.door); got != tt.want {
			t.Errorf("door %d: %q, want %q", tt.door, got, tt.want)
		}
	}
	if e.Setting != Owner {
		t.Errorf("Setting = %v, want owner", e.Setting)
	}
	if !errors.Is(e, cause) || !errors.Is(e, inner) {
		t.Error("causes not reachable")
	}
	// A setting the command line cannot set keeps its input name there.
	if got := Errorf("%s", Input(SkipRevoke)).Render(CLI); got != "input skip-token-revoke" {
		t.Errorf("no flag: %q", got)
	}
	if got := (List{Errorf("%s", Input(Owner)), Errorf("%s", PrivateKey)}).Render(CLI); got != "--owner; the private key" {
		t.Errorf("list: %q", got)
	}
	if got := Settings(&wrapped{List{Errorf("a %s", Owner), Errorf("b %s %s", Input(Owner), Permissions)}}); strings.Join(names(got), ",") != "owner,permissions" {
		t.Errorf("Settings = %v", got)
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func names(ids []ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Input()
	}
	return out
}

// A List with no problem is no error; one with problems is, and says them.
func TestListErr(t *testing.T) {
	t.Parallel()
	if err := (List{}).Err(); err != nil {
		t.Errorf("empty List.Err() = %v", err)
	}
	if err := (List{Errorf("%s is bad", Input(Owner))}).Err(); err == nil || err.Error() != "input owner is bad" {
		t.Errorf("List.Err() = %v", err)
	}
}
