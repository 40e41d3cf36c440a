// Package filecmd writes step outputs and saved state to the runner's file
// commands (GITHUB_OUTPUT, GITHUB_STATE) so that no value can forge another
// entry, and reads such files back the way the runner does.
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
	"regexp"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// Format renders one entry in the heredoc form `name<<delim\nvalue\ndelim`.
// It refuses names that are not plain identifiers and values that contain the
// delimiter, the two ways an entry could break out of its place.
func Format(name, value, delim string) (string, error) {
	if !namePattern.MatchString(name) {
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

// Parse reads a file-command file (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV) as
// the runner does: `NAME=VALUE` lines and `NAME<<DELIM` … `DELIM` blocks.
// Later entries override earlier ones. The test harness and the fuzz tests use
// it to see exactly what the runner would see.
func Parse(content string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			if eq == 0 {
				return nil, fmt.Errorf("line %d: entry without a name", i+1)
			}
			out[line[:eq]] = line[eq+1:]
		case hd > 0:
			name, delim := line[:hd], line[hd+2:]
			if delim == "" {
				return nil, fmt.Errorf("line %d: heredoc without a delimiter", i+1)
			}
			var val []string
			closed := false
			for i++; i < len(lines); i++ {
				if lines[i] == delim {
					closed = true
					break
				}
				val = append(val, lines[i])
			}
			if !closed {
				return nil, fmt.Errorf("entry %s: delimiter never closed", name)
			}
			out[name] = strings.Join(val, "\n")
		default:
			return nil, fmt.Errorf("line %d: not NAME=VALUE nor NAME<<DELIMITER", i+1)
		}
	}
	return out, nil
}
