package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// input is one entry of action.yml's top-level "inputs" map: what the
// runner needs to build the INPUT_* environment.
type input struct {
	Name       string
	Default    string
	HasDefault bool
}

// parseInputs reads the "inputs" map of an action.yml. It understands the
// YAML that action metadata files use (block mappings, plain, quoted and
// block scalars, comments) and fails loudly on anything else rather than
// guessing, so a harness never hands the action a value the runner would
// not. Without a YAML module in go.mod this subset is deliberate.
func parseInputs(r io.Reader) ([]input, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	start := -1
	for i, l := range lines {
		if l.indent == 0 && l.text != "" && keyOf(l.text) == "inputs" {
			if rest := valueOf(l.text); rest != "" {
				return nil, fmt.Errorf("line %d: inputs must be a block mapping, got %q", l.no, rest)
			}
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, nil // an action without inputs
	}
	var (
		inputs     []input
		nameIndent = -1
		propIndent = -1
	)
	for i := start; i < len(lines); i++ {
		l := lines[i]
		if l.text == "" {
			continue
		}
		if l.indent == 0 {
			break // next top-level key
		}
		if nameIndent < 0 {
			nameIndent = l.indent
		}
		switch {
		case l.indent == nameIndent:
			key := keyOf(l.text)
			if key == "" || valueOf(l.text) != "" {
				return nil, fmt.Errorf("line %d: want an input name followed by ':', got %q", l.no, l.text)
			}
			inputs = append(inputs, input{Name: key})
			propIndent = -1
		case l.indent < nameIndent:
			return nil, fmt.Errorf("line %d: indentation goes back inside inputs", l.no)
		default:
			if len(inputs) == 0 {
				return nil, fmt.Errorf("line %d: property before any input name", l.no)
			}
			if propIndent < 0 {
				propIndent = l.indent
			}
			if l.indent != propIndent {
				return nil, fmt.Errorf("line %d: unexpected indentation in input %q", l.no, inputs[len(inputs)-1].Name)
			}
			key := keyOf(l.text)
			if key == "" {
				return nil, fmt.Errorf("line %d: want 'key: value', got %q", l.no, l.text)
			}
			value, next, err := scalar(lines, i, propIndent)
			if err != nil {
				return nil, err
			}
			i = next - 1
			if key == "default" {
				in := &inputs[len(inputs)-1]
				in.Default, in.HasDefault = value, true
			}
		}
	}
	return inputs, nil
}

// parseRuns reads the scalar keys of action.yml's "runs" map (using, image,
// entrypoint, post-entrypoint, post-if, ...). Nested values (args, env) are
// reported with an empty value, so a caller can refuse what it cannot honour.
func parseRuns(r io.Reader) (map[string]string, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	i := 0
	for i < len(lines) && !(lines[i].indent == 0 && lines[i].text != "" && keyOf(lines[i].text) == "runs") {
		i++
	}
	if i == len(lines) {
		return nil, fmt.Errorf("no runs: section")
	}
	keyIndent := -1
	for i++; i < len(lines); {
		l := lines[i]
		if l.text == "" || (keyIndent >= 0 && l.indent > keyIndent) {
			i++ // blank, comment, or part of a nested value
			continue
		}
		if l.indent == 0 {
			break
		}
		if keyIndent < 0 {
			keyIndent = l.indent
		}
		key := keyOf(l.text)
		if key == "" || l.indent != keyIndent {
			return nil, fmt.Errorf("line %d: want 'key: value' in runs, got %q", l.no, l.text)
		}
		value, next, err := scalar(lines, i, keyIndent)
		if err != nil {
			return nil, err
		}
		out[key] = value
		i = next
	}
	return out, nil
}

// line is one physical line with its indentation measured and, for
// comment-only or blank lines, text emptied.
type line struct {
	no     int
	indent int
	raw    string // the line without its indentation
	text   string // raw, or "" for blank and comment-only lines
}

func readLines(r io.Reader) ([]line, error) {
	var out []line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(s, " ")
		if strings.HasPrefix(trimmed, "\t") {
			return nil, fmt.Errorf("line %d: tabs are not allowed for indentation in YAML", n)
		}
		l := line{no: n, indent: len(s) - len(trimmed), raw: trimmed, text: trimmed}
		if strings.HasPrefix(trimmed, "#") {
			l.text = ""
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading action metadata: %w", err)
	}
	return out, nil
}

var keyPattern = regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_ .-]*?):(\s|$)`)

// keyOf returns the mapping key of "key: value" or "key:", else "".
func keyOf(text string) string {
	m := keyPattern.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// valueOf returns what follows "key:" with any trailing comment removed.
func valueOf(text string) string {
	k := keyOf(text)
	rest := strings.TrimSpace(text[len(k)+1:])
	if strings.HasPrefix(rest, "#") {
		return ""
	}
	return rest
}

// scalar decodes the value of the "key: value" at lines[i], whose key sits
// at indent, including block scalars and plain multi-line continuations. It
// returns the index of the first line after the value.
func scalar(lines []line, i, indent int) (string, int, error) {
	l := lines[i]
	rest := strings.TrimSpace(l.text[len(keyOf(l.text))+1:])
	switch {
	case rest == "" || strings.HasPrefix(rest, "#"):
		return "", i + 1, nil
	case strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, ">"):
		return blockScalar(lines, i, indent, rest)
	case strings.HasPrefix(rest, "'"):
		v, err := singleQuoted(rest)
		if err != nil {
			return "", 0, fmt.Errorf("line %d: %w", l.no, err)
		}
		return v, i + 1, nil
	case strings.HasPrefix(rest, `"`):
		v, err := doubleQuoted(rest)
		if err != nil {
			return "", 0, fmt.Errorf("line %d: %w", l.no, err)
		}
		return v, i + 1, nil
	case strings.ContainsAny(rest[:1], "[{&*!%@`"):
		return "", 0, fmt.Errorf("line %d: unsupported YAML value %q", l.no, rest)
	}
	// A plain scalar; continuation lines fold into it with single spaces.
	parts := []string{stripComment(rest)}
	j := i + 1
	for ; j < len(lines); j++ {
		if lines[j].text == "" {
			continue
		}
		if lines[j].indent <= indent {
			break
		}
		parts = append(parts, stripComment(lines[j].text))
	}
	return strings.Join(parts, " "), j, nil
}

func stripComment(s string) string {
	if k := strings.Index(s, " #"); k >= 0 {
		s = s[:k]
	}
	return strings.TrimSpace(s)
}

// blockScalar decodes "|", "|-", "|+", ">", ">-" and ">+" values.
func blockScalar(lines []line, i, indent int, header string) (string, int, error) {
	header = stripComment(header)
	style, chomp := header[0], byte(0)
	if len(header) > 1 {
		chomp = header[1]
	}
	if len(header) > 2 || (chomp != 0 && chomp != '-' && chomp != '+') {
		return "", 0, fmt.Errorf("line %d: unsupported block scalar header %q", lines[i].no, header)
	}
	var body []string
	blockIndent := -1
	j := i + 1
	for ; j < len(lines); j++ {
		l := lines[j]
		if l.raw == "" {
			body = append(body, "")
			continue
		}
		if l.indent <= indent {
			break
		}
		if blockIndent < 0 {
			blockIndent = l.indent
		}
		if l.indent < blockIndent {
			return "", 0, fmt.Errorf("line %d: block scalar line is less indented than its first line", l.no)
		}
		// Inside a block scalar a '#' is text, so use raw, not text.
		body = append(body, strings.Repeat(" ", l.indent-blockIndent)+l.raw)
	}
	trailing := 0
	for k := len(body) - 1; k >= 0 && body[k] == ""; k-- {
		trailing++
	}
	content := body[:len(body)-trailing]
	var v string
	if style == '|' {
		v = strings.Join(content, "\n")
	} else {
		v = fold(content)
	}
	switch {
	case len(content) == 0:
		v = ""
	case chomp == '-':
	case chomp == '+':
		v += strings.Repeat("\n", trailing+1)
	default:
		v += "\n"
	}
	return v, j, nil
}

// fold joins folded-scalar lines: a single line break becomes a space, n
// blank lines become n line breaks, and breaks next to more-indented lines
// are kept, as YAML's folding rules say.
func fold(content []string) string {
	var b strings.Builder
	blanks, started, prevMore := 0, false, false
	for _, s := range content {
		if s == "" {
			blanks++
			continue
		}
		more := strings.HasPrefix(s, " ")
		switch {
		case !started:
			b.WriteString(strings.Repeat("\n", blanks))
		case blanks > 0 && (more || prevMore):
			b.WriteString(strings.Repeat("\n", blanks+1))
		case blanks > 0:
			b.WriteString(strings.Repeat("\n", blanks))
		case more || prevMore:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
		b.WriteString(s)
		started, prevMore, blanks = true, more, 0
	}
	return b.String()
}

func singleQuoted(s string) (string, error) {
	var b strings.Builder
	for k := 1; k < len(s); k++ {
		if s[k] != '\'' {
			b.WriteByte(s[k])
			continue
		}
		if k+1 < len(s) && s[k+1] == '\'' {
			b.WriteByte('\'')
			k++
			continue
		}
		if tail := stripComment(" " + s[k+1:]); tail != "" {
			return "", fmt.Errorf("text after a quoted value: %q", tail)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("unterminated single-quoted value (multi-line quoted values are not supported)")
}

func doubleQuoted(s string) (string, error) {
	var b strings.Builder
	for k := 1; k < len(s); k++ {
		c := s[k]
		switch c {
		case '"':
			if tail := stripComment(" " + s[k+1:]); tail != "" {
				return "", fmt.Errorf("text after a quoted value: %q", tail)
			}
			return b.String(), nil
		case '\\':
			if k+1 >= len(s) {
				return "", fmt.Errorf("dangling backslash in double-quoted value")
			}
			k++
			if r, ok := simpleEscapes[s[k]]; ok {
				b.WriteString(r)
				continue
			}
			digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[k]]
			if digits == 0 || k+digits >= len(s) {
				return "", fmt.Errorf("unsupported escape \\%c in double-quoted value", s[k])
			}
			code, err := strconv.ParseUint(s[k+1:k+1+digits], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad \\%c escape in double-quoted value", s[k])
			}
			b.WriteRune(rune(code))
			k += digits
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated double-quoted value (multi-line quoted values are not supported)")
}

// simpleEscapes are YAML's one-letter double-quoted escapes.
var simpleEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
	'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}
