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

// Parse reads a file-command file as the runner does (see ParseEntries) into
// a map; the test harness and the fuzz tests use it to see exactly what the
// runner would see.
func Parse(content string) (map[string]string, error) {
	entries, err := ParseEntries(content)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		out[e.Name] = e.Value
	}
	return out, nil
}

// Entry is one name/value entry of a file command file.
type Entry struct{ Name, Value string }

// ParseEntries reads a GITHUB_STATE / GITHUB_OUTPUT / GITHUB_ENV file
// the way the runner does: "name=value" lines, or "name<<DELIM", the value's
// lines, then a line that is exactly DELIM. Whichever of '=' and '<<' comes
// first decides the form; blank lines are skipped; "\n" and "\r\n" both end
// a line. Later entries for a name win, as in the runner's dictionaries, but
// the order of first appearance is kept so output is stable. Errors name
// line numbers, never line text, since values are often secrets.
func ParseEntries(text string) ([]Entry, error) {
	var (
		out   []Entry
		index = map[string]int{}
		pos   = 0
		no    = 0
	)
	add := func(name, value string) {
		if i, ok := index[name]; ok {
			out[i].Value = value
			return
		}
		index[name] = len(out)
		out = append(out, Entry{name, value})
	}
	for {
		l, ok := nextLine(text, &pos)
		if !ok {
			return out, nil
		}
		no++
		if l.text == "" {
			continue
		}
		eq, here := strings.Index(l.text, "="), strings.Index(l.text, "<<")
		switch {
		case eq >= 0 && (here < 0 || eq < here):
			if eq == 0 {
				return nil, fmt.Errorf("line %d: name must not be empty", no)
			}
			add(l.text[:eq], l.text[eq+1:])
		case here >= 0:
			name, delim := l.text[:here], l.text[here+2:]
			if name == "" || delim == "" {
				return nil, fmt.Errorf("line %d: name and delimiter must not be empty", no)
			}
			start, end := pos, pos
			for {
				v, ok := nextLine(text, &pos)
				no++
				if !ok {
					return nil, fmt.Errorf("value of %q: its delimiter never comes", name)
				}
				if v.text == delim {
					break
				}
				if !v.newline {
					return nil, fmt.Errorf("value of %q: its delimiter is missing at the end of the file", name)
				}
				end = v.end
			}
			add(name, text[start:end])
		default:
			return nil, fmt.Errorf("line %d: want name=value or name<<DELIMITER", no)
		}
	}
}

// fileLine is one line of a file command file: its text without the line
// break, where the text ends, and whether a line break followed it.
type fileLine struct {
	text    string
	end     int
	newline bool
}

func nextLine(text string, pos *int) (fileLine, bool) {
	if *pos >= len(text) {
		return fileLine{}, false
	}
	start := *pos
	i := strings.IndexByte(text[start:], '\n')
	if i < 0 {
		*pos = len(text)
		return fileLine{text: text[start:], end: len(text)}, true
	}
	end := start + i
	*pos = end + 1
	if end > start && text[end-1] == '\r' {
		end--
	}
	return fileLine{text: text[start:end], end: end, newline: true}, true
}
