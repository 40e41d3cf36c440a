package action_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest/contract"
)

// TestMain makes the App's key for the in-process tests of the phases
// (apptest.World.InProcess: injected clocks, sleepers and transports) and
// holds every exchange with the emulator to GitHub's published API
// description. The built binary's tests are e2e's.
func TestMain(m *testing.M) {
	if err := apptest.Setup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m))
}
