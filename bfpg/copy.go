package bfpg

import (
	"bytes"
	"encoding/binary"
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

// isCopyFrom reports whether q is COPY ... FROM STDIN.
func isCopyFrom(q string) bool {
	w := strings.Fields(strings.ToLower(stripComments(q)))
	if len(w) < 2 || w[0] != "copy" {
		return false
	}
	for i := 1; i+1 < len(w); i++ {
		if w[i] == "from" && strings.HasPrefix(w[i+1], "stdin") {
			return true
		}
	}
	return false
}

// identifiers reads a table name and an optional parenthesised column
// list from s, unquoting them; it returns what follows.
func identifiers(s string) (table string, cols []string, rest string, ok bool) {
	s = strings.TrimSpace(s)
	var parts []string
	for {
		id, r, ok := ident(s)
		if !ok {
			return "", nil, "", false
		}
		parts = append(parts, id)
		s = strings.TrimLeft(r, " \t\r\n")
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	table = strings.Join(parts, ".")
	if strings.HasPrefix(s, "(") {
		s = s[1:]
		for {
			s = strings.TrimLeft(s, " \t\r\n")
			id, r, ok := ident(s)
			if !ok {
				return "", nil, "", false
			}
			cols = append(cols, id)
			s = strings.TrimLeft(r, " \t\r\n")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
				continue
			}
			if !strings.HasPrefix(s, ")") {
				return "", nil, "", false
			}
			s = s[1:]
			break
		}
	}
	return table, cols, s, true
}

// ident reads one identifier: "quoted" (with "" for a quote) or bare
// (folded to lower case, as Postgres folds it).
func ident(s string) (string, string, bool) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), s[i+1:], true
			}
			b.WriteByte(s[i])
		}
		return "", "", false
	}
	i := 0
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	return strings.ToLower(s[:i]), s[i:], true
}

// copySelect recognises the statement pgx describes before a CopyFrom:
// select "a", "b" from "t".
func copySelect(q string) (table string, cols []string, ok bool) {
	s := strings.TrimSpace(q)
	if len(s) < 7 || !strings.EqualFold(s[:7], "select ") {
		return "", nil, false
	}
	s = s[7:]
	for {
		s = strings.TrimLeft(s, " ")
		id, r, ok := ident(s)
		if !ok {
			return "", nil, false
		}
		cols = append(cols, id)
		r = strings.TrimLeft(r, " ")
		if strings.HasPrefix(r, ",") {
			s = r[1:]
			continue
		}
		s = r
		break
	}
	if len(s) < 5 || !strings.EqualFold(s[:5], "from ") {
		return "", nil, false
	}
	table, more, rest, ok := identifiers(s[5:])
	if !ok || more != nil || strings.TrimSpace(rest) != "" {
		return "", nil, false
	}
	return table, cols, true
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
	w := strings.Fields(stripComments(q))
	table, cols, rest, ok := identifiers(strings.TrimSpace(stripComments(q))[len(w[0]):])
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
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if line == `\.` || (line == "" && len(data) == 0) {
				break
			}
			var row []any
			for _, f := range strings.Split(line, "\t") {
				if f == `\N` {
					row = append(row, nil)
					continue
				}
				row = append(row, unescapeCopy(f))
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	sig := []byte("PGCOPY\n\377\r\n\x00")
	r := reader{b: data, msg: "COPY data"}
	if !bytes.HasPrefix(data, sig) {
		return nil, &ProtocolError{Message: "COPY data", Reason: "the binary COPY signature is missing"}
	}
	r.b = r.b[len(sig):]
	r.int32()
	ext := r.int32()
	r.bytes(int(ext))
	for r.err == nil && len(r.b) > 0 { // pgx sends no trailer; lib/pq's binary mode sends -1
		n := r.int16()
		if n == -1 || r.err != nil {
			break
		}
		row := make([]any, 0, max(n, 0))
		for i := 0; i < int(n) && r.err == nil; i++ {
			l := r.int32()
			if l < 0 {
				row = append(row, nil)
				continue
			}
			row = append(row, r.bytes(int(l)))
		}
		rows = append(rows, row)
	}
	return rows, r.err
}

func unescapeCopy(f string) string {
	if !strings.Contains(f, `\`) {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '\\' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
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
