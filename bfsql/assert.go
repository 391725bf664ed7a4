package bfsql

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bigfoot-go/bigfoot/core"
)

// Sources of the SQL plugin's interactions, for the generic form, e.g.
//
//	bf.AssertInteraction(bfsql.Query, bigfoot.Fields{"query": bigfoot.HasPrefix("SELECT"), "args": bfsql.MatchArgs(1)})
var (
	Connect = &core.Source{Plugin: "sql", Name: StepConnect, Fields: []string{"dsn"}, GoExpr: "bfsql.Connect",
		Hint: func(v []core.Value) string { return accessor() + ".AssertConnect(" + v[0].GoString() + ")" }}
	Begin = &core.Source{Plugin: "sql", Name: StepBegin, GoExpr: "bfsql.Begin",
		Hint: func([]core.Value) string { return accessor() + ".AssertBegin()" }}
	Query = &core.Source{Plugin: "sql", Name: StepQuery, Fields: []string{"query", "args"}, GoExpr: "bfsql.Query",
		Hint: func(v []core.Value) string {
			return accessor() + ".AssertQuery(" + v[0].GoString() + argsHint(v[1]) + ")"
		}}
	Exec = &core.Source{Plugin: "sql", Name: StepExec, Fields: []string{"query", "args"}, GoExpr: "bfsql.Exec",
		Hint: func(v []core.Value) string {
			return accessor() + ".AssertExec(" + v[0].GoString() + argsHint(v[1]) + ")"
		}}
	Commit = &core.Source{Plugin: "sql", Name: StepCommit, GoExpr: "bfsql.Commit",
		Hint: func([]core.Value) string { return accessor() + ".AssertCommit()" }}
	Rollback = &core.Source{Plugin: "sql", Name: StepRollback, GoExpr: "bfsql.Rollback",
		Hint: func([]core.Value) string { return accessor() + ".AssertRollback()" }}
	Close = &core.Source{Plugin: "sql", Name: StepClose, GoExpr: "bfsql.Close",
		Hint: func([]core.Value) string { return accessor() + ".AssertClose()" }}
)

// queryLiteral renders a statement for a hint: as a raw string when that
// is exact and shorter to read (SQL quotes identifiers with "), else as
// the quoted, possibly elided, string.
func queryLiteral(v core.Value) string {
	q, ok := v.Interface().(string)
	if !ok || !strings.Contains(q, `"`) || len(q) > 512 || strings.ContainsAny(q, "`\r\n") || !utf8.ValidString(q) {
		return v.GoString()
	}
	for _, r := range q {
		if r != '\t' && !unicode.IsPrint(r) {
			return v.GoString()
		}
	}
	return "`" + q + "`"
}

// argsHint renders recorded arguments as the trailing arguments of an
// assertion.
func argsHint(v core.Value) string {
	switch a := v.Interface().(type) {
	case Args:
		return renderArgs(a)
	case *argsMatcher:
		return renderArgs(a.converted())
	}
	return ", " + v.GoString()
}

// AssertConnect asserts that the next interaction is a connection opened
// with dsn (the DSN given to Open or Connector; under bigfoot test, the
// one given to sql.Open, or "" for sql.OpenDB).
func (p *Plugin) AssertConnect(dsn string) error {
	err := p.check(Connect, core.String(dsn))
	if err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
	}
	return p.v.Fail(err)
}

// AssertBegin asserts that the next interaction is the start of a transaction.
func (p *Plugin) AssertBegin() error {
	err := p.check(Begin)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertQuery asserts that the next interaction is a query of exactly
// this text with these arguments, compared as the driver received them:
// an int asserted matches the int64 database/sql passed, a named argument
// is asserted as sql.Named(name, value), and an argument may be a matcher
// (bigfoot.Any()).
func (p *Plugin) AssertQuery(query string, args ...any) error {
	m := p.matcher(args)
	err := p.check(Query, core.String(query), core.ValueOf(m))
	p.release(m, err)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertExec asserts that the next interaction is an exec of exactly this
// text with these arguments, compared as AssertQuery compares them.
func (p *Plugin) AssertExec(query string, args ...any) error {
	m := p.matcher(args)
	err := p.check(Exec, core.String(query), core.ValueOf(m))
	p.release(m, err)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// matcher returns an args matcher holding a copy of args: the plugin's
// own when it is free (assertions run one after another on the test's
// goroutine, so asserting allocates nothing for it), else a new one.
func (p *Plugin) matcher(args []any) *argsMatcher {
	m := p.spare.Swap(nil)
	if m == nil {
		m = &argsMatcher{}
	}
	if len(args) <= len(m.buf) {
		m.want = append(m.buf[:0], args...)
	} else {
		m.want = append([]any(nil), args...)
	}
	return m
}

// release gives m back for the next assertion, unless a failure keeps it
// (the mismatch shows what was asserted).
func (p *Plugin) release(m *argsMatcher, err error) {
	if err != nil {
		return
	}
	clear(m.buf[:])
	m.want = nil
	p.spare.Store(m)
}

// AssertCommit asserts that the next interaction is a commit.
func (p *Plugin) AssertCommit() error {
	err := p.check(Commit)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertRollback asserts that the next interaction is a rollback.
func (p *Plugin) AssertRollback() error {
	err := p.check(Rollback)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertClose asserts that the next interaction is the close of a connection.
func (p *Plugin) AssertClose() error {
	err := p.check(Close)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// check compares the next interaction; the exported assertion fails the
// test with what it returns, after marking itself a helper (testing's
// Helper marks only the function that calls it, so each exported method
// must, or failures point at this file).
func (p *Plugin) check(src *core.Source, values ...core.Value) error {
	err := p.v.CheckValues(src, values...)
	if err != nil {
		err = explain(err)
	}
	return err
}

// MismatchNoteError is an *bigfoot.InteractionMismatchError on the SQL
// plugin's interactions with notes that say what the diff alone leaves
// hard to see: statements that differ only in white space, and the Go
// types of arguments that differ. errors.As reaches the mismatch.
type MismatchNoteError struct {
	Err   *core.InteractionMismatchError
	Notes []string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *MismatchNoteError) Error() string {
	text := e.Err.Error()
	var b strings.Builder
	for _, n := range e.Notes {
		b.WriteString("\n  note: ")
		b.WriteString(n)
	}
	// The notes go before the fix, with the diff they explain.
	if i := strings.Index(text, "\n  unasserted timeline:"); i >= 0 {
		return text[:i] + b.String() + text[i:]
	}
	return text + b.String()
}

// Unwrap returns the mismatch.
func (e *MismatchNoteError) Unwrap() error { return e.Err }

// explain adds notes to a mismatch of a query or exec.
func explain(err error) error {
	var m *core.InteractionMismatchError
	if !errors.As(err, &m) || m.Actual == nil || m.Actual.Source != m.Source {
		return err
	}
	var notes []string
	for _, d := range m.Diffs {
		switch d.Field {
		case "query":
			want, ok1 := d.Expected.Interface().(string)
			got, ok2 := d.Actual.Interface().(string)
			if ok1 && ok2 {
				if n := whitespaceNote(want, got); n != "" {
					notes = append(notes, n)
				}
			}
		case "args":
			want, ok1 := d.Expected.Interface().(*argsMatcher)
			got, ok2 := d.Actual.Interface().(Args)
			if ok1 && ok2 {
				notes = append(notes, argsNote(want.converted(), got))
			}
		}
	}
	if len(notes) == 0 {
		return err
	}
	return &MismatchNoteError{Err: m, Notes: notes}
}

// whitespaceNote says when two statements differ only in white space, or
// where they differ by a character that looks like another (a no-break
// space), naming the characters: an exact compare never fails invisibly.
func whitespaceNote(want, got string) string {
	if strings.Join(strings.Fields(want), " ") == strings.Join(strings.Fields(got), " ") {
		i := 0
		for i < len(want) && i < len(got) && want[i] == got[i] {
			i++
		}
		return "the statements differ only in white space; first at byte " + strconv.Itoa(i) +
			": expected " + runeAt(want, i) + ", got " + runeAt(got, i) +
			"; the query is compared exactly, so assert the text the code sends (the fix below)"
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	for i > 0 && !utf8.RuneStart(want[i]) {
		i--
	}
	w, _ := utf8.DecodeRuneInString(want[i:])
	g, _ := utf8.DecodeRuneInString(got[i:])
	if (i < len(want) && (w >= utf8.RuneSelf || unicode.IsSpace(w))) || (i < len(got) && (g >= utf8.RuneSelf || unicode.IsSpace(g))) {
		return "at byte " + strconv.Itoa(i) + " expected " + runeAt(want, i) + ", got " + runeAt(got, i)
	}
	return ""
}

// runeAt names the character at byte i of s.
func runeAt(s string, i int) string {
	if i >= len(s) {
		return "the end of the statement"
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	name := map[rune]string{' ': "a space", '\t': "a tab", '\n': "a newline", '\r': "a carriage return",
		'\u00a0': "a no-break space (U+00A0)", '\u200b': "a zero-width space (U+200B)", '\ufeff': "a byte-order mark (U+FEFF)",
		'\u2009': "a thin space (U+2009)", '\u3000': "an ideographic space (U+3000)"}[r]
	if name != "" {
		return name
	}
	if unicode.IsSpace(r) {
		return "white space " + strconv.QuoteRune(r)
	}
	return strconv.QuoteRune(r)
}

// argsNote names the first argument that differs, with both Go types.
func argsNote(want []any, got Args) string {
	if len(want) != len(got) {
		return "expected " + strconv.Itoa(len(want)) + " argument(s), the driver received " + strconv.Itoa(len(got))
	}
	for i := range want {
		if !argEqual(want[i], got[i]) {
			return "argument " + strconv.Itoa(i+1) + ": expected " + typed(want[i]) + ", the driver received " + typed(got[i]) +
				" (arguments compare as the driver received them: int as int64, float32 as float64)"
		}
	}
	return "the arguments differ"
}

func typed(x any) string {
	if _, ok := x.(core.Matcher); ok {
		return goExpr(x)
	}
	return goExpr(x) + " of type " + typeName(x)
}
