package record

import (
	"slices"

	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"github.com/bigfoot-go/bigfoot/pgwire"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The Postgres decoder turns a recorded connection that speaks the
// Postgres wire protocol (version 3.0) into the calls bfpg scripts and
// records, in the order bfpg records them: the login (AssertConnect) when
// the startup message was sent, each statement when it executed (the
// Query message, or the Bind of the extended protocol), transaction
// control (AssertBegin, AssertCommit, AssertRollback) as the server that
// bfpg is answers it without a script. What bfpg answers itself is left
// out: the TLS request, authentication (no password, SASL or MD5 message
// ever reaches a Call), ParameterStatus and the rest of the handshake,
// Describe round trips, Close, Sync, empty statements and statements
// refused in an aborted transaction (SQLSTATE 25P02).

func init() { Register(pgDecoder{}) }

const (
	pgImport        = "github.com/bigfoot-go/bigfoot/bfpg"
	pgBfsqlImport   = "github.com/bigfoot-go/bigfoot/bfsql"
	pgBigfootImport = "github.com/bigfoot-go/bigfoot"
	pgMaxMessage    = 1 << 30 // the largest message Postgres accepts
)

// Request codes of untyped startup-phase messages.
const (
	pgProtocol3   = 196608   // 3.0
	pgSSLRequest  = 80877103 // 1234.5679
	pgGSSRequest  = 80877104 // 1234.5680
	pgCancelCode  = 80877102 // 1234.5678
	pgMaxStartups = 4        // SSLRequest, GSSENCRequest, then the StartupMessage
)

// pgDecoder is the Decoder of Postgres connections.
type pgDecoder struct{}

// Name is the protocol's name, in messages: bfpg's plugin name.
func (pgDecoder) Name() string { return "pg" }

// Detect reports whether c is a Postgres connection: the recorder
// answered its TLS request, or the first bytes it sent are a
// StartupMessage of protocol 3.0, an SSLRequest, GSSENCRequest or
// CancelRequest (an untyped message whose length fits its code).
func (pgDecoder) Detect(c *Conn) bool {
	if c.PlainForTLS {
		return true
	}
	var b []byte
	for _, ch := range c.Chunks {
		if ch.Send {
			b = append(b, ch.Data...)
			if len(b) >= 8 {
				break
			}
		}
	}
	if len(b) < 8 {
		return false
	}
	n := binary.BigEndian.Uint32(b)
	switch binary.BigEndian.Uint32(b[4:]) {
	case pgProtocol3:
		return n >= 9 && n < 10000
	case pgSSLRequest, pgGSSRequest:
		return n == 8
	case pgCancelCode:
		return n == 16
	}
	return false
}

// A PGDecodeError says what in a recorded Postgres connection the decoder
// could not turn into bfpg scripts: bytes that are not the protocol, or
// traffic bfpg cannot reproduce (then errors.Is(err, ErrPGUnsupported)).
type PGDecodeError struct {
	Message string // the message concerned, e.g. `Query "COPY t FROM STDIN"`; "" for the byte stream
	Reason  string // what happened and what to do
	// Unsupported is set for valid traffic bfpg cannot script.
	Unsupported bool
}

// Error describes the failure and what to do about it.
func (e *PGDecodeError) Error() string {
	if e.Message == "" {
		return "pg: " + e.Reason
	}
	return "pg: " + e.Message + ": " + e.Reason
}

// ErrPGUnsupported is matched (errors.Is) by a *PGDecodeError for valid
// Postgres traffic that bfpg cannot script.
var ErrPGUnsupported = errors.New("not supported by bfpg")

// Is makes errors.Is(err, ErrPGUnsupported) true for traffic bfpg cannot
// script.
func (e *PGDecodeError) Is(target error) bool { return target == ErrPGUnsupported && e.Unsupported }

// pgMsg is one message of one direction of a connection.
type pgMsg struct {
	typ  byte // 0 for an untyped startup-phase message
	body []byte
	seq  int64 // the Seq of the chunk where it starts
}

// pgSplit cuts a stream into messages: the first untyped ones of the
// frontend (at most pgMaxStartups, while they are TLS requests), then
// typed ones. A message cut off by the end of the recording is dropped:
// the connection ended inside it, and nobody answered it.
func pgSplit(s *stream, untyped int, direction string) ([]pgMsg, error) {
	var out []pgMsg
	pos := 0
	for pos < len(s.b) {
		start, typ := pos, byte(0)
		if len(out) >= untyped {
			typ = s.b[pos]
			pos++
		}
		if len(s.b)-pos < 4 {
			break
		}
		n := binary.BigEndian.Uint32(s.b[pos:])
		if n < 4 || n > pgMaxMessage {
			return nil, &PGDecodeError{Reason: direction + " byte " + strconv.Itoa(pos) + ": a message length of " +
				strconv.FormatUint(uint64(n), 10) + " is not the Postgres protocol (version 3.0)"}
		}
		if uint64(len(s.b)-pos) < uint64(n) {
			break
		}
		out = append(out, pgMsg{typ: typ, body: s.b[pos+4 : pos+int(n)], seq: s.seqAt(start)})
		pos += int(n)
	}
	return out, nil
}

// pgReader reads the fields of one message body.
type pgReader struct {
	b   []byte
	bad bool // the body ended before a field did
}

// take reads the next n bytes, or marks the body cut.
func (r *pgReader) take(n int) []byte {
	if n > len(r.b) {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *pgReader) int16() int16 {
	if b := r.take(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *pgReader) int32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *pgReader) byte() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *pgReader) cstring() string {
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

// value reads a length-prefixed value: nil for NULL (-1).
func (r *pgReader) value() []byte {
	n := r.int32()
	if n < 0 || r.bad {
		return nil
	}
	return r.take(int(n))
}

// pgFrontendNames and pgBackendNames name the messages, for errors.
var pgFrontendNames = map[byte]string{'Q': "Query", 'P': "Parse", 'B': "Bind", 'D': "Describe", 'E': "Execute", 'S': "Sync",
	'H': "Flush", 'C': "Close", 'X': "Terminate", 'p': "PasswordMessage", 'd': "CopyData", 'c': "CopyDone", 'f': "CopyFail", 'F': "FunctionCall"}

var pgBackendNames = map[byte]string{'R': "Authentication", 'S': "ParameterStatus", 'K': "BackendKeyData", 'Z': "ReadyForQuery",
	'T': "RowDescription", 'D': "DataRow", 'C': "CommandComplete", 'I': "EmptyQueryResponse", 'E': "ErrorResponse", 'N': "NoticeResponse",
	't': "ParameterDescription", 'n': "NoData", '1': "ParseComplete", '2': "BindComplete", '3': "CloseComplete", 's': "PortalSuspended",
	'G': "CopyInResponse", 'H': "CopyOutResponse", 'W': "CopyBothResponse", 'A': "NotificationResponse", 'V': "FunctionCallResponse", 'v': "NegotiateProtocolVersion"}

func pgMsgName(names map[byte]string, typ byte) string {
	if n, ok := names[typ]; ok {
		return n
	}
	return "message " + strconv.QuoteRune(rune(typ))
}

// pgColumn is a column of a RowDescription.
type pgColumn struct {
	name   string
	oid    uint32
	format int16
}

// pgError is an ErrorResponse.
type pgError struct {
	fields map[byte]string
}

func (e *pgError) code() string { return e.fields['C'] }

// pgPrepared is a statement of Parse.
type pgPrepared struct {
	query     string
	oids      []uint32   // parameter types: Parse's, then ParameterDescription's
	cols      []pgColumn // from its Describe; nil for none or NoData
	described bool
}

// pgExec is one execution of a statement: what the code sent and what the
// server answered.
type pgExec struct {
	seq        int64
	query      string
	args       []Field
	rows       bool // the server described rows (a RowDescription)
	cols       []pgColumn
	values     [][]pgCell
	tag        string
	err        *pgError
	noArgs     bool    // the arguments were never sent (the statement failed at Parse)
	empty      bool    // EmptyQueryResponse
	copy       *pgCopy // a COPY FROM STDIN
	copyFailed bool    // the client ended it with CopyFail
}

// pgCell is a column value as Go, and the imports it needs.
type pgCell struct {
	expr    string
	imports []string
	raw     string // as sent, for a COPY field: compared between two runs
}

// pgConnDecoder decodes one connection.
type pgConnDecoder struct {
	c       *Conn
	opts    *Options
	fe      []pgMsg
	be      []pgMsg
	bi      int // next backend message
	fi      int // next frontend message, after the one being followed
	user    string
	db      string
	stmts   map[string]*pgPrepared
	portals map[string]*pgExec
	skip    bool      // an error in the extended protocol: the server discards messages until Sync
	execs   []*pgExec // the statements, in the order bfpg records them
	calls   []Call
	setup   []string
}

// Decode returns the calls bfpg records for c, each with the Seq of the
// chunk where bfpg would record it.
func (pgDecoder) Decode(c *Conn, opts *Options) ([]Call, error) {
	d := &pgConnDecoder{c: c, opts: opts, stmts: map[string]*pgPrepared{}, portals: map[string]*pgExec{}}
	d.setup = []string{"bfpg.For(bf).Serve(" + strconv.Quote(c.Address) + ")"}
	if c.Err != "" {
		return nil, nil // the dial failed: nothing reached the server (bfpg's dials do not fail)
	}
	fs, bs := newStream(c, true), newStream(c, false)
	// The untyped messages are the TLS requests (when the recorder did not
	// answer them) and the startup message.
	tlsAsks := 0
	for 8*(tlsAsks+1) <= len(fs.b) && tlsAsks < pgMaxStartups {
		b := fs.b[8*tlsAsks:]
		if binary.BigEndian.Uint32(b) != 8 || !pgIsTLSRequest(binary.BigEndian.Uint32(b[4:])) {
			break
		}
		tlsAsks++
	}
	fe, err := pgSplit(fs, tlsAsks+1, "sent")
	if err != nil {
		return nil, err
	}
	// The server answers each TLS request with one byte: 'N' to go on in
	// the clear.
	for i := 0; i < tlsAsks; i++ {
		if len(bs.b) <= i {
			return nil, nil // the server never answered
		}
		if bs.b[i] != 'N' {
			return nil, &PGDecodeError{Message: "SSLRequest", Unsupported: true,
				Reason: "the server agreed to encrypt the connection, so the recording cannot read it; record with sslmode=disable or prefer, or let bigfoot record answer the request (it does, as its recorder sees the first Write)"}
		}
	}
	if d.be, err = pgSplit(bs.drop(tlsAsks), 0, "received"); err != nil {
		return nil, err
	}
	d.fe = fe[tlsAsks:]
	if err := d.run(); err != nil {
		return nil, err
	}
	for _, ex := range d.execs {
		d.statement(ex)
	}
	return d.calls, nil
}

// drop returns s without its first n bytes.
func (s *stream) drop(n int) *stream {
	out := &stream{b: s.b[min(n, len(s.b)):]}
	for i, at := range s.starts {
		end := len(s.b)
		if i+1 < len(s.starts) {
			end = s.starts[i+1]
		}
		if end > n {
			out.starts = append(out.starts, max(at-n, 0))
			out.seqs = append(out.seqs, s.seqs[i])
		}
	}
	return out
}

func pgIsTLSRequest(code uint32) bool { return code == pgSSLRequest || code == pgGSSRequest }

// next returns the next backend message, past asynchronous ones
// (notices, parameter changes, notifications), or nil at the end.
func (d *pgConnDecoder) next() *pgMsg {
	for d.bi < len(d.be) {
		m := &d.be[d.bi]
		d.bi++
		switch m.typ {
		case 'N', 'S', 'A':
			continue
		}
		return m
	}
	return nil
}

// expect returns the next backend message, which must be one of types,
// in answer to the frontend message what; nil at the end of the recording.
func (d *pgConnDecoder) expect(what string, types string) (*pgMsg, error) {
	m := d.next()
	if m == nil {
		return nil, nil
	}
	if strings.IndexByte(types, m.typ) < 0 {
		var want []string
		for i := 0; i < len(types); i++ {
			want = append(want, pgMsgName(pgBackendNames, types[i]))
		}
		return nil, &PGDecodeError{Message: what, Reason: "the server answered " + pgMsgName(pgBackendNames, m.typ) +
			", where the protocol has " + strings.Join(want, " or ") + "; the recording is not a whole Postgres conversation"}
	}
	return m, nil
}

func (d *pgConnDecoder) run() error {
	if len(d.fe) == 0 {
		return nil
	}
	st := d.fe[0]
	if len(st.body) < 4 {
		return &PGDecodeError{Message: "StartupMessage", Reason: "too short"}
	}
	switch code := binary.BigEndian.Uint32(st.body); code {
	case pgCancelCode:
		return nil // bfpg accepts cancel requests and records nothing
	case pgProtocol3:
	default:
		return &PGDecodeError{Message: "StartupMessage", Unsupported: true,
			Reason: "protocol " + strconv.Itoa(int(code>>16)) + "." + strconv.Itoa(int(code&0xffff)) + ": bfpg speaks 3.0"}
	}
	r := &pgReader{b: st.body[4:]}
	for len(r.b) > 1 && !r.bad {
		k, v := r.cstring(), r.cstring()
		switch k {
		case "user":
			d.user = v
		case "database":
			d.db = v
		}
	}
	if d.db == "" {
		d.db = d.user
	}
	// Authentication: the server's requests and the client's answers
	// (passwords, SASL messages) until ReadyForQuery. None is kept.
	i := 1
	for ; i < len(d.fe) && d.fe[i].typ == 'p'; i++ {
	}
	for {
		m := d.next()
		if m == nil {
			return nil // the login never finished: bfpg records no connect
		}
		if m.typ == 'E' {
			e := pgParseError(m.body)
			return &PGDecodeError{Message: "StartupMessage", Unsupported: e.code() == "28P01" || e.code() == "28000",
				Reason: "the server refused the login (SQLSTATE " + e.code() + ": " + e.fields['M'] + "); bfpg answers logins itself and a refused one is scripted with bfpg.For(bf).Auth, by hand: the recording keeps no password"}
		}
		if m.typ == 'Z' {
			break
		}
	}
	user, db := d.user, d.db
	d.add(Call{Seq: st.seq,
		Fields: []Field{{Name: "user", Raw: user, Go: GoString(user), Matchable: true}, {Name: "database", Raw: db, Go: GoString(db), Matchable: true}},
		Render: func(bf string, x []string) (string, string) {
			if IsMatcher(x[0]) || IsMatcher(x[1]) {
				return "", bf + `.AssertInteraction(bfpg.Connect, bigfoot.Fields{"user": ` + x[0] + `, "database": ` + x[1] + `})`
			}
			return "", "bfpg.For(" + bf + ").AssertConnect(" + x[0] + ", " + x[1] + ")"
		}}, pgBigfootImport)
	for d.fi = i; d.fi < len(d.fe); {
		m := &d.fe[d.fi]
		d.fi++
		if m.typ == 'X' {
			break
		}
		if err := d.frontend(m); err != nil {
			return err
		}
	}
	return nil
}

// add appends a call of this connection.
func (d *pgConnDecoder) add(c Call, imports ...string) {
	c.Plugin = "pg"
	c.Setup = d.setup
	c.Imports = append([]string{pgImport}, imports...)
	d.calls = append(d.calls, c)
}

// frontend follows one message the client sent after the login, with
// the server's answers to it.
func (d *pgConnDecoder) frontend(m *pgMsg) error {
	name := pgMsgName(pgFrontendNames, m.typ)
	r := &pgReader{b: m.body}
	bad := func() error { return &PGDecodeError{Message: name, Reason: "the message ends before its fields do"} }
	switch m.typ {
	case 'Q':
		q := r.cstring()
		if r.bad {
			return bad()
		}
		return d.simpleQuery(m.seq, q)
	case 'P':
		stmt, q := r.cstring(), r.cstring()
		n := int(r.int16())
		oids := make([]uint32, 0, max(n, 0))
		for j := 0; j < n && !r.bad; j++ {
			oids = append(oids, uint32(r.int32()))
		}
		if r.bad {
			return bad()
		}
		if d.skip {
			return nil
		}
		p := &pgPrepared{query: q, oids: oids}
		d.stmts[stmt] = p
		a, err := d.expect("Parse "+GoString(q), "1E")
		if a == nil || err != nil {
			return err
		}
		if a.typ == 'E' {
			// The server refused the statement itself (a syntax error):
			// bfpg parses anything and answers the execution with the
			// error; the code never sent the arguments.
			d.skip = true
			delete(d.stmts, stmt)
			d.execs = append(d.execs, &pgExec{seq: m.seq, query: q, err: pgParseError(a.body), noArgs: true})
		}
		return nil
	case 'B':
		portal, stmt := r.cstring(), r.cstring()
		pf := make([]int16, max(int(r.int16()), 0))
		for j := range pf {
			pf[j] = r.int16()
		}
		params := make([][]byte, max(int(r.int16()), 0))
		for j := range params {
			params[j] = r.value()
		}
		rf := make([]int16, max(int(r.int16()), 0))
		for j := range rf {
			rf[j] = r.int16()
		}
		if r.bad {
			return bad()
		}
		if d.skip {
			return nil
		}
		p := d.stmts[stmt]
		if p == nil {
			return &PGDecodeError{Message: name, Reason: "statement " + strconv.Quote(stmt) + " was never parsed on this connection"}
		}
		ex := &pgExec{seq: m.seq, query: p.query, rows: p.described && p.cols != nil}
		ex.args = d.args(p, pf, params)
		if ex.rows {
			ex.cols = pgWithFormats(p.cols, rf)
		}
		d.portals[portal] = ex
		d.execs = append(d.execs, ex) // bfpg records a statement at its Bind
		a, err := d.expect("Bind "+GoString(p.query), "2E")
		if a == nil || err != nil {
			return err
		}
		if a.typ == 'E' {
			ex.err = pgParseError(a.body)
			d.skip = true
		}
		return nil
	case 'D':
		kind, obj := r.byte(), r.cstring()
		if r.bad {
			return bad()
		}
		if d.skip {
			return nil
		}
		if kind == 'S' {
			p := d.stmts[obj]
			if p == nil {
				return &PGDecodeError{Message: name, Reason: "statement " + strconv.Quote(obj) + " was never parsed on this connection"}
			}
			a, err := d.expect("Describe "+GoString(p.query), "tE")
			if a == nil || err != nil {
				return err
			}
			if a.typ == 'E' {
				d.skip = true
				return nil
			}
			pr := &pgReader{b: a.body}
			n := int(pr.int16())
			oids := make([]uint32, 0, max(n, 0))
			for j := 0; j < n && !pr.bad; j++ {
				oids = append(oids, uint32(pr.int32()))
			}
			p.oids = oids
			a, err = d.expect("Describe "+GoString(p.query), "Tn")
			if a == nil || err != nil {
				return err
			}
			p.described, p.cols = true, nil
			if a.typ == 'T' {
				if p.cols, err = pgParseRowDescription(a.body); err != nil {
					return err
				}
			}
			return nil
		}
		ex := d.portals[obj]
		if ex == nil {
			return &PGDecodeError{Message: name, Reason: "portal " + strconv.Quote(obj) + " was never bound on this connection"}
		}
		a, err := d.expect("Describe of the portal of "+GoString(ex.query), "TnE")
		if a == nil || err != nil {
			return err
		}
		switch a.typ {
		case 'E':
			d.skip = true
		case 'T':
			ex.rows = true
			if ex.cols, err = pgParseRowDescription(a.body); err != nil {
				return err
			}
		case 'n':
			ex.rows, ex.cols = false, nil
		}
		return nil
	case 'E':
		portal := r.cstring()
		if r.bad {
			return bad()
		}
		if d.skip {
			return nil
		}
		ex := d.portals[portal]
		if ex == nil {
			return &PGDecodeError{Message: name, Reason: "portal " + strconv.Quote(portal) + " was never bound on this connection"}
		}
		return d.results(ex, "Execute "+GoString(ex.query), false)
	case 'S':
		d.skip = false
		delete(d.portals, "")
		_, err := d.expect("Sync", "Z")
		return err
	case 'H':
		return nil
	case 'C':
		kind, obj := r.byte(), r.cstring()
		if r.bad {
			return bad()
		}
		if d.skip {
			return nil
		}
		if kind == 'S' {
			delete(d.stmts, obj)
		} else {
			delete(d.portals, obj)
		}
		_, err := d.expect("Close", "3")
		return err
	case 'd', 'c', 'f':
		return &PGDecodeError{Message: name, Reason: "copy data outside a COPY"}
	}
	return &PGDecodeError{Message: name, Unsupported: true, Reason: "bfpg's server does not answer this message"}
}

// results reads the answer to one execution: rows, then how it ended.
// simple reads a Query's, which has its own RowDescription.
func (d *pgConnDecoder) results(ex *pgExec, what string, simple bool) error {
	for {
		types := "DCIsE"
		if simple {
			types = "TDCIEGH"
		}
		a, err := d.expect(what, types)
		if a == nil || err != nil {
			return err
		}
		switch a.typ {
		case 'T':
			ex.rows = true
			if ex.cols, err = pgParseRowDescription(a.body); err != nil {
				return err
			}
		case 'D':
			row, err := pgParseRow(a.body, ex)
			if err != nil {
				return err
			}
			ex.values = append(ex.values, row)
		case 'C':
			ex.tag = (&pgReader{b: a.body}).cstring()
			return nil
		case 'I':
			ex.empty = true
			return nil
		case 's':
			return nil // PortalSuspended: the next Execute goes on
		case 'E':
			ex.err = pgParseError(a.body)
			if !simple {
				d.skip = true
			}
			return nil
		case 'G':
			return d.copyIn(ex, what, a.body)
		case 'H':
			return &PGDecodeError{Message: what, Unsupported: true,
				Reason: "COPY TO STDOUT: bfpg's server answers COPY ... FROM STDIN only; script the rows as a query"}
		}
	}
}

// pgCopy is a COPY ... FROM STDIN: the table and columns the statement
// names, as bfpg records them, and the rows the client sent.
type pgCopy struct {
	table   string
	columns []string
	rows    [][]pgCell
}

// copyIn follows a COPY FROM STDIN after the server's CopyInResponse:
// the client's CopyData up to CopyDone or CopyFail, then how it ended.
func (d *pgConnDecoder) copyIn(ex *pgExec, what string, resp []byte) error {
	table, cols, _, ok := pgwire.CopyTarget(ex.query)
	if !ok {
		return &PGDecodeError{Message: what, Unsupported: true, Reason: "bfpg cannot read the table and columns of this COPY"}
	}
	bin := len(resp) > 0 && resp[0] == 1
	var data []byte
	failed := false
	for done := false; !done && d.fi < len(d.fe); {
		m := &d.fe[d.fi]
		d.fi++
		switch m.typ {
		case 'd':
			data = append(data, m.body...)
		case 'H', 'S':
		case 'c':
			done = true
		case 'f':
			done, failed = true, true
		default:
			return &PGDecodeError{Message: what, Reason: pgMsgName(pgFrontendNames, m.typ) + " during COPY FROM STDIN"}
		}
	}
	cp := &pgCopy{table: table, columns: cols}
	ex.copy = cp
	var err error
	if bin {
		cp.rows, err = pgCopyBinary(data, d.copyTypes(table, cols))
	} else {
		cp.rows = pgCopyText(data)
	}
	if err != nil {
		return &PGDecodeError{Message: what, Unsupported: true, Reason: err.Error()}
	}
	a, err := d.expect(what, "CE")
	if a == nil || err != nil {
		return err
	}
	if a.typ == 'E' {
		ex.err = pgParseError(a.body)
		if failed {
			ex.copyFailed = true
		}
		return nil
	}
	ex.tag = (&pgReader{b: a.body}).cstring()
	return nil
}

// copyTypes returns the column types of a copy into table, as the
// statement pgx describes before a CopyFrom ("select "a", "b" from "t"")
// got them; nil when none was described.
func (d *pgConnDecoder) copyTypes(table string, cols []string) []uint32 {
	for _, p := range d.stmts {
		t, c, ok := pgwire.CopySelect(p.query)
		if !ok || t != table || !slices.Equal(c, cols) || len(p.cols) != len(cols) {
			continue
		}
		oids := make([]uint32, len(p.cols))
		for i, col := range p.cols {
			oids[i] = col.oid
		}
		return oids
	}
	return nil
}

// pgCopyText reads text COPY data: a row a line, fields split by tabs,
// \N for NULL. bfpg records each field's text, which AssertCopyFrom
// compares as AssertQuery compares arguments: as strings here.
func pgCopyText(data []byte) [][]pgCell {
	var rows [][]pgCell
	for _, fields := range pgwire.CopyTextRows(data) {
		row := make([]pgCell, 0, len(fields))
		for _, f := range fields {
			if f == `\N` {
				row = append(row, pgCell{expr: "nil", raw: f})
				continue
			}
			row = append(row, pgCell{expr: GoString(pgwire.UnescapeCopy(f)), raw: f})
		}
		rows = append(rows, row)
	}
	return rows
}

// pgCopyBinary reads binary COPY data (pgx's CopyFrom). A field is
// rendered as the Go value of its column's type, which bfpg encodes to
// the same bytes; without the types (or for a type with no such value),
// as its bytes.
func pgCopyBinary(data []byte, oids []uint32) ([][]pgCell, error) {
	fields, err := pgwire.CopyBinaryRows(data)
	if err != nil {
		return nil, err
	}
	var rows [][]pgCell
	for _, fs := range fields {
		row := make([]pgCell, 0, len(fs))
		for i, v := range fs {
			if v == nil {
				row = append(row, pgCell{expr: "nil", raw: `\N`})
				continue
			}
			cell := pgCell{expr: GoBytes(v)}
			if i < len(oids) {
				switch oids[i] {
				case pgBool, pgBytea, pgInt2, pgInt4, pgInt8, pgFloat4, pgFloat8, pgText, pgVarchar, pgBpchar, pgName,
					pgUUID, pgDate, pgTimestamp, pgTimestamptz:
					if c, err := pgValueGo(oids[i], 1, v); err == nil {
						cell = c
					}
					cell.raw = string(v)
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// simpleQuery follows a Query message and its answers up to ReadyForQuery.
func (d *pgConnDecoder) simpleQuery(seq int64, q string) error {
	what := "Query " + GoString(q)
	ex := &pgExec{seq: seq, query: q}
	d.execs = append(d.execs, ex)
	if err := d.results(ex, what, true); err != nil {
		return err
	}
	if t := d.peek(); t != 0 && t != 'Z' && ex.err == nil {
		return &PGDecodeError{Message: what, Unsupported: true,
			Reason: "several statements in one Query: bfpg answers one statement per Query; send them one by one"}
	}
	_, err := d.expect(what, "Z")
	return err
}

// peek returns the type of the next backend message (past asynchronous
// ones), 0 at the end.
func (d *pgConnDecoder) peek() byte {
	for i := d.bi; i < len(d.be); i++ {
		switch t := d.be[i].typ; t {
		case 'N', 'S', 'A':
		default:
			return t
		}
	}
	return 0
}

// statement turns one execution into the call bfpg records for it, or
// none where bfpg answers by itself and records nothing.
func (d *pgConnDecoder) statement(ex *pgExec) {
	q := ex.query
	if pgwire.IsEmpty(q) || ex.err != nil && ex.err.code() == "25P02" {
		return
	}
	switch pgwire.TxKind(q) {
	case pgwire.TxBegin:
		d.add(Call{Seq: ex.seq, Fields: []Field{{Name: "statement", Raw: q, Go: GoString(q), Matchable: true}},
			Render: func(bf string, x []string) (string, string) {
				if IsMatcher(x[0]) {
					return "", bf + `.AssertInteraction(bfpg.Begin, bigfoot.Fields{"statement": ` + x[0] + `})`
				}
				return "", "bfpg.For(" + bf + ").AssertBegin(" + x[0] + ")"
			}}, pgBigfootImport)
		return
	case pgwire.TxCommit:
		d.add(Call{Seq: ex.seq, Render: func(bf string, _ []string) (string, string) { return "", "bfpg.For(" + bf + ").AssertCommit()" }})
		return
	case pgwire.TxRollback:
		d.add(Call{Seq: ex.seq, Render: func(bf string, _ []string) (string, string) { return "", "bfpg.For(" + bf + ").AssertRollback()" }})
		return
	}
	if ex.copy != nil {
		d.copyCall(ex)
		return
	}
	fields := append([]Field{{Name: "query", Raw: q, Go: GoString(q)}}, ex.args...)
	imports := []string{pgBfsqlImport}
	var reply string
	if ex.rows {
		var im []string
		reply, im = pgRowsGo(ex)
		imports = append(imports, im...)
	} else {
		reply = "bfsql.Result{RowsAffected: " + strconv.FormatInt(pgRowsAffected(ex.tag), 10) + "}"
	}
	var raises string
	if ex.err != nil {
		raises = ", bigfoot.Raises(" + pgErrorGo(ex.err) + ")"
		imports = append(imports, pgBigfootImport)
	}
	for _, a := range ex.args {
		imports = append(imports, pgExprImports(a.Go)...)
	}
	rows, withArgs, noArgs := ex.rows, len(ex.args) > 0, ex.noArgs
	d.add(Call{Seq: ex.seq, Fields: fields, Render: func(bf string, x []string) (string, string) {
		acc := "bfpg.For(" + bf + ")"
		expect, assert, source := "ExpectExec", "AssertExec", "bfpg.Exec"
		if rows {
			expect, assert, source = "ExpectQuery", "AssertQuery", "bfpg.Query"
		}
		args := strings.Join(x[1:], ", ")
		var script string
		if withArgs {
			script = acc + "." + expect + "Args(" + x[0] + ", []any{" + args + "}, " + reply + raises + ")"
		} else {
			script = acc + "." + expect + "(" + x[0] + ", " + reply + raises + ")"
		}
		if noArgs {
			// The statement failed before the code sent its arguments.
			return script, bf + ".AssertInteraction(" + source + `, bigfoot.Fields{"query": ` + x[0] + `, "args": bigfoot.Any()})`
		}
		if withArgs {
			return script, acc + "." + assert + "(" + x[0] + ", " + args + ")"
		}
		return script, acc + "." + assert + "(" + x[0] + ")"
	}}, imports...)
}

// copyCall is the call of a COPY FROM STDIN: bfpg.ExpectCopyFrom and
// AssertCopyFrom. A copy the client failed (CopyFail) is refused by
// bfpg's server itself, which records nothing and takes no script, but
// starts a copy only into a table a script names: an optional one.
func (d *pgConnDecoder) copyCall(ex *pgExec) {
	cp := ex.copy
	if ex.copyFailed {
		d.add(Call{Seq: ex.seq, Fields: []Field{{Name: "table", Raw: cp.table, Go: strconv.Quote(cp.table)}},
			Render: func(bf string, x []string) (string, string) {
				return "bfpg.For(" + bf + ").ExpectCopyFrom(" + x[0] + ", bigfoot.Optional())", ""
			}}, pgBigfootImport)
		return
	}
	// Each field sent is a Field, so that one that differs between the
	// two runs gets a matcher (AssertCopyFrom takes one for any value).
	fields := []Field{{Name: "table", Raw: cp.table, Go: strconv.Quote(cp.table)}}
	var imports []string
	shape := make([]int, len(cp.rows))
	for i, row := range cp.rows {
		shape[i] = len(row)
		for j, c := range row {
			fields = append(fields, Field{Name: "row " + strconv.Itoa(i+1) + " field " + strconv.Itoa(j+1), Raw: c.raw, Go: c.expr, Matchable: true})
			imports = append(imports, c.imports...)
		}
	}
	rows := func(x []string) string {
		var b strings.Builder
		b.WriteString("[][]any{\n")
		for _, n := range shape {
			b.WriteString("{" + strings.Join(x[:n], ", ") + "},\n")
			x = x[n:]
		}
		b.WriteString("}")
		return b.String()
	}
	cols := "nil"
	if cp.columns != nil {
		q := make([]string, len(cp.columns))
		for i, c := range cp.columns {
			q[i] = strconv.Quote(c)
		}
		cols = "[]string{" + strings.Join(q, ", ") + "}"
	}
	var raises string
	if ex.err != nil {
		raises = ", bigfoot.Raises(" + pgErrorGo(ex.err) + ")"
		imports = append(imports, pgBigfootImport)
	}
	d.add(Call{Seq: ex.seq, Fields: fields,
		Render: func(bf string, x []string) (string, string) {
			acc := "bfpg.For(" + bf + ")"
			return acc + ".ExpectCopyFrom(" + x[0] + raises + ")", acc + ".AssertCopyFrom(" + x[0] + ", " + cols + ", " + rows(x[1:]) + ")"
		}}, imports...)
}

// pgExprImports returns the imports a value's expression needs.
func pgExprImports(expr string) []string {
	var out []string
	if strings.Contains(expr, "time.") {
		out = append(out, "time")
	}
	if strings.Contains(expr, "math.") {
		out = append(out, "math")
	}
	if strings.Contains(expr, "bigfoot.") {
		out = append(out, pgBigfootImport)
	}
	return out
}

// pgRowsAffected is the count of a command tag: its last word when that is
// a number ("INSERT 0 1", "UPDATE 3"), else 0 ("CREATE TABLE").
func pgRowsAffected(tag string) int64 {
	i := strings.LastIndexByte(tag, ' ')
	n, err := strconv.ParseInt(tag[i+1:], 10, 64)
	if err != nil || i < 0 {
		return 0
	}
	return n
}

// pgRowsGo renders an execution's rows as bfsql.Rows, one row a line.
func pgRowsGo(ex *pgExec) (string, []string) {
	var b strings.Builder
	var imports []string
	b.WriteString("bfsql.Rows{Columns: []string{")
	for i, c := range ex.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(c.name))
	}
	b.WriteString("}")
	if len(ex.values) > 0 {
		b.WriteString(", Values: [][]any{\n")
		for _, row := range ex.values {
			b.WriteString("{")
			for j, cell := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(cell.expr)
				imports = append(imports, cell.imports...)
			}
			b.WriteString("},\n")
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String(), imports
}

// pgErrorGo renders an ErrorResponse as the *bfpg.Error that makes bfpg
// send the same one.
func pgErrorGo(e *pgError) string {
	var b strings.Builder
	b.WriteString("&bfpg.Error{")
	sep := ""
	for _, f := range []struct {
		code byte
		name string
	}{{'S', "Severity"}, {'C', "Code"}, {'M', "Message"}, {'D', "Detail"}, {'H', "Hint"},
		{'s', "Schema"}, {'t', "Table"}, {'c', "Column"}, {'n', "Constraint"}} {
		v := e.fields[f.code]
		if v == "" || f.code == 'S' && v == "ERROR" {
			continue
		}
		b.WriteString(sep + f.name + ": " + GoString(v))
		sep = ", "
	}
	b.WriteString("}")
	return b.String()
}

func pgParseError(body []byte) *pgError {
	e := &pgError{fields: map[byte]string{}}
	r := &pgReader{b: body}
	for len(r.b) > 0 && !r.bad {
		k := r.byte()
		if k == 0 {
			break
		}
		e.fields[k] = r.cstring()
	}
	if e.fields['S'] == "" {
		e.fields['S'] = e.fields['V']
	}
	return e
}

func pgParseRowDescription(body []byte) ([]pgColumn, error) {
	r := &pgReader{b: body}
	n := int(r.int16())
	cols := make([]pgColumn, 0, max(n, 0))
	for i := 0; i < n && !r.bad; i++ {
		c := pgColumn{name: r.cstring()}
		r.int32() // table
		r.int16() // column number
		c.oid = uint32(r.int32())
		r.int16() // size
		r.int32() // modifier
		c.format = r.int16()
		cols = append(cols, c)
	}
	if r.bad {
		return nil, &PGDecodeError{Message: "RowDescription", Reason: "the message ends before its fields do"}
	}
	return cols, nil
}

// pgWithFormats gives a statement's columns the result formats of a Bind.
func pgWithFormats(cols []pgColumn, fmts []int16) []pgColumn {
	out := make([]pgColumn, len(cols))
	for i, c := range cols {
		c.format = 0
		switch {
		case len(fmts) == 1:
			c.format = fmts[0]
		case i < len(fmts):
			c.format = fmts[i]
		}
		out[i] = c
	}
	return out
}

func pgParseRow(body []byte, ex *pgExec) ([]pgCell, error) {
	r := &pgReader{b: body}
	n := int(r.int16())
	if n != len(ex.cols) {
		return nil, &PGDecodeError{Message: "DataRow of " + GoString(ex.query),
			Reason: strconv.Itoa(n) + " values where the RowDescription has " + strconv.Itoa(len(ex.cols)) + " columns"}
	}
	row := make([]pgCell, n)
	for i := 0; i < n; i++ {
		v := r.value()
		if r.bad {
			return nil, &PGDecodeError{Message: "DataRow of " + GoString(ex.query), Reason: "the message ends before its values do"}
		}
		if v == nil {
			row[i] = pgCell{expr: "nil"}
			continue
		}
		cell, err := pgValueGo(ex.cols[i].oid, ex.cols[i].format, v)
		if err != nil {
			return nil, &PGDecodeError{Message: "DataRow of " + GoString(ex.query), Unsupported: true,
				Reason: "column " + strconv.Quote(ex.cols[i].name) + ": " + err.Error()}
		}
		row[i] = cell
	}
	return row, nil
}

// Type OIDs, as pg_type has them (pgwire holds the numbers, which bfpg
// shares).
const (
	pgBool        = pgwire.OIDBool
	pgBytea       = pgwire.OIDBytea
	pgChar        = pgwire.OIDChar
	pgName        = pgwire.OIDName
	pgInt8        = pgwire.OIDInt8
	pgInt2        = pgwire.OIDInt2
	pgInt4        = pgwire.OIDInt4
	pgText        = pgwire.OIDText
	pgJSON        = pgwire.OIDJSON
	pgFloat4      = pgwire.OIDFloat4
	pgFloat8      = pgwire.OIDFloat8
	pgBpchar      = pgwire.OIDBpchar
	pgVarchar     = pgwire.OIDVarchar
	pgDate        = pgwire.OIDDate
	pgTimestamp   = pgwire.OIDTimestamp
	pgTimestamptz = pgwire.OIDTimestamptz
	pgNumeric     = pgwire.OIDNumeric
	pgUUID        = pgwire.OIDUUID
	pgJSONB       = pgwire.OIDJSONB
)

// pgArrays maps the array types bfpg can send to their element type and
// the Go slice type that makes bfpg describe them (varchar[] is sent as
// text[], the nearest).
var pgArrays = map[uint32]struct {
	elem  uint32
	slice string
}{pgwire.OIDBoolArray: {pgBool, "[]bool"}, pgwire.OIDInt2Array: {pgInt2, "[]int16"}, pgwire.OIDInt4Array: {pgInt4, "[]int32"},
	pgwire.OIDInt8Array: {pgInt8, "[]int64"}, pgwire.OIDTextArray: {pgText, "[]string"}, pgwire.OIDVarcharArray: {pgVarchar, "[]string"},
	pgwire.OIDFloat8Array: {pgFloat8, "[]float64"}, pgwire.OIDUUIDArray: {pgUUID, "[]bfpg.UUID"}}

// errPGValue says a value is not what its type's format holds.
func errPGValue(oid uint32, format int16, v []byte) error {
	f := "text"
	if format == 1 {
		f = "binary"
	}
	return errors.New("the " + f + " value " + strconv.Quote(string(v)) + " is not a " + pgTypeName(oid))
}

func pgTypeName(oid uint32) string {
	switch oid {
	case pgBool:
		return "bool"
	case pgBytea:
		return "bytea"
	case pgInt2:
		return "int2"
	case pgInt4:
		return "int4"
	case pgInt8:
		return "int8"
	case pgFloat4:
		return "float4"
	case pgFloat8:
		return "float8"
	case pgNumeric:
		return "numeric"
	case pgUUID:
		return "uuid"
	case pgDate:
		return "date"
	case pgTimestamp:
		return "timestamp"
	case pgTimestamptz:
		return "timestamptz"
	case pgJSON:
		return "json"
	case pgJSONB:
		return "jsonb"
	}
	return "type OID " + strconv.FormatUint(uint64(oid), 10)
}

// pgValueGo renders a non-NULL column value as the Go value that makes
// bfpg describe the column with the type the server did (int4 as int32,
// numeric as bfpg.Numeric, timestamptz as time.Time...) and send the same
// value back.
func pgValueGo(oid uint32, format int16, v []byte) (pgCell, error) {
	if format != 0 && format != 1 {
		return pgCell{}, errors.New("format code " + strconv.Itoa(int(format)) + " is neither text (0) nor binary (1)")
	}
	bin := format == 1
	switch oid {
	case pgBool:
		switch {
		case bin && len(v) == 1:
			return pgCell{expr: strconv.FormatBool(v[0] != 0)}, nil
		case !bin && (string(v) == "t" || string(v) == "f"):
			return pgCell{expr: strconv.FormatBool(v[0] == 't')}, nil
		}
	case pgInt2, pgInt4, pgInt8:
		n, ok := pgInt(v, bin, oid)
		if ok {
			typ := map[uint32]string{pgInt2: "int16", pgInt4: "int32", pgInt8: "int64"}[oid]
			return pgCell{expr: typ + "(" + strconv.FormatInt(n, 10) + ")"}, nil
		}
	case pgText, pgVarchar, pgBpchar, pgName, pgChar:
		return pgCell{expr: GoString(string(v))}, nil
	case pgBytea:
		if bin {
			return pgCell{expr: GoBytes(v)}, nil
		}
		if b, ok := pgByteaText(v); ok {
			return pgCell{expr: GoBytes(b)}, nil
		}
	case pgFloat4, pgFloat8:
		bits := 64
		if oid == pgFloat4 {
			bits = 32
		}
		if f, ok := pgFloat(v, bin, bits); ok {
			return pgFloatGo(f, bits), nil
		}
	case pgNumeric:
		s, ok := string(v), !bin
		if bin {
			s, ok = pgwire.NumericText(v)
		}
		if ok && pgwire.ValidNumeric(s) {
			return pgCell{expr: "bfpg.Numeric(" + strconv.Quote(s) + ")"}, nil
		}
	case pgUUID:
		if u, ok := pgUUIDText(v, bin); ok {
			return pgCell{expr: "bfpg.MustUUID(" + strconv.Quote(u) + ")"}, nil
		}
	case pgDate:
		if t, ok := pgTime(v, bin, oid); ok {
			return pgCell{expr: "bfpg.Date(time.Date(" + strconv.Itoa(t.Year()) + ", " + strconv.Itoa(int(t.Month())) + ", " + strconv.Itoa(t.Day()) + ", 0, 0, 0, 0, time.UTC))",
				imports: []string{"time"}}, nil
		}
	case pgTimestamp:
		if t, ok := pgTime(v, bin, oid); ok {
			return pgCell{expr: "bfpg.Timestamp(" + pgTimeGo(t) + ")", imports: []string{"time"}}, nil
		}
	case pgTimestamptz:
		if t, ok := pgTime(v, bin, oid); ok {
			return pgCell{expr: pgTimeGo(t), imports: []string{"time"}}, nil
		}
	case pgJSON:
		return pgCell{expr: "bfpg.JSON(" + GoString(string(v)) + ")"}, nil
	case pgJSONB:
		if bin {
			if len(v) == 0 || v[0] != 1 {
				break
			}
			v = v[1:]
		}
		return pgCell{expr: "bfpg.JSONB(" + GoString(string(v)) + ")"}, nil
	default:
		if arr, ok := pgArrays[oid]; ok {
			return pgArrayGo(v, bin, arr.elem, arr.slice)
		}
		return pgCell{}, errors.New(pgTypeName(oid) + " is not a type bfpg can send (bool, bytea, int2/4/8, float4/8, numeric, text, varchar, uuid, date, timestamp, timestamptz, json, jsonb, and arrays of bool, int2/4/8, text, float8, uuid); cast it in the query, e.g. x::text")
	}
	return pgCell{}, errPGValue(oid, format, v)
}

func pgInt(v []byte, bin bool, oid uint32) (int64, bool) {
	if !bin {
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	}
	return pgwire.Int(v, oid)
}

func pgFloat(v []byte, bin bool, bits int) (float64, bool) {
	if !bin {
		switch string(v) {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		f, err := strconv.ParseFloat(string(v), bits)
		return f, err == nil
	}
	return pgwire.Float(v, bits)
}

func pgFloatGo(f float64, bits int) pgCell {
	typ := "float64"
	if bits == 32 {
		typ = "float32"
	}
	switch {
	case math.IsNaN(f):
		return pgCell{expr: typ + "(math.NaN())", imports: []string{"math"}}
	case math.IsInf(f, 1):
		return pgCell{expr: typ + "(math.Inf(1))", imports: []string{"math"}}
	case math.IsInf(f, -1):
		return pgCell{expr: typ + "(math.Inf(-1))", imports: []string{"math"}}
	}
	return pgCell{expr: typ + "(" + strconv.FormatFloat(f, 'g', -1, bits) + ")"}
}

// pgByteaText reads bytea's hex text form, \x0001fe.
func pgByteaText(v []byte) ([]byte, bool) {
	if !bytes.HasPrefix(v, []byte(`\x`)) {
		return nil, false // the escape form: bytea_output = escape
	}
	b, err := hex.DecodeString(string(v[2:]))
	return b, err == nil
}

func pgUUIDText(v []byte, bin bool) (string, bool) {
	var u []byte
	if bin {
		if len(v) != 16 {
			return "", false
		}
		u = v
	} else {
		h := strings.ReplaceAll(strings.Trim(string(v), "{}"), "-", "")
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 16 {
			return "", false
		}
		u = b
	}
	return pgwire.FormatUUID(u), true
}

// pgTime reads a date, timestamp or timestamptz (text in the ISO
// DateStyle, or binary), as UTC.
func pgTime(v []byte, bin bool, oid uint32) (time.Time, bool) {
	if bin {
		if oid == pgDate {
			return pgwire.Date(v)
		}
		return pgwire.Timestamp(v)
	}
	s := string(v)
	layouts := []string{"2006-01-02 15:04:05.999999999"}
	switch oid {
	case pgDate:
		layouts = []string{"2006-01-02"}
	case pgTimestamptz:
		layouts = []string{"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07:00:00"}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func pgTimeGo(t time.Time) string {
	t = t.UTC()
	return "time.Date(" + strconv.Itoa(t.Year()) + ", " + strconv.Itoa(int(t.Month())) + ", " + strconv.Itoa(t.Day()) + ", " +
		strconv.Itoa(t.Hour()) + ", " + strconv.Itoa(t.Minute()) + ", " + strconv.Itoa(t.Second()) + ", " + strconv.Itoa(t.Nanosecond()) + ", time.UTC)"
}

// pgArrayGo renders a one-dimensional array without NULLs as the Go
// slice bfpg sends as that array type.
func pgArrayGo(v []byte, bin bool, elem uint32, slice string) (pgCell, error) {
	var items [][]byte
	var err error
	if bin {
		items, err = pgArrayBinary(v, elem)
	} else {
		items, err = pgArrayText(v)
	}
	if err != nil {
		return pgCell{}, err
	}
	var b strings.Builder
	var imports []string
	b.WriteString(slice + "{")
	for i, it := range items {
		if it == nil {
			return pgCell{}, errors.New("an array with a NULL element: bfpg's arrays are Go slices, which hold none")
		}
		f := int16(0)
		if bin {
			f = 1
		}
		c, err := pgValueGo(elem, f, it)
		if err != nil {
			return pgCell{}, err
		}
		expr := c.expr
		if elem == pgText || elem == pgVarchar {
			expr = strconv.Quote(string(it))
		} else if p := strings.IndexByte(expr, '('); p > 0 && elem != pgUUID && !strings.Contains(expr, "math.") {
			expr = expr[p+1 : len(expr)-1] // int32(1) is 1 inside []int32{...}
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(expr)
		imports = append(imports, c.imports...)
	}
	b.WriteString("}")
	return pgCell{expr: b.String(), imports: imports}, nil
}

func pgArrayBinary(v []byte, elem uint32) ([][]byte, error) {
	r := &pgReader{b: v}
	ndim, _, eoid := r.int32(), r.int32(), uint32(r.int32())
	if r.bad {
		return nil, errors.New("a binary array ends before its header does")
	}
	if ndim == 0 {
		return [][]byte{}, nil
	}
	if ndim != 1 {
		return nil, errors.New("an array of " + strconv.Itoa(int(ndim)) + " dimensions: bfpg sends one-dimensional arrays")
	}
	if eoid != elem {
		return nil, errors.New("an array of type OID " + strconv.FormatUint(uint64(eoid), 10) + " elements")
	}
	n, _ := r.int32(), r.int32()
	if r.bad || n < 0 || int(n) > len(r.b)/4 {
		return nil, errors.New("a binary array ends before its elements do")
	}
	items := make([][]byte, 0, n)
	for i := 0; i < int(n); i++ {
		l := r.int32()
		if r.bad {
			return nil, errors.New("a binary array ends before its elements do")
		}
		if l < 0 {
			items = append(items, nil)
			continue
		}
		if int(l) > len(r.b) {
			return nil, errors.New("a binary array ends before its elements do")
		}
		items = append(items, r.b[:l:l])
		r.b = r.b[l:]
	}
	return items, nil
}

// pgArrayText reads the text form of a one-dimensional array: {a,"b c",NULL}.
func pgArrayText(v []byte) ([][]byte, error) {
	s := string(v)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, errors.New("the array text " + strconv.Quote(s) + " is not {...}: bfpg sends one-dimensional arrays with the default bounds")
	}
	s = s[1 : len(s)-1]
	items := [][]byte{}
	if s == "" {
		return items, nil
	}
	for i := 0; i <= len(s); {
		var item []byte
		quoted := false
		if i < len(s) && s[i] == '"' {
			quoted = true
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				item = append(item, s[i])
				i++
			}
			if i >= len(s) {
				return nil, errors.New("an array element's quotes are not closed")
			}
			i++
		} else {
			for i < len(s) && s[i] != ',' {
				if s[i] == '{' {
					return nil, errors.New("an array of several dimensions: bfpg sends one-dimensional arrays")
				}
				item = append(item, s[i])
				i++
			}
		}
		if !quoted && strings.EqualFold(string(item), "NULL") {
			item = nil
		} else if item == nil {
			item = []byte{}
		}
		items = append(items, item)
		if i < len(s) && s[i] != ',' {
			return nil, errors.New("an array element has text after its closing quote")
		}
		i++
	}
	return items, nil
}

// args decodes a Bind's parameters into the values AssertQuery compares
// with what bfpg records for them under replay, where the client,
// told no parameter types, sends each as text: a text parameter as its
// text (a canonical integer as the integer, which matches its text), a
// binary one by the type the server described.
func (d *pgConnDecoder) args(p *pgPrepared, fmts []int16, params [][]byte) []Field {
	names := pgParamColumns(p.query)
	out := make([]Field, len(params))
	for i, v := range params {
		f := int16(0)
		switch {
		case len(fmts) == 1:
			f = fmts[0]
		case i < len(fmts):
			f = fmts[i]
		}
		oid := uint32(0)
		if i < len(p.oids) {
			oid = p.oids[i]
		}
		raw, expr := pgArg(v, f, oid)
		field := Field{Name: "arg " + strconv.Itoa(i+1), Raw: raw, Go: expr, Matchable: true}
		if col := names[i+1]; col != "" && d.opts.IsRedacted(col) {
			field = Field{Name: field.Name + " (" + col + ")", Matchable: true, Secret: true, Go: "bigfoot.Any()"}
		}
		out[i] = field
	}
	return out
}

// pgArg renders one parameter: its text form (Raw) and the Go value the
// assertion names.
func pgArg(v []byte, format int16, oid uint32) (raw, expr string) {
	if v == nil {
		return "NULL", "nil"
	}
	if format == 0 {
		// The text as the value of the type the server described, which
		// AssertQuery compares with whatever text the client sends for
		// it under replay (where it knows no type: lib/pq then sends a
		// bytea's bytes as they are, not as \x hex).
		s := string(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
			return s, s
		}
		switch oid {
		case pgBool:
			switch strings.ToLower(s) {
			case "t", "true":
				return s, "true"
			case "f", "false":
				return s, "false"
			}
		case pgBytea:
			if b, ok := pgByteaText(v); ok {
				return s, GoBytes(b)
			}
		case pgFloat4, pgFloat8:
			bits := 64
			if oid == pgFloat4 {
				bits = 32
			}
			if f, ok := pgFloat(v, false, bits); ok {
				return s, pgFloatGo(f, bits).expr
			}
		case pgTimestamptz:
			for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07"} {
				if t, err := time.Parse(l, s); err == nil {
					return s, pgTimeGo(t)
				}
			}
		}
		return s, GoString(s)
	}
	switch oid {
	case pgInt2, pgInt4, pgInt8:
		if n, ok := pgInt(v, true, oid); ok {
			s := strconv.FormatInt(n, 10)
			return s, s
		}
	case pgBool:
		if len(v) == 1 {
			s := strconv.FormatBool(v[0] != 0)
			return s, s
		}
	case pgFloat4, pgFloat8:
		bits := 64
		if oid == pgFloat4 {
			bits = 32
		}
		if f, ok := pgFloat(v, true, bits); ok {
			return strconv.FormatFloat(f, 'g', -1, bits), pgFloatGo(f, bits).expr
		}
	case pgText, pgVarchar, pgBpchar, pgName, pgJSON:
		return string(v), GoString(string(v))
	case pgJSONB:
		if len(v) > 0 && v[0] == 1 {
			return string(v[1:]), GoString(string(v[1:]))
		}
	case pgBytea:
		return `\x` + hex.EncodeToString(v), GoBytes(v)
	case pgUUID:
		if u, ok := pgUUIDText(v, true); ok {
			return u, "bfpg.MustUUID(" + strconv.Quote(u) + ")"
		}
	case pgNumeric:
		if s, ok := pgwire.NumericText(v); ok {
			return s, GoString(s)
		}
	case pgTimestamp, pgTimestamptz:
		if t, ok := pgTime(v, true, oid); ok {
			return t.Format("2006-01-02 15:04:05.999999Z07:00"), pgTimeGo(t)
		}
	case pgDate:
		// The code sent a time.Time, of which the date is all the server
		// kept: under replay the client sends the whole time as text.
		if t, ok := pgTime(v, true, oid); ok {
			s := t.Format("2006-01-02")
			return s, "bigfoot.HasPrefix(" + strconv.Quote(s) + ")"
		}
	default:
		if arr, ok := pgArrays[oid]; ok {
			// Under replay pgx sends an array of unknown type in its text
			// form, which AssertQuery compares as text.
			if items, err := pgArrayBinary(v, arr.elem); err == nil {
				if s, ok := pgArrayTextOf(items, arr.elem); ok {
					return s, GoString(s)
				}
			}
		}
	}
	return `\x` + hex.EncodeToString(v), GoBytes(v)
}

// pgArrayTextOf writes binary array elements in the text form pgx sends:
// an element is quoted when it is empty, NULL, or holds {},"\ or starts
// or ends with a space.
func pgArrayTextOf(items [][]byte, elem uint32) (string, bool) {
	var b strings.Builder
	b.WriteByte('{')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		if it == nil {
			b.WriteString("NULL")
			continue
		}
		s, _ := pgArg(it, 1, elem)
		if elem == pgText || elem == pgVarchar {
			s = string(it)
			if s == "" || strings.EqualFold(s, "null") || s[0] == ' ' || s[len(s)-1] == ' ' || strings.ContainsAny(s, `{},"\`) {
				s = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
			}
		}
		b.WriteString(s)
	}
	b.WriteByte('}')
	return b.String(), true
}

var (
	pgAssignRe = regexp.MustCompile(`(?i)"?([a-z_][a-z0-9_$]*)"?\s*(?:=|<>|!=|<=|>=|<|>|\bLIKE\b)\s*\$([0-9]+)\b`)
	pgInsertRe = regexp.MustCompile(`(?is)\bINSERT\s+INTO\s+[^(]+\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)`)
)

// pgParamColumns guesses which column each $n of a statement stands
// for (col = $n, INSERT INTO t (a, b) VALUES ($1, $2)), so that the
// parameters of redacted columns (a password) are kept out of the code.
func pgParamColumns(q string) map[int]string {
	out := map[int]string{}
	for _, m := range pgAssignRe.FindAllStringSubmatch(q, -1) {
		if n, err := strconv.Atoi(m[2]); err == nil {
			out[n] = strings.ToLower(m[1])
		}
	}
	if m := pgInsertRe.FindStringSubmatch(q); m != nil {
		cols, vals := strings.Split(m[1], ","), strings.Split(m[2], ",")
		for i := 0; i < len(cols) && i < len(vals); i++ {
			v := strings.TrimSpace(vals[i])
			if strings.HasPrefix(v, "$") {
				if n, err := strconv.Atoi(v[1:]); err == nil {
					out[n] = strings.ToLower(strings.Trim(strings.TrimSpace(cols[i]), `"`))
				}
			}
		}
	}
	return out
}
