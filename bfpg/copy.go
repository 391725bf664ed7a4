package bfpg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"github.com/bigfoot-go/bigfoot/pgwire"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bigfoot-go/bigfoot/core"
)

// COPY ... FROM STDIN: pgx's CopyFrom (binary) and lib/pq's CopyIn (text).
// pgx first describes "select <columns> from <table>" to learn the column
// types; the server answers that Describe itself when a copy into the
// table is scripted, with columns of unspecified type, so that pgx
// encodes each value by its Go type.

// copyIn is a COPY in progress on a connection.
type copyIn struct {
	query   string
	table   string
	columns []string
	binary  bool
	data    []byte
	failed  string // the client's CopyFail message
}

// ExpectCopyFrom scripts one COPY into table (as the statement names it,
// unquoted; "public.users" when it names the schema): pgx's
// Conn.CopyFrom, lib/pq's CopyIn. The rows the code sends are recorded;
// the command tag reports how many. bigfoot.Raises answers with an error
// after the data (a unique violation, say).
func (p *Plugin) ExpectCopyFrom(table string, opts ...core.StepOption) *Plugin {
	pc := core.Caller(0)
	p.q.Add(core.Entry{Key: copyKey(table), Returns: table,
		Render: func() string { return acc() + ".ExpectCopyFrom(" + strconv.Quote(table) + ")" }}, pc, opts...)
	return p
}

func copyKey(table string) string { return "\x00copy " + table }

// AssertCopyFrom asserts that the next interaction is a COPY into table
// of these columns and rows. A value compares with what the client sent:
// in the binary format (pgx) a Go value matches the bytes pgx sends for
// its type (int as int8, int32 as int4, string as text, time.Time as
// timestamptz...); in the text format (lib/pq) as AssertQuery compares
// arguments. A value may be a matcher, which gets what was sent.
func (p *Plugin) AssertCopyFrom(table string, columns []string, rows [][]any) error {
	if err := p.v.CheckValues(CopyFrom, core.String(table), core.ValueOf(columns), core.ValueOf(&copyRowsMatcher{want: rows})); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		return p.fail(err)
	}
	return nil
}

// copyPending reports whether a copy into table is scripted and untaken.
func (p *Plugin) copyPending(table string) bool {
	pending, _ := p.q.Pending(1 << 20)
	for _, e := range pending {
		if e.Key == copyKey(table) {
			return true
		}
	}
	return false
}

func (s *server) startCopy(q string) {
	table, cols, rest, ok := pgwire.CopyTarget(q)
	if !ok {
		s.fail(&Error{Code: "42601", Message: "bigfoot's pg server cannot read the table and columns of " + strconv.Quote(q)})
		return
	}
	if !s.p.copyPending(table) {
		err := &core.UnmockedInteractionError{Plugin: "pg", Step: "copy", Call: "COPY " + strconv.Quote(table) + " on " + s.c.String(),
			Reason: "no scripted copy into this table is left", Fix: acc() + ".ExpectCopyFrom(" + strconv.Quote(table) + ")"}
		s.p.v.Report(err)
		s.fail(&Error{Code: "XX000", Message: firstLine(err), Hint: fixOf(err)})
		return
	}
	bin := strings.Contains(strings.ToLower(rest), "binary")
	s.copy = &copyIn{query: q, table: table, columns: cols, binary: bin}
	s.phase = phaseCopy
	s.out, _ = msg(s.out, 'G')
	at := len(s.out) - 4
	f := int16(0)
	if bin {
		f = 1
	}
	s.out = append(s.out, byte(f))
	s.out = appendInt16(s.out, int16(len(cols)))
	for range cols {
		s.out = appendInt16(s.out, f)
	}
	s.out = finish(s.out, at)
}

func (s *server) copyMessage(m *frontend) {
	cp := s.copy
	switch m.typ {
	case 'd':
		cp.data = append(cp.data, m.data...)
		return
	case 'H', 'S':
		return // allowed during COPY; Postgres ignores them
	case 'c', 'f':
	default:
		s.fatal(&Error{Code: "08P01", Message: "unexpected message type " + messageNames[m.typ] + " during COPY from stdin"})
		return
	}
	s.phase, s.copy = phaseReady, nil
	defer func() { s.out = appendReady(s.out, s.tx) }()
	if m.typ == 'f' {
		s.fail(&Error{Code: "57014", Message: "COPY from stdin failed: " + strings.TrimSuffix(string(m.data), "\x00")})
		return
	}
	rows, err := decodeCopy(cp.data, cp.binary)
	if err != nil {
		s.fail(&Error{Code: "22P04", Message: err.Error()})
		return
	}
	ent, terr := s.p.q.Take(copyKey(cp.table), nil, func(*core.Entry) error {
		s.p.v.Record(CopyFrom, core.String(cp.table), core.ValueOf(cp.columns), core.ValueOf(rows))
		return nil
	})
	switch {
	case terr != nil:
		s.p.v.Report(terr)
		s.fail(&Error{Code: "XX000", Message: firstLine(terr)})
	case ent == nil:
		s.fail(s.p.unmockedCopy(cp.table))
	case ent.Err != nil:
		s.fail(toPgError(ent.Err))
	default:
		s.out = appendCommandComplete(s.out, "COPY "+strconv.Itoa(len(rows)))
	}
}

func (p *Plugin) unmockedCopy(table string) *Error {
	err := &core.UnmockedInteractionError{Plugin: "pg", Step: "copy", Call: "COPY " + strconv.Quote(table),
		Reason: "no scripted copy into this table is left", Fix: acc() + ".ExpectCopyFrom(" + strconv.Quote(table) + ")"}
	p.v.Report(err)
	return &Error{Code: "XX000", Message: firstLine(err), Hint: fixOf(err)}
}

// CopyRows are the rows of a COPY as the client sent them: in the
// binary format each field's bytes, in the text format its text; nil is NULL.
type CopyRows [][]any

// GoString renders the rows as Go.
func (r CopyRows) GoString() string { return copyRowsExpr(core.ValueOf(r)) }

// decodeCopy splits COPY data into rows.
func decodeCopy(data []byte, bin bool) (CopyRows, error) {
	rows := CopyRows{}
	if !bin {
		for _, fields := range pgwire.CopyTextRows(data) {
			row := make([]any, 0, len(fields))
			for _, f := range fields {
				if f == `\N` {
					row = append(row, nil)
					continue
				}
				row = append(row, pgwire.UnescapeCopy(f))
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	fields, err := pgwire.CopyBinaryRows(data)
	switch {
	case errors.Is(err, pgwire.ErrCopySignature):
		return nil, &ProtocolError{Message: "COPY data", Reason: "the binary COPY signature is missing"}
	case err != nil:
		return nil, &ProtocolError{Message: "COPY data", Reason: "the message ends inside a field"}
	}
	for _, fs := range fields {
		row := make([]any, 0, len(fs))
		for _, f := range fs {
			if f == nil {
				row = append(row, nil)
				continue
			}
			row = append(row, f)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// copyRowsMatcher matches recorded CopyRows against asserted rows.
type copyRowsMatcher struct{ want [][]any }

// Matches reports whether x, the recorded rows, holds the asserted values.
func (m *copyRowsMatcher) Matches(x any) bool {
	got, ok := x.(CopyRows)
	if !ok || len(got) != len(m.want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(m.want[i]) {
			return false
		}
		for j := range got[i] {
			if !copyValueEqual(m.want[i][j], got[i][j]) {
				return false
			}
		}
	}
	return true
}

// String renders the asserted rows as Go.
func (m *copyRowsMatcher) String() string { return copyRowsExpr(core.ValueOf(CopyRows(m.want))) }

func copyValueEqual(want, got any) bool {
	b, isBin := got.([]byte)
	if !isBin {
		return argEqual(want, got)
	}
	if mt, ok := want.(core.Matcher); ok {
		return mt.Matches(got)
	}
	if want == nil {
		return false
	}
	if u, ok := want.(uint); ok {
		want = int64(u)
	}
	oid := oidOf(want)
	if oid == 0 {
		return false
	}
	return bytes.Equal(encode(nil, want, oid, 1), b)
}

// copyValueExpr renders a field of binary COPY data as a Go value that
// encodes to the same bytes: text as a string, 8, 4 and 2 bytes as
// integers of those sizes, else the bytes.
func copyValueExpr(x any) string {
	b, ok := x.([]byte)
	if !ok {
		return goExpr(x)
	}
	printable := utf8.Valid(b)
	for _, r := range string(b) {
		if r < 0x20 && r != '\t' && r != '\n' {
			printable = false
		}
	}
	switch {
	case printable:
		return strconv.Quote(string(b))
	case len(b) == 8:
		return "int64(" + strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10) + ")"
	case len(b) == 4:
		return "int32(" + strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10) + ")"
	case len(b) == 2:
		return "int16(" + strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(b))), 10) + ")"
	case len(b) == 1 && b[0] <= 1:
		return strconv.FormatBool(b[0] == 1)
	}
	return core.Bytes(b).GoString()
}

func copyRowsExpr(v core.Value) string {
	var rows [][]any
	switch r := v.Interface().(type) {
	case CopyRows:
		rows = r
	case *copyRowsMatcher:
		rows = r.want
	default:
		return v.GoString()
	}
	var b strings.Builder
	b.WriteString("[][]any{")
	for i, row := range rows {
		if i == 32 {
			b.WriteString(" /* ... " + strconv.Itoa(len(rows)-32) + " more rows */")
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
			b.WriteString(copyValueExpr(x))
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

func stringsExpr(v core.Value) string {
	list, ok := v.Interface().([]string)
	if !ok {
		return v.GoString()
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// toPgError turns a scripted error into the ErrorResponse sent for it.
func toPgError(err error) *Error {
	if pe, ok := err.(*Error); ok {
		c := *pe
		return &c
	}
	return &Error{Code: "XX000", Message: err.Error()}
}
