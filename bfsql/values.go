package bfsql

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// Rows is what a scripted query returns: column names and rows of values,
// each row as long as Columns. Values are Go values as a driver returns
// them (int64, float64, bool, string, []byte, time.Time, nil); other
// integer and float types are converted as database/sql converts
// arguments (1 becomes int64(1)), and values of other types reach the
// code's Scan as they are. No rows (Values empty) is an empty result:
// QueryRow(...).Scan returns sql.ErrNoRows.
type Rows struct {
	Columns []string
	Values  [][]any
}

// Result is what a scripted exec returns, as sql.Result reports it.
type Result struct {
	LastInsertID, RowsAffected int64
}

// InvalidRowsError is reported by Expect for a Rows whose shape does not
// hold: a row with another number of values than Columns, or values with
// no columns.
type InvalidRowsError struct {
	Row     int // 0-based index of the row
	Got     int // values in it
	Columns int // len(Columns)
	Fix     string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *InvalidRowsError) Error() string {
	return "bigfoot: sql step \"query\": row " + strconv.Itoa(e.Row) + " of the scripted bfsql.Rows has " +
		strconv.Itoa(e.Got) + " value(s) but there are " + strconv.Itoa(e.Columns) + " column(s); every row has one value per column\n" +
		"fix:\n\t" + e.Fix
}

// rowsData is a scripted Rows as the driver serves it: values converted
// to driver values once, at Expect, and never changed after.
//
// It is also the query's driver.Rows: each query step is taken once, so
// its rows are served once, and the cursor lives here rather than in an
// allocation per call.
type rowsData struct {
	columns []string       // shared with other steps of the same columns; never changed
	flat    []driver.Value // row i is flat[i*len(columns) : (i+1)*len(columns)]
	n       int32          // rows
	next    int32          // the cursor: database/sql serializes calls on one Rows
	closed  bool
	l       *link // the connection serving them, set when the step is taken

	types atomic.Pointer[[]columnType] // inferred on first use

	buf [2]driver.Value // small results live here: one allocation per Expect
}

func (rd *rowsData) row(i int32) []driver.Value {
	w := int32(len(rd.columns))
	return rd.flat[i*w : (i+1)*w : (i+1)*w]
}

// colCache keeps the copy of the last column names scripted, so that
// steps scripted with the same columns (a Rows built once, or the same
// literal) share one copy.
type colCache struct {
	mu   sync.Mutex // guards last
	last []string
}

// get returns a copy of cols that nothing will change.
func (c *colCache) get(cols []string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Equal(c.last, cols) && (c.last != nil) == (cols != nil) {
		return c.last
	}
	c.last = slices.Clone(cols)
	return c.last
}

// columnType is what rows.ColumnTypes() reports of a column, inferred
// from its values.
type columnType struct {
	scan     reflect.Type
	name     string
	nullable bool
}

// slab hands out Ts cut from blocks that never move, so that a pointer to
// one stays valid: an allocation per block rather than per T. Blocks grow
// from 4 Ts to 64, so that a short script pays for little. It is not safe
// for concurrent use: its owner's lock guards it.
type slab[T any] struct {
	free []T // what is left of the current block
	size int // the current block's size
}

// next returns a zero T that nothing else uses.
func (s *slab[T]) next() *T {
	if len(s.free) == 0 {
		s.size = min(max(2*s.size, 4), 64)
		s.free = make([]T, s.size)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// newRowsData checks r's shape and keeps its values, converted, in rows
// cut from slab.
func newRowsData(r Rows, cols *colCache, slab *slab[rowsData]) (*rowsData, error) {
	n := len(r.Columns)
	for i, row := range r.Values {
		if len(row) != n {
			return nil, &InvalidRowsError{Row: i, Got: len(row), Columns: n, Fix: rowsFix(r.Columns, len(row))}
		}
	}
	rd := slab.next()
	rd.columns, rd.n = cols.get(r.Columns), int32(len(r.Values))
	if total := n * len(r.Values); total <= len(rd.buf) {
		rd.flat = rd.buf[:total:total]
	} else {
		rd.flat = make([]driver.Value, total)
	}
	for i, row := range r.Values {
		out := rd.flat[i*n:]
		for j, x := range row {
			v, err := convert(x)
			if err != nil {
				return nil, &core.ReturnsTypeError{Plugin: "sql", Step: StepQuery,
					Got:  "a row with a " + typeName(x) + " whose Value method failed: " + err.Error(),
					Want: "bfsql.Rows of driver values", Fix: "Expect(\"query\", " + examples[kQuery] + ")"}
			}
			if b, ok := v.([]byte); ok && b != nil {
				v = bytes.Clone(b)
			}
			out[j] = v
		}
	}
	return rd, nil
}

func rowsFix(columns []string, got int) string {
	if len(columns) == 0 {
		cols := make([]string, got)
		for i := range cols {
			cols[i] = strconv.Quote("column" + strconv.Itoa(i+1))
		}
		return "bfsql.Rows{Columns: []string{" + strings.Join(cols, ", ") + "}, Values: [][]any{...}} // name the columns"
	}
	q := make([]string, len(columns))
	for i, c := range columns {
		q[i] = strconv.Quote(c)
	}
	return "// give each row one value per column, in the order of Columns: []string{" + strings.Join(q, ", ") + "}"
}

// columnTypes infers each column's type from its first non-nil value.
func (rd *rowsData) columnTypes() []columnType {
	if t := rd.types.Load(); t != nil {
		return *t
	}
	types := make([]columnType, len(rd.columns))
	{
		for j := range rd.columns {
			ct := &types[j]
			for i := range rd.n {
				if v := rd.row(i)[j]; v == nil {
					ct.nullable = true
				} else if ct.scan == nil {
					ct.scan = reflect.TypeOf(v)
				}
			}
			ct.name = databaseTypeName(ct.scan)
			if ct.nullable {
				ct.scan = nullType(ct.scan)
			}
		}
	}
	rd.types.Store(&types)
	return types
}

var (
	anyType   = reflect.TypeFor[any]()
	int64Type = reflect.TypeFor[int64]()
	floatType = reflect.TypeFor[float64]()
	boolType  = reflect.TypeFor[bool]()
	strType   = reflect.TypeFor[string]()
	bytesType = reflect.TypeFor[[]byte]()
	timeType  = reflect.TypeFor[time.Time]()
)

func databaseTypeName(t reflect.Type) string {
	switch t {
	case int64Type:
		return "BIGINT"
	case floatType:
		return "DOUBLE"
	case boolType:
		return "BOOLEAN"
	case strType:
		return "TEXT"
	case bytesType:
		return "BLOB"
	case timeType:
		return "TIMESTAMP"
	}
	return ""
}

// nullType is the type a nullable column of t scans into.
func nullType(t reflect.Type) reflect.Type {
	switch t {
	case nil:
		return anyType
	case int64Type:
		return reflect.TypeFor[sql.NullInt64]()
	case floatType:
		return reflect.TypeFor[sql.NullFloat64]()
	case boolType:
		return reflect.TypeFor[sql.NullBool]()
	case strType:
		return reflect.TypeFor[sql.NullString]()
	case timeType:
		return reflect.TypeFor[sql.NullTime]()
	}
	return t // []byte and others hold nil themselves
}

// convert turns a Go value into the value a driver receives, as
// database/sql's default converter does (int becomes int64, a
// driver.Valuer gives its Value). A value of a kind the default converter
// refuses (a slice, a map, a struct: what drivers such as pgx encode
// themselves) is kept as it is. Only a Valuer's own error is an error.
func convert(x any) (any, error) {
	switch v := x.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time:
		return x, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case sql.NamedArg:
		inner, err := convert(v.Value)
		return sql.NamedArg{Name: v.Name, Value: inner}, err
	case core.Matcher:
		return x, nil
	case driver.Valuer:
		return driver.DefaultParameterConverter.ConvertValue(x)
	}
	out, err := driver.DefaultParameterConverter.ConvertValue(x)
	if err != nil {
		return x, nil
	}
	return out, nil
}

// Args are the arguments of a query or exec as the driver received them,
// in order; a named argument is an sql.NamedArg. They print as Go code
// that shows each argument's type: []any{int64(1), "ada"}.
type Args []any

// GoString renders the arguments as Go code, each with its type.
func (a Args) GoString() string { return renderList(a) }

// String is GoString.
func (a Args) String() string { return renderList(a) }

// A statement's arguments are recorded as the step it took (see
// step.keepArgs), a core.Snapshot, so that recording them boxes nothing;
// everything outside the plugin sees the Args it stands for.
var (
	_ core.Snapshot        = (*step)(nil)
	_ core.SnapshotMatcher = (*argsMatcher)(nil)
)

var errEnded = errors.New("bigfoot: the verifier has been verified; the sql plugin answers no more calls")

// argsOf copies the arguments database/sql passed, for the timeline, into
// buf when they fit (a step's, which the timeline may keep): []byte
// values are copied, since the caller may reuse them.
func argsOf(nv []driver.NamedValue, buf []any) Args {
	if len(nv) == 0 {
		return nil
	}
	var out Args
	if len(nv) <= len(buf) {
		out = buf[:len(nv):len(nv)]
	} else {
		out = make(Args, len(nv))
	}
	for i := range nv {
		v := nv[i].Value
		if b, ok := v.([]byte); ok && b != nil {
			v = bytes.Clone(b)
		}
		if nv[i].Name != "" {
			v = sql.NamedArg{Name: nv[i].Name, Value: v}
		}
		out[i] = v
	}
	return out
}

// argsMatcher matches recorded Args against asserted ones, compared as
// the driver converts arguments: an int asserted matches the int64 the
// driver received. An asserted argument may itself be a matcher
// (bigfoot.Any()). The asserted arguments are kept as given and converted
// only for comparison and messages, so that asserting allocates little.
type argsMatcher struct {
	want []any
	buf  [4]any // backs want for the assertion helpers' matchers
}

// MatchArgs returns the matcher AssertQuery and AssertExec use for the
// "args" field, for the generic form:
//
//	bf.AssertInteraction(bfsql.Query, bigfoot.Fields{
//		"query": bigfoot.HasPrefix("SELECT"),
//		"args":  bfsql.MatchArgs(1, bigfoot.Any()),
//	})
//
// Each argument compares as the driver receives it (int as int64, a
// driver.Valuer as its Value); a named argument is given as
// sql.Named(name, value).
func MatchArgs(args ...any) core.Matcher { return &argsMatcher{want: args} }

// Matches reports whether x, the recorded Args, equals the asserted arguments.
func (m *argsMatcher) Matches(x any) bool {
	var got []any
	switch a := x.(type) {
	case Args:
		got = a
	case []any:
		got = a
	case nil:
	default:
		return false
	}
	return m.matchList(got)
}

func (m *argsMatcher) matchList(got []any) bool {
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

// MatchesSnapshot reports whether a statement's recorded arguments equal
// the asserted ones, without boxing them: the path of every passing
// AssertQuery and AssertExec.
func (m *argsMatcher) MatchesSnapshot(s core.Snapshot) bool {
	if st, ok := s.(*step); ok {
		return m.matchList(st.recordedArgs())
	}
	return m.Matches(s.Materialize())
}

// converted returns the asserted arguments as the driver would receive them.
func (m *argsMatcher) converted() []any {
	out := make([]any, len(m.want))
	for i, x := range m.want {
		v, err := convert(x)
		if err != nil {
			v = x
		}
		out[i] = v
	}
	return out
}

// String renders the asserted arguments, converted, as Go code.
func (m *argsMatcher) String() string { return renderList(m.converted()) }

// GoString is String, for %#v.
func (m *argsMatcher) GoString() string { return m.String() }

// argEqual compares an asserted argument with the value the driver
// received, converting the asserted one as the driver would, without
// allocating for the common types.
func argEqual(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case int:
		return eqInt(got, int64(w))
	case int64:
		return eqInt(got, w)
	case int32:
		return eqInt(got, int64(w))
	case int16:
		return eqInt(got, int64(w))
	case int8:
		return eqInt(got, int64(w))
	case uint8:
		return eqInt(got, int64(w))
	case uint16:
		return eqInt(got, int64(w))
	case uint32:
		return eqInt(got, int64(w))
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case float64:
		return eqFloat(got, w)
	case float32:
		return eqFloat(got, float64(w))
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	case sql.NamedArg:
		g, ok := got.(sql.NamedArg)
		return ok && g.Name == w.Name && argEqual(w.Value, g.Value)
	case core.Matcher:
		return w.Matches(got)
	}
	if _, ok := want.(driver.Valuer); ok || isBasicKind(want) {
		// A Valuer gives its Value; a named basic type (type ID int64)
		// converts to its driver type.
		v, err := convert(want)
		if err != nil || reflect.TypeOf(v) == reflect.TypeOf(want) {
			return false
		}
		return argEqual(v, got)
	}
	return reflect.DeepEqual(want, got)
}

// isBasicKind reports whether x is of a named type with a basic kind the
// default converter converts (type ID int64, type Name string).
func isBasicKind(x any) bool {
	switch reflect.TypeOf(x).Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

func eqInt(got any, w int64) bool {
	g, ok := got.(int64)
	return ok && g == w
}

func eqFloat(got any, w float64) bool {
	g, ok := got.(float64)
	return ok && (g == w || (math.IsNaN(g) && math.IsNaN(w)))
}

// maxRendered bounds how many arguments a message lists.
const maxRendered = 32

func renderList(list []any) string {
	var b strings.Builder
	b.WriteString("[]any{")
	for i, x := range list {
		if i == maxRendered {
			b.WriteString(" /* ... " + strconv.Itoa(len(list)-maxRendered) + " more */")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(goExpr(x))
	}
	b.WriteString("}")
	return b.String()
}

// renderArgs renders arguments as the trailing arguments of an assertion
// call: `, int64(1), "ada"`.
func renderArgs(list []any) string {
	var b strings.Builder
	for _, x := range list {
		b.WriteString(", ")
		b.WriteString(goExpr(x))
	}
	return b.String()
}

// goExpr renders a driver value as a Go expression of its type, so that a
// message shows the type and a hint compiles.
func goExpr(x any) string {
	switch v := x.(type) {
	case nil:
		return "nil"
	case int64:
		return "int64(" + strconv.FormatInt(v, 10) + ")"
	case float64:
		switch {
		case math.IsNaN(v):
			return "math.NaN()"
		case math.IsInf(v, 1):
			return "math.Inf(1)"
		case math.IsInf(v, -1):
			return "math.Inf(-1)"
		}
		return "float64(" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
	case bool:
		return strconv.FormatBool(v)
	case string:
		return core.String(v).GoString()
	case []byte:
		return core.Bytes(v).GoString()
	case time.Time:
		return timeExpr(v)
	case sql.NamedArg:
		return "sql.Named(" + strconv.Quote(v.Name) + ", " + goExpr(v.Value) + ")"
	case core.Matcher:
		return v.String()
	}
	return core.ValueOf(x).GoString()
}

var monthNames = [...]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

func timeExpr(t time.Time) string {
	loc := "time.UTC"
	switch {
	case t.Location() == time.UTC:
	case t.Location() == time.Local:
		loc = "time.Local"
	default:
		name, off := t.Zone()
		loc = "time.FixedZone(" + strconv.Quote(name) + ", " + strconv.Itoa(off) + ")"
	}
	return fmt.Sprintf("time.Date(%d, time.%s, %d, %d, %d, %d, %d, %s)",
		t.Year(), monthNames[t.Month()], t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

func typeName(x any) string {
	if x == nil {
		return "nil"
	}
	return reflect.TypeOf(x).String()
}
