package runnertest

import (
	"fmt"
	"strings"
)

// ParseFileCommands reads a file-command file as the runner does (see
// FileCommandEntries) into a map, to see exactly what the runner would see.
func ParseFileCommands(content string) (map[string]string, error) {
	entries, err := FileCommandEntries(content)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		out[e.Name] = e.Value
	}
	return out, nil
}

// FileCommandEntry is one name/value entry of a file command file.
type FileCommandEntry struct{ Name, Value string }

// FileCommandEntries reads a GITHUB_STATE / GITHUB_OUTPUT / GITHUB_ENV file
// the way the runner does: "name=value" lines, or "name<<DELIM", the value's
// lines, then a line that is exactly DELIM. Whichever of '=' and '<<' comes
// first decides the form; blank lines are skipped; "\n" and "\r\n" both end
// a line. Later entries for a name win, as in the runner's dictionaries, but
// the order of first appearance is kept so output is stable. Errors name
// line numbers, never line text, since values are often secrets.
func FileCommandEntries(text string) ([]FileCommandEntry, error) {
	var (
		out   []FileCommandEntry
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
		out = append(out, FileCommandEntry{name, value})
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
