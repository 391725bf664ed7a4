package bfhttp

import (
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/core"
)

// ScriptError is the misuse of a script that cannot be served: an Expect
// whose method or URL no request can have, a response no server can send
// (a status out of range, a body on a 204), or a JSON value that does not
// encode. It is reported when the test scripts it.
type ScriptError struct {
	Call   string // the Go call that was rejected, e.g. `bf.HTTP().Expect("GET", "/users", ...)`
	Reason string // what is wrong with it
	Fix    string // Go code that does what was meant
	Err    error  // the underlying error (from url.Parse or encoding/json), if any
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ScriptError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Call)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	writeFix(&b, e.Fix)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *ScriptError) Unwrap() error { return e.Err }

// UnclosedBodyError is reported when a sandbox ends and a response body
// the plugin served was never closed. In production an unclosed body keeps
// its connection from going back to the pool: the leak that the bodyclose
// linter hunts for.
type UnclosedBodyError struct {
	Method string // the request's method
	URL    string // the request's URL as sent
	Site   string // file:line where the code made the request, "" if unknown
	Read   bool   // whether the body was read to its end
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *UnclosedBodyError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: the response body of ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(" was never closed")
	if e.Site != "" {
		b.WriteString("\n  the request was made at ")
		b.WriteString(e.Site)
	}
	if e.Read {
		b.WriteString("\n  the body was read to its end but not closed")
	}
	b.WriteString("\n  in production an unclosed response body keeps its connection from being reused: it leaks")
	writeFix(&b, "resp, err := client.Do(req)\nif err != nil {\n\treturn err\n}\ndefer resp.Body.Close()")
	return b.String()
}

// RequestMismatchError is the failure of AssertRequest when the next
// interaction is a request that differs from the one asserted. It adds to
// the core mismatch (which errors.As also finds, through Unwrap) the
// header key by key and a JSON body as JSON.
type RequestMismatchError struct {
	Mismatch *core.InteractionMismatchError
	// HeaderDiff lists the header keys that differ, one line each, e.g.
	// `Accept: expected {"application/json"}, got {"text/plain"}`.
	HeaderDiff []string
	// ExpectedJSON and ActualJSON are the bodies pretty-printed, one line
	// per element, when both are JSON; JSONLine is the first line (0-based)
	// at which they differ.
	ExpectedJSON, ActualJSON []string
	JSONLine                 int
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *RequestMismatchError) Error() string {
	base := e.Mismatch.Error()
	var b strings.Builder
	if len(e.HeaderDiff) > 0 {
		b.WriteString("\n  field header, key by key:")
		for i, d := range e.HeaderDiff {
			if i == maxHeaderKeys {
				b.WriteString("\n    ... and " + strconv.Itoa(len(e.HeaderDiff)-i) + " more keys")
				break
			}
			b.WriteString("\n    ")
			b.WriteString(d)
		}
	}
	if e.ExpectedJSON != nil {
		b.WriteString("\n  field body, as JSON (first difference at line ")
		b.WriteString(strconv.Itoa(e.JSONLine + 1))
		b.WriteString("):")
		writeJSONWindow(&b, "- ", e.ExpectedJSON, e.JSONLine)
		writeJSONWindow(&b, "+ ", e.ActualJSON, e.JSONLine)
	}
	if b.Len() == 0 {
		return base
	}
	// The details go after core's field diffs, before the timeline (or,
	// failing that, the fix, which core's message ends with; the hint is a
	// single line, so the last "\nfix:\n" is core's).
	i := strings.Index(base, "\n  unasserted timeline:")
	if i < 0 {
		i = strings.LastIndex(base, "\nfix:\n")
	}
	if i < 0 {
		return base + b.String()
	}
	return base[:i] + b.String() + base[i:]
}

// Unwrap returns the core mismatch, so errors.As finds
// *bigfoot.InteractionMismatchError too.
func (e *RequestMismatchError) Unwrap() error { return e.Mismatch }

// jsonContext is how many lines around the first difference a JSON body
// shows.
const jsonContext = 4

func writeJSONWindow(b *strings.Builder, mark string, lines []string, at int) {
	from := max(at-jsonContext, 0)
	to := min(at+jsonContext+1, len(lines))
	if from > 0 {
		b.WriteString("\n    " + mark + "... " + strconv.Itoa(from) + " lines")
	}
	for i := from; i < to; i++ {
		line := lines[i]
		if len(line) > 200 {
			line = core.String(line).GoString()
		}
		b.WriteString("\n    ")
		b.WriteString(mark)
		b.WriteString(line)
	}
	if to < len(lines) {
		b.WriteString("\n    " + mark + "... " + strconv.Itoa(len(lines)-to) + " more lines")
	}
}

func writeFix(b *strings.Builder, fix string) {
	if fix == "" {
		return
	}
	b.WriteString("\nfix:\n\t")
	b.WriteString(strings.ReplaceAll(fix, "\n", "\n\t"))
}
