package runnertest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFileCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []FileCommandEntry
	}{
		{"empty", "", nil},
		{"simple", "a=1\nb=x=y\n", []FileCommandEntry{{"a", "1"}, {"b", "x=y"}}},
		{"empty value and blank lines", "\na=\n\n", []FileCommandEntry{{"a", ""}}},
		{"no final newline", "a=1", []FileCommandEntry{{"a", "1"}}},
		{
			"heredoc multi-line",
			"token<<ghadelimiter_1\nline1\nline2\nghadelimiter_1\nnext=v\n",
			[]FileCommandEntry{{"token", "line1\nline2"}, {"next", "v"}},
		},
		{"heredoc empty value", "a<<EOF\nEOF\n", []FileCommandEntry{{"a", ""}}},
		{"heredoc keeps blank lines inside", "a<<EOF\n\nx\n\nEOF", []FileCommandEntry{{"a", "\nx\n"}}},
		{"heredoc delimiter at EOF without newline", "a<<EOF\nv\nEOF", []FileCommandEntry{{"a", "v"}}},
		{"equals before heredoc", "a=b<<c\n", []FileCommandEntry{{"a", "b<<c"}}},
		{"heredoc before equals", "a<<E=\nv=1\nE=\n", []FileCommandEntry{{"a", "v=1"}}},
		{"crlf line ends", "a=1\r\nb<<E\r\nv\r\nE\r\n", []FileCommandEntry{{"a", "1"}, {"b", "v"}}},
		{"later entry wins, first position kept", "a=1\nb=2\na=3\n", []FileCommandEntry{{"a", "3"}, {"b", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FileCommandEntries(tt.text)
			if err != nil {
				t.Fatalf("FileCommandEntries: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Malformed files are refused with errors that never quote a value: state
// and output files carry tokens.
func TestParseFileCommandErrorsHideValues(t *testing.T) {
	t.Parallel()
	const secret = "ghs_SECRETvalue"
	tests := []struct{ name, text, wantErr string }{
		{"no separator", "ok=1\n" + secret + "\n", "line 2"},
		{"empty name", "=" + secret + "\n", "name must not be empty"},
		{"empty delimiter", "token<<\n" + secret + "\n", "delimiter must not be empty"},
		{"delimiter never comes", "token<<EOF\n" + secret + "\n", "never comes"},
		{"delimiter missing at end", "token<<EOF\n" + secret, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FileCommandEntries(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the value: %v", err)
			}
		})
	}
}
