// Package filecmd writes step outputs and saved state to the runner's file
// commands (GITHUB_OUTPUT, GITHUB_STATE) so that no value can forge another
// entry. Reading such files back, as the runner does, is test support and
// lives in runnertest.
//
// go-githubactions writes every value with one fixed heredoc delimiter; a
// value holding that delimiter on a line of its own would end the entry early
// and smuggle in whatever follows. Like GitHub's own toolkit, this package uses
// a fresh random delimiter per entry and refuses values that contain it.
package filecmd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/sethvargo/go-githubactions"
)

// Format renders one entry in the heredoc form `name<<delim\nvalue\ndelim`.
// It refuses names that are not plain identifiers and values that contain the
// delimiter, the two ways an entry could break out of its place.
func Format(name, value, delim string) (string, error) {
	if !ghtext.IsName(name) {
		return "", fmt.Errorf("file command name %q is not letters, digits, '-' and '_'", name)
	}
	if delim == "" || strings.ContainsAny(delim, "\r\n") {
		return "", errors.New("file command delimiter must be one non-empty line")
	}
	if strings.Contains(value, delim) {
		return "", fmt.Errorf("value of %s contains the file command delimiter", name)
	}
	return name + "<<" + delim + "\n" + value + "\n" + delim, nil
}

// Writer appends entries to the runner's files through go-githubactions.
type Writer struct {
	action *githubactions.Action
	// Delimiter returns a fresh delimiter; tests may replace it.
	Delimiter func() string
}

// New returns a Writer that uses a's environment and file handling.
func New(a *githubactions.Action) *Writer {
	return &Writer{action: a, Delimiter: randomDelimiter}
}

// SetOutput sets a step output (GITHUB_OUTPUT).
func (w *Writer) SetOutput(name, value string) error { return w.write("output", name, value) }

// SaveState saves a value for the post phase (GITHUB_STATE); it arrives there as STATE_<name>.
func (w *Writer) SaveState(name, value string) error { return w.write("state", name, value) }

// AddSummary appends markdown to the job summary (GITHUB_STEP_SUMMARY).
func (w *Writer) AddSummary(markdown string) error {
	return w.issue("step-summary", "summary", markdown)
}

func (w *Writer) write(kind, name, value string) error {
	entry, err := Format(name, value, w.Delimiter())
	if err != nil {
		return err
	}
	return w.issue(kind, kind+" "+name, entry)
}

// issue appends message to the file of the given file command. go-githubactions
// panics when the file cannot be written; that becomes an error the caller
// reports as one line. Its message names the file, never the value.
func (w *Writer) issue(kind, what, message string) (err error) {
	envName := "GITHUB_" + strings.ToUpper(strings.ReplaceAll(kind, "-", "_"))
	if w.action.Getenv(envName) == "" {
		return fmt.Errorf("%s is not set: this action must run as a step of a GitHub Actions job", envName)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write %s: %v", what, r)
		}
	}()
	w.action.IssueFileCommand(&githubactions.Command{Name: kind, Message: message})
	return nil
}

func randomDelimiter() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "ghadelimiter_" + hex.EncodeToString(b)
}
