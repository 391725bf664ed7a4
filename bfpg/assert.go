package bfpg

import (
	"bytes"
	"encoding/hex"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// Sources of the plugin's interactions, for the generic form:
//
//	bf.AssertInteraction(bfpg.Query, bigfoot.Fields{"query": bigfoot.HasPrefix("SELECT"), "args": bfpg.MatchArgs(1)})
var (
	Connect = &core.Source{Plugin: "pg", Name: "connect", Fields: []string{"user", "database"}, GoExpr: "bfpg.Connect",
		Hint: func(v []core.Value) string {
			return acc() + ".AssertConnect(" + v[0].GoString() + ", " + v[1].GoString() + ")"
		}}
	Query = &core.Source{Plugin: "pg", Name: "query", Fields: []string{"query", "args"}, GoExpr: "bfpg.Query",
		Hint: func(v []core.Value) string { return acc() + ".AssertQuery(" + literal(v[0]) + argsHint(v[1]) + ")" }}
	Exec = &core.Source{Plugin: "pg", Name: "exec", Fields: []string{"query", "args"}, GoExpr: "bfpg.Exec",
		Hint: func(v []core.Value) string { return acc() + ".AssertExec(" + literal(v[0]) + argsHint(v[1]) + ")" }}
	Begin = &core.Source{Plugin: "pg", Name: "begin", Fields: []string{"statement"}, GoExpr: "bfpg.Begin",
		Hint: func(v []core.Value) string { return acc() + ".AssertBegin(" + literal(v[0]) + ")" }}
	Commit = &core.Source{Plugin: "pg", Name: "commit", GoExpr: "bfpg.Commit",
		Hint: func([]core.Value) string { return acc() + ".AssertCommit()" }}
	Rollback = &core.Source{Plugin: "pg", Name: "rollback", GoExpr: "bfpg.Rollback",
		Hint: func([]core.Value) string { return acc() + ".AssertRollback()" }}
	CopyFrom = &core.Source{Plugin: "pg", Name: "copy", Fields: []string{"table", "columns", "rows"}, GoExpr: "bfpg.CopyFrom",
		Hint: func(v []core.Value) string {
			return acc() + ".AssertCopyFrom(" + v[0].GoString() + ", " + stringsExpr(v[1]) + ", " + copyRowsExpr(v[2]) + ")"
		}}
)

func literal(v core.Value) string {
	if s, ok := v.Interface().(string); ok {
		return queryLiteral(s)
	}
	return v.GoString()
}

// Args are the parameters of a statement as the client sent them: in
// the text format (what pgx and lib/pq send, since the server describes
// parameters of unknown type) each is its text, "1" for 1; NULL is nil;
// a binary parameter of a type the client named is decoded (int64,
// float64, bool, string, time.Time, bfpg.UUID), else kept as []byte.
type Args []any

// GoString renders the arguments as Go code.
func (a Args) GoString() string {
	var b strings.Builder
	b.WriteString("[]any{")
	for i, x := range a {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(goExpr(x))
	}
	b.WriteString("}")
	return b.String()
}

// String is GoString.
func (a Args) String() string { return a.GoString() }

func argsHint(v core.Value) string {
	var list []any
	switch a := v.Interface().(type) {
	case Args:
		list = a
	case *argsMatcher:
		list = a.want
	default:
		return ", " + v.GoString()
	}
	var b strings.Builder
	for _, x := range list {
		b.WriteString(", ")
		b.WriteString(hintExpr(x))
	}
	return b.String()
}

// hintExpr renders a recorded parameter as a test would write it: a text
// that is an integer in canonical form as the integer (1 for "1", which
// AssertQuery matches with the text), anything else as goExpr does.
func hintExpr(x any) string {
	if s, ok := x.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
			return s
		}
	}
	return goExpr(x)
}

// goExpr renders a value as Go code of its type.
func goExpr(x any) string {
	switch v := x.(type) {
	case nil:
		return "nil"
	case string:
		return core.String(v).GoString()
	case []byte:
		return core.Bytes(v).GoString()
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return "int64(" + strconv.FormatInt(v, 10) + ")"
	case int32:
		return "int32(" + strconv.FormatInt(int64(v), 10) + ")"
	case int16:
		return "int16(" + strconv.FormatInt(int64(v), 10) + ")"
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "math.NaN()"
		}
		return "float64(" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
	case UUID:
		return "bfpg.MustUUID(" + strconv.Quote(v.String()) + ")"
	case Numeric:
		return "bfpg.Numeric(" + strconv.Quote(string(v)) + ")"
	case JSON:
		return "bfpg.JSON(" + strconv.Quote(string(v)) + ")"
	case JSONB:
		return "bfpg.JSONB(" + strconv.Quote(string(v)) + ")"
	case Date:
		t := time.Time(v)
		return "bfpg.Date(time.Date(" + strconv.Itoa(t.Year()) + ", " + strconv.Itoa(int(t.Month())) + ", " + strconv.Itoa(t.Day()) + ", 0, 0, 0, 0, time.UTC))"
	case Timestamp:
		return "bfpg.Timestamp(" + goExpr(time.Time(v)) + ")"
	case time.Time:
		v = v.UTC()
		return "time.Date(" + strconv.Itoa(v.Year()) + ", " + strconv.Itoa(int(v.Month())) + ", " + strconv.Itoa(v.Day()) + ", " +
			strconv.Itoa(v.Hour()) + ", " + strconv.Itoa(v.Minute()) + ", " + strconv.Itoa(v.Second()) + ", " + strconv.Itoa(v.Nanosecond()) + ", time.UTC)"
	case core.Matcher:
		return v.String()
	}
	return core.ValueOf(x).GoString()
}

func typeName(x any) string {
	if x == nil {
		return "nil"
	}
	return reflect.TypeOf(x).String()
}

// argsMatcher matches recorded Args against asserted values, compared as
// the client sent them: an asserted Go value matches the text the client
// sent for it (1 matches "1", true matches "t" or "true", a time.Time the
// text of the same instant, a []byte its bytea text); a string matches
// the text exactly; a matcher gets the recorded value.
type argsMatcher struct{ want []any }

// MatchArgs returns the matcher AssertQuery and AssertExec use for the
// "args" field, for the generic form.
func MatchArgs(args ...any) core.Matcher { return &argsMatcher{want: args} }

// Matches reports whether x, the recorded Args, holds the asserted values.
func (m *argsMatcher) Matches(x any) bool {
	got, ok := x.(Args)
	if !ok && x != nil {
		return false
	}
	if len(got) != len(m.want) {
		return false
	}
	for i := range got {
		if !argEqual(m.want[i], got[i]) {
			return false
		}
	}
	return true
}

// String renders the asserted values as Go.
func (m *argsMatcher) String() string { return Args(m.want).GoString() }

// argEqual compares an asserted value with a recorded parameter.
func argEqual(want, got any) bool {
	if m, ok := want.(core.Matcher); ok {
		return m.Matches(got)
	}
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	text, isText := got.(string)
	switch w := want.(type) {
	case string:
		return isText && text == w
	case []byte:
		if b, ok := got.([]byte); ok {
			return bytes.Equal(b, w)
		}
		if isText && strings.HasPrefix(text, `\x`) {
			b, err := hex.DecodeString(text[2:])
			return err == nil && bytes.Equal(b, w)
		}
		return isText && text == string(w)
	case bool:
		if b, ok := got.(bool); ok {
			return b == w
		}
		switch strings.ToLower(text) {
		case "t", "true", "y", "yes", "on", "1":
			return isText && w
		case "f", "false", "n", "no", "off", "0":
			return isText && !w
		}
		return false
	case float64, float32:
		f := reflect.ValueOf(w).Float()
		if g, ok := got.(float64); ok {
			return g == f
		}
		g, err := strconv.ParseFloat(text, 64)
		return isText && err == nil && (g == f || reflect.ValueOf(w).Kind() == reflect.Float32 && float32(g) == float32(f))
	case time.Time:
		if g, ok := got.(time.Time); ok {
			return g.Equal(w)
		}
		g, ok := parseTime(text)
		return isText && ok && g.Equal(w)
	case UUID:
		if g, ok := got.(UUID); ok {
			return g == w
		}
		u, err := ParseUUID(text)
		return isText && err == nil && u == w
	case Numeric, JSON, JSONB:
		return isText && text == reflect.ValueOf(w).String()
	}
	rv := reflect.ValueOf(want)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if g, ok := got.(int64); ok {
			return g == rv.Int()
		}
		g, err := strconv.ParseInt(text, 10, 64)
		return isText && err == nil && g == rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if g, ok := got.(int64); ok {
			return g >= 0 && uint64(g) == rv.Uint()
		}
		g, err := strconv.ParseUint(text, 10, 64)
		return isText && err == nil && g == rv.Uint()
	case reflect.String:
		return isText && text == rv.String()
	}
	return reflect.DeepEqual(want, got)
}

// parseTime reads the text forms clients send for times.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00:00", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// fail reports a failed assertion; the typed helpers call it only on
// failure, after marking themselves with Helper, so that the failure
// points at the test's line and a passing assertion pays for neither.
func (p *Plugin) fail(err error) error {
	p.v.Reporter().Helper()
	return p.v.Fail(err)
}

// AssertConnect asserts that the next interaction is a connection that
// logged in as user to database (the startup message's database, or the
// user's name when it names none).
func (p *Plugin) AssertConnect(user, database string) error {
	if err := p.v.CheckValues(Connect, core.String(user), core.String(database)); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// AssertQuery asserts that the next interaction is an execution of a
// script of ExpectQuery with exactly this text and these parameters,
// compared as the client sent them (see MatchArgs); an argument may be a
// matcher. The text is compared byte for byte: a mismatch names the
// first byte that differs.
func (p *Plugin) AssertQuery(query string, args ...any) error {
	if err := p.v.CheckValues(Query, core.String(query), core.ValueOf(&argsMatcher{want: args})); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// AssertExec is AssertQuery for a script of ExpectExec.
func (p *Plugin) AssertExec(query string, args ...any) error {
	if err := p.v.CheckValues(Exec, core.String(query), core.ValueOf(&argsMatcher{want: args})); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// AssertBegin asserts that the next interaction is the start of a
// transaction with this statement, as the client sent it: "begin" from
// pgx, "BEGIN" from lib/pq, "begin isolation level serializable" for
// pgx.TxOptions. The server answers transaction control itself.
func (p *Plugin) AssertBegin(statement string) error {
	if err := p.v.CheckValues(Begin, core.String(statement)); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// AssertCommit asserts that the next interaction is a commit.
func (p *Plugin) AssertCommit() error {
	if err := p.v.CheckValues(Commit); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// AssertRollback asserts that the next interaction is a rollback.
func (p *Plugin) AssertRollback() error {
	if err := p.v.CheckValues(Rollback); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}
