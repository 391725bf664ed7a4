package bfpg

import (
	"github.com/bigfoot-go/bigfoot/pgwire"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
)

// rowset is a scripted bfsql.Rows as the server sends it: column types
// inferred once, at Expect, and values copied.
type rowset struct {
	names  []string
	oids   []uint32
	values [][]any
	// untyped marks the columns no value typed (every value nil, or no
	// rows): described as text, they fit whatever type a statement
	// prepared earlier gave them.
	untyped []bool
}

// newRowset checks rows and infers each column's type from its first
// non-nil value (text when every value is nil).
func newRowset(rows bfsql.Rows, call func() string) (*rowset, error) {
	n := len(rows.Columns)
	rs := &rowset{names: append([]string(nil), rows.Columns...), oids: make([]uint32, n)}
	for i, row := range rows.Values {
		if len(row) != n {
			e := &bfsql.InvalidRowsError{Row: i, Got: len(row), Columns: n,
				Fix: "// give each row one value per column, in the order of Columns"}
			if n == 0 {
				e.Fix = `bfsql.Rows{Columns: []string{"column1"}, Values: [][]any{{"value"}}} // name the columns`
			}
			return nil, e
		}
		copied := make([]any, n)
		for j, x := range row {
			if ui, ok := x.(uint); ok {
				x = int64(ui)
			}
			oid := oidOf(x)
			if oid == 0 {
				return nil, &core.ReturnsTypeError{Plugin: "pg", Step: "query", Got: typeName(x) + " (row " + strconv.Itoa(i) + ", column " + strconv.Quote(rows.Columns[j]) + ")",
					Want: "bfsql.Rows of values the pg server encodes: int, int16, int32, int64, float32, float64, bool, string, []byte, time.Time, nil, " +
						"bfpg.Numeric, bfpg.Date, bfpg.Timestamp, bfpg.UUID, bfpg.JSON, bfpg.JSONB, and slices of int, int16, int32, int64, float64, bool, string, bfpg.UUID",
					Fix: `bfpg.For(bf).ExpectQuery("SELECT doc FROM t", bfsql.Rows{Columns: []string{"doc"}, Values: [][]any{{bfpg.JSONB(` + "`{\"a\":1}`" + `)}}})`}
			}
			if n, ok := x.(Numeric); ok && !pgwire.ValidNumeric(string(n)) {
				return nil, &ScriptError{Call: call(), Reason: "bfpg.Numeric(" + strconv.Quote(string(n)) + ") in row " + strconv.Itoa(i) + " is not a decimal",
					Fix: `bfpg.Numeric("12.50")`}
			}
			if x != nil {
				switch {
				case rs.oids[j] == 0:
					rs.oids[j] = oid
				case rs.oids[j] != oid:
					return nil, &ScriptError{Call: call(), Reason: "column " + strconv.Quote(rows.Columns[j]) + " holds " + typeNames[rs.oids[j]] +
						" values in earlier rows and a " + typeName(x) + " (" + typeNames[oid] + ") in row " + strconv.Itoa(i) + "; a column has one type",
						Fix: "// give every row of column " + strconv.Quote(rows.Columns[j]) + " values of one Go type (nil for NULL)"}
				}
			}
			if b, ok := x.([]byte); ok {
				x = append([]byte{}, b...)
			}
			copied[j] = x
		}
		rs.values = append(rs.values, copied)
	}
	rs.untyped = make([]bool, n)
	for j := range rs.oids {
		if rs.oids[j] == 0 {
			rs.untyped[j] = true
			rs.oids[j] = oidText
		}
	}
	return rs, nil
}

func format(fmts []int16, j int) int16 {
	switch len(fmts) {
	case 0:
		return 0
	case 1:
		return fmts[0]
	}
	if j < len(fmts) {
		return fmts[j]
	}
	return 0
}

// appendDescription appends the RowDescription, with fmts the result
// formats (none for a statement's Describe, where they are not known).
func (rs *rowset) appendDescription(b []byte, fmts []int16) []byte {
	b, at := msg(b, 'T')
	b = appendInt16(b, int16(len(rs.names)))
	for j, name := range rs.names {
		b = appendCString(b, name)
		b = appendInt32(b, 0) // table OID
		b = appendInt16(b, 0) // column number
		b = appendInt32(b, int32(rs.oids[j]))
		b = appendInt16(b, typeLen(rs.oids[j]))
		b = appendInt32(b, -1) // type modifier
		b = appendInt16(b, format(fmts, j))
	}
	return finish(b, at)
}

// appendRow appends row i as a DataRow in the formats asked for.
func (rs *rowset) appendRow(b []byte, i int, fmts []int16) []byte {
	b, at := msg(b, 'D')
	row := rs.values[i]
	b = appendInt16(b, int16(len(row)))
	for j, x := range row {
		if x == nil {
			b = appendInt32(b, -1)
			continue
		}
		l := len(b)
		b = appendInt32(b, 0)
		b = encode(b, x, rs.oids[j], format(fmts, j))
		b[l], b[l+1], b[l+2], b[l+3] = byte((len(b)-l-4)>>24), byte((len(b)-l-4)>>16), byte((len(b)-l-4)>>8), byte(len(b)-l-4)
	}
	return finish(b, at)
}

// queryLiteral renders a statement for a hint: as a raw string when that
// is exact and easier to read (SQL quotes identifiers with "), else quoted.
func queryLiteral(q string) string {
	if !strings.Contains(q, `"`) || len(q) > 512 || strings.ContainsAny(q, "`\r\n") || !utf8.ValidString(q) {
		return core.String(q).GoString()
	}
	for _, r := range q {
		if r != '\t' && !unicode.IsPrint(r) {
			return core.String(q).GoString()
		}
	}
	return "`" + q + "`"
}

// rowsExpr renders scripted rows as Go, for messages.
func rowsExpr(r bfsql.Rows) string {
	var b strings.Builder
	b.WriteString("bfsql.Rows{Columns: []string{")
	for i, c := range r.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(c))
	}
	b.WriteString("}, Values: [][]any{")
	for i, row := range r.Values {
		if i == 8 {
			b.WriteString(" /* ... " + strconv.Itoa(len(r.Values)-8) + " more rows */")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{")
		for j, x := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(goExpr(x))
		}
		b.WriteString("}")
	}
	b.WriteString("}}")
	return b.String()
}
