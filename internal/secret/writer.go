package secret

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// maskCommand starts the one line that must carry a secret: the runner reads
// the value from it and hides it from then on, and never shows the line.
const maskCommand = "::add-mask::"

// lineBreaks writes a line break inside a line as its escape.
var lineBreaks = strings.NewReplacer("\r", `\r`, "\n", `\n`)

// MaxPending bounds what a Writer holds while it waits for a line's end: a
// caller that never ends its line gets it written, scrubbed, in pieces this
// long.
const MaxPending = 64 << 10

// Writer scrubs what the action and the command line write to the runner's
// log or a terminal. It writes whole lines only: what a caller writes is held
// until a Write ends with a line break (go-githubactions writes each log
// line and workflow command with one call that does), then comes out as
// exactly one line with known secrets and credential shapes hidden, so a
// secret split across two writes, or with a line break inside one, is
// scrubbed whole. ::add-mask:: commands pass as they are. A line break
// inside the line is written as the two characters `\n`: text from a server
// or a user can then never start a workflow command of its own. Every other
// character Printable refuses is replaced as it replaces it.
//
// Close (or Flush) writes what is still held; callers close it before they
// exit. A Writer is safe for concurrent use.
type Writer struct {
	W        io.Writer
	Redactor *Redactor

	mu      sync.Mutex
	pending []byte
}

// OneLine writes line breaks as the two characters `\r` and `\n`, so text
// from a server or a user stays on the one line it was put on.
func OneLine(s string) string { return lineBreaks.Replace(s) }

// Write implements io.Writer. It reports len(p) written once the bytes are
// held or written, whatever the scrubbing changed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	if !bytes.HasSuffix(w.pending, []byte("\n")) && len(w.pending) < MaxPending {
		return len(p), nil
	}
	return len(p), w.flush()
}

// Flush writes what is held, scrubbed, even without its line break.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flush()
}

// Close flushes; it does not close W.
func (w *Writer) Close() error { return w.Flush() }

func (w *Writer) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	line := string(w.pending)
	w.pending = w.pending[:0]
	if strings.HasPrefix(line, maskCommand) && strings.Count(line, "\n") <= 1 && !strings.Contains(line, "\r") {
		_, err := io.WriteString(w.W, line)
		return err
	}
	body, eol := strings.CutSuffix(line, "\n")
	body = w.redactor().Redact(body)
	// Whatever code wrote the line, no control or invisible character
	// from outside text reaches a terminal or the log (see Printable).
	body = printableText(OneLine(body))
	if eol {
		body += "\n"
	}
	_, err := io.WriteString(w.W, body)
	return err
}

func (w *Writer) redactor() *Redactor {
	if w.Redactor == nil {
		w.Redactor = &Redactor{}
	}
	return w.Redactor
}
