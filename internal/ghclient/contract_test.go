package ghclient

import (
	"os"
	"testing"

	"github.com/app-token/app-token/internal/githubtest/contract"
)

// Every request the client sends these tests' fake servers is held to
// GitHub's published API description; the counts show with go test -v.
func TestMain(m *testing.M) { os.Exit(contract.Main(m)) }
