package secret

import (
	"io"
	"strings"
)

// maskCommand starts the one line that must carry a secret: the runner reads
// the value from it and hides it from then on, and never shows the line.
const maskCommand = "::add-mask::"

// Writer scrubs what the action writes to the runner's log. Every Write is
// one log line or workflow command (go-githubactions writes each with one
// call); it comes out as exactly one line, with known secrets and
// credential shapes replaced, except ::add-mask:: commands, which pass as
// they are. A line break inside a Write is written as the two characters
// `\n`: text from a server or a user can then never start a workflow
// command of its own.
type Writer struct {
	W        io.Writer
	Redactor *Redactor
}

// OneLine writes line breaks as the two characters `\r` and `\n`, so text
// from a server or a user stays on the one line it was put on.
func OneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// Write implements io.Writer. It reports len(p) written when the line was
// written, whatever the scrubbing changed.
func (w *Writer) Write(p []byte) (int, error) {
	line := string(p)
	if strings.HasPrefix(line, maskCommand) && strings.Count(line, "\n") <= 1 && !strings.Contains(line, "\r") {
		_, err := io.WriteString(w.W, line)
		return len(p), err
	}
	body, eol := strings.CutSuffix(line, "\n")
	body = OneLine(body)
	body = w.Redactor.Redact(body)
	if eol {
		body += "\n"
	}
	_, err := io.WriteString(w.W, body)
	return len(p), err
}
