package bfpg

import (
	"crypto/md5"
	"encoding/hex"
	"github.com/bigfoot-go/bigfoot/pgwire"
	"slices"
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
)

// server is the Postgres server on one connection. Its methods run inside
// the client's Writes, which conn serializes: no lock of its own.
type server struct {
	p      *Plugin
	c      *conn
	number int // 1-based, in the order the plugin's connections started up; 0 before

	in      []byte // bytes written, not yet a whole message
	first   bool   // the next message is a startup message (no type byte)
	phase   phase
	out     []byte // answers of the current Write
	user    string
	db      string
	scram   *scramServer
	salt    [4]byte // md5
	stmts   map[string]*prepared
	portals map[string]*portal
	skip    bool     // an error in the extended protocol: messages are discarded until Sync
	m       frontend // the message being answered, reused
	tx      byte     // 'I' idle, 'T' in a transaction, 'E' in a failed one
	copy    *copyIn
}

type phase int

const (
	phaseStartup phase = iota
	phaseAuth
	phaseReady
	phaseCopy
	phaseClosed
)

// prepared is a statement of Parse.
type prepared struct {
	query   string
	oids    []uint32 // parameter types, as many as the statement has parameters
	columns []uint32 // the column types its Describe sent, nil before one
	desc    bool
}

// portal is a statement bound to its parameters.
type portal struct {
	st   *prepared
	fmts []int16 // result formats
	ans  *answer
	row  int // rows already sent (Execute with a row limit)
	done bool
}

// answer is what the server will send for one execution.
type answer struct {
	sc    *scripted // nil for a statement the server answers itself
	tag   string    // the command tag of a statement the server answers itself
	empty bool      // an empty statement (lib/pq's Ping sends ";"): EmptyQueryResponse
}

func newServer(p *Plugin) *server {
	return &server{p: p, first: true, tx: 'I',
		stmts: map[string]*prepared{}, portals: map[string]*portal{}}
}

// feed takes bytes the client wrote and answers each whole message.
func (s *server) feed(b []byte) {
	s.in = append(s.in, b...)
	for s.phase != phaseClosed {
		typ, body, rest, err := split(s.in, s.first)
		if err == errShort {
			break
		}
		if err != nil {
			s.fatal(&Error{Severity: "FATAL", Code: "08P01", Message: err.Error()})
			break
		}
		s.in = rest
		if s.first {
			s.startup(body)
		} else {
			s.message(typ, body)
		}
	}
	if len(s.in) == 0 {
		s.in = nil
	}
	s.c.send(s.out)
	s.out = s.out[:0] // send copied it
	if s.phase == phaseClosed {
		s.c.hangUp()
	}
}

// fatal sends a FATAL error and closes the connection, as Postgres does.
func (s *server) fatal(e *Error) {
	e.Severity = "FATAL"
	s.out = appendError(s.out, 'E', e)
	s.phase = phaseClosed
}

func (s *server) startup(body []byte) {
	st, err := decodeStartup(body)
	if err != nil {
		s.fatal(&Error{Code: "08P01", Message: err.Error()})
		return
	}
	switch st.code {
	case sslRequest, gssRequest:
		s.out = append(s.out, 'N') // no TLS: the client goes on in the clear, or gives up (sslmode=require)
		return
	case cancelCode:
		s.phase = phaseClosed // a cancel request gets no answer; nothing runs long enough to cancel
		return
	}
	s.first = false
	s.number = s.p.nextSession()
	s.user, s.db = st.params["user"], st.params["database"]
	if s.user == "" {
		s.fatal(&Error{Code: "28000", Message: "no PostgreSQL user name specified in startup packet"})
		return
	}
	if s.db == "" {
		s.db = s.user
	}
	if err := s.p.guardCall("connect", "as", loginText{s.user, s.db}); err != nil {
		s.fatal(&Error{Code: "08004", Message: firstLine(err), Hint: fixOf(err)})
		return
	}
	method, password := s.p.auth()
	s.phase = phaseAuth
	switch method {
	case Trust:
		s.authenticated()
	case Cleartext:
		s.out = appendAuth(s.out, 3, nil)
	case MD5:
		randomBytes(s.salt[:])
		s.out = appendAuth(s.out, 5, s.salt[:])
	case SCRAM:
		s.scram = &scramServer{password: password}
		s.out = appendAuth(s.out, 10, []byte("SCRAM-SHA-256\x00\x00"))
	}
}

// password answers a PasswordMessage, SASLInitialResponse or SASLResponse.
func (s *server) password(data []byte) {
	method, want := s.p.auth()
	switch method {
	case Cleartext, MD5:
		got := strings.TrimSuffix(string(data), "\x00")
		if want == "" {
			s.authenticated()
			return
		}
		ok := got == want
		if method == MD5 {
			inner := md5.Sum([]byte(want + s.user))
			outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), s.salt[:]...))
			ok = got == "md5"+hex.EncodeToString(outer[:])
		}
		if !ok {
			s.authFailed(method.String() + " password does not match the one the test named")
			return
		}
		s.authenticated()
	case SCRAM:
		reply, done, err := s.scram.step(data)
		if err != nil {
			s.authFailed(err.Error())
			return
		}
		if done {
			s.out = appendAuth(s.out, 12, reply)
			s.authenticated()
			return
		}
		s.out = appendAuth(s.out, 11, reply)
	default:
		s.fatal(&Error{Code: "08P01", Message: "unexpected password message: authentication is not in progress"})
	}
}

func (s *server) authFailed(why string) {
	err := &AuthError{User: s.user, Database: s.db, Reason: why}
	s.p.v.Report(err)
	s.fatal(&Error{Code: "28P01", Message: "password authentication failed for user " + strconv.Quote(s.user), Detail: why})
}

// authenticated ends the handshake and records the connection.
func (s *server) authenticated() {
	s.out = appendAuth(s.out, 0, nil)
	for _, ps := range [...][2]string{
		{"application_name", ""}, {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"},
		{"default_transaction_read_only", "off"}, {"in_hot_standby", "off"}, {"integer_datetimes", "on"},
		{"IntervalStyle", "postgres"}, {"is_superuser", "off"}, {"server_encoding", "UTF8"},
		{"server_version", ServerVersion}, {"session_authorization", s.user},
		{"standard_conforming_strings", "on"}, {"TimeZone", "UTC"},
	} {
		s.out = appendParameterStatus(s.out, ps[0], ps[1])
	}
	s.out, _ = msg(s.out, 'K')
	s.out = appendInt32(s.out, int32(10000+s.number))
	s.out = appendInt32(s.out, int32(s.number*7919))
	s.out = finish(s.out, len(s.out)-12)
	s.out = appendReady(s.out, 'I')
	s.phase = phaseReady
	s.p.v.Record(Connect, core.String(s.user), core.String(s.db))
}

// message answers one message after the startup.
func (s *server) message(typ byte, body []byte) {
	m := &s.m
	err := m.decode(typ, body)
	if err != nil {
		s.fatal(&Error{Code: "08P01", Message: err.Error()})
		return
	}
	switch s.phase {
	case phaseAuth:
		if typ == 'X' { // the client gave up (no password to give)
			s.phase = phaseClosed
			return
		}
		if typ != 'p' {
			s.fatal(&Error{Code: "08P01", Message: "expected a password message during authentication, got " + messageNames[typ]})
			return
		}
		s.password(m.data)
		return
	case phaseCopy:
		s.copyMessage(m)
		return
	}
	if typ == 'X' {
		s.phase = phaseClosed
		return
	}
	if err := s.p.guardCall(messageNames[typ], "on", s.c); err != nil {
		s.out = appendError(s.out, 'E', &Error{Code: "08004", Message: firstLine(err), Hint: fixOf(err)})
		switch typ {
		case 'Q', 'S': // the client waits for ReadyForQuery after these
			s.skip = false
			s.out = appendReady(s.out, s.tx)
		default:
			s.skip = true // the rest of this extended-protocol exchange is refused once
		}
		return
	}
	if s.skip && typ != 'S' {
		return
	}
	switch typ {
	case 'Q':
		s.simpleQuery(m.query)
	case 'P':
		s.parse(m)
	case 'B':
		s.bind(m)
	case 'D':
		s.describe(m)
	case 'E':
		s.execute(m)
	case 'S':
		s.skip = false
		s.portals[""] = nil
		delete(s.portals, "")
		s.out = appendReady(s.out, s.tx)
	case 'H':
	case 'C':
		if m.kind == 'S' {
			delete(s.stmts, m.name)
		} else {
			delete(s.portals, m.name)
		}
		s.out = simple(s.out, '3')
	case 'p':
		s.fail(&Error{Code: "08P01", Message: "unexpected password message: authentication is over"})
	default:
		s.fail(&Error{Code: "0A000", Message: messageNames[typ] + " is not supported by bigfoot's pg server"})
	}
}

// fail sends an error in the middle of a query: in the extended protocol
// the rest is discarded until Sync; in a transaction, the transaction fails.
func (s *server) fail(e *Error) {
	s.out = appendError(s.out, 'E', e)
	s.skip = true
	if s.tx == 'T' {
		s.tx = 'E'
	}
}

func (s *server) simpleQuery(q string) {
	defer func() {
		s.skip = false
		if s.phase == phaseReady { // COPY sends ReadyForQuery when the copy ends
			s.out = appendReady(s.out, s.tx)
		}
	}()
	if pgwire.IsCopyFrom(q) {
		s.startCopy(q)
		return
	}
	ans, e := s.run(q, nil, true)
	if e != nil {
		s.fail(e)
		return
	}
	s.send(ans)
}

func (s *server) parse(m *frontend) {
	if m.name != "" && s.stmts[m.name] != nil {
		s.fail(&Error{Code: "42P05", Message: "prepared statement " + strconv.Quote(m.name) + " already exists"})
		return
	}
	n := max(len(m.oids), pgwire.CountParams(m.query))
	oids := make([]uint32, n)
	copy(oids, m.oids)
	s.stmts[m.name] = &prepared{query: m.query, oids: oids}
	s.out = simple(s.out, '1')
}

func (s *server) describe(m *frontend) {
	if m.kind == 'S' {
		st := s.stmts[m.name]
		if st == nil {
			s.fail(&Error{Code: "26000", Message: "prepared statement " + strconv.Quote(m.name) + " does not exist"})
			return
		}
		s.out, _ = msg(s.out, 't')
		at := len(s.out) - 4
		s.out = appendInt16(s.out, int16(len(st.oids)))
		for _, o := range st.oids {
			s.out = appendInt32(s.out, int32(o))
		}
		s.out = finish(s.out, at)
		rs, e := s.p.shape(st.query, s)
		if e != nil {
			s.fail(e)
			return
		}
		st.desc = true
		if rs == nil {
			st.columns = nil
			s.out = simple(s.out, 'n')
			return
		}
		st.columns = rs.oids
		s.out = rs.appendDescription(s.out, nil)
		return
	}
	pt := s.portals[m.name]
	if pt == nil {
		s.fail(&Error{Code: "34000", Message: "portal " + strconv.Quote(m.name) + " does not exist"})
		return
	}
	if pt.ans.sc == nil || pt.ans.sc.rows == nil {
		s.out = simple(s.out, 'n')
		return
	}
	s.out = pt.ans.sc.rows.appendDescription(s.out, pt.fmts)
}

func (s *server) bind(m *frontend) {
	st := s.stmts[m.stmt]
	if st == nil {
		s.fail(&Error{Code: "26000", Message: "prepared statement " + strconv.Quote(m.stmt) + " does not exist"})
		return
	}
	if len(m.params) != len(st.oids) {
		s.fail(&Error{Code: "08P01", Message: "bind message supplies " + strconv.Itoa(len(m.params)) +
			" parameters, but prepared statement " + strconv.Quote(m.stmt) + " requires " + strconv.Itoa(len(st.oids))})
		return
	}
	args := make(Args, len(m.params))
	for i, p := range m.params {
		f := int16(0)
		switch {
		case len(m.paramFmts) == 1:
			f = m.paramFmts[0]
		case len(m.paramFmts) > 1:
			f = m.paramFmts[i]
		}
		args[i] = decodeParam(p, f, st.oids[i])
	}
	if len(m.params) == 0 {
		args = nil
	}
	ans, e := s.run(st.query, args, false)
	if e != nil {
		s.fail(e)
		return
	}
	if st.desc && ans.sc != nil {
		if e := ans.sc.sameColumns(st.columns); e != nil {
			s.p.v.Report(&ColumnsChangedError{Query: st.query, Described: st.columns, Scripted: ans.sc.columnOIDs(), Site: core.SiteOf(ans.sc.pc)})
			s.fail(e)
			return
		}
	}
	s.portals[m.name] = &portal{st: st, fmts: slices.Clone(m.resultFmts), ans: ans} // m is reused
	s.out = simple(s.out, '2')
}

func (s *server) execute(m *frontend) {
	pt := s.portals[m.name]
	if pt == nil {
		s.fail(&Error{Code: "34000", Message: "portal " + strconv.Quote(m.name) + " does not exist"})
		return
	}
	if pt.done {
		s.out = appendCommandComplete(s.out, pt.ans.commandTag(pt.row))
		return
	}
	s.sendPortal(pt, int(m.maxRows))
}

// send answers a whole execution of the simple protocol: rows in text.
func (s *server) send(ans *answer) {
	pt := &portal{ans: ans}
	if ans.sc != nil && ans.sc.rows != nil {
		s.out = ans.sc.rows.appendDescription(s.out, nil)
	}
	s.sendPortal(pt, 0)
}

// sendPortal sends the rows of a portal (at most limit when limit > 0)
// and its CommandComplete, or PortalSuspended when rows are left.
func (s *server) sendPortal(pt *portal, limit int) {
	if sc := pt.ans.sc; sc != nil && sc.rows != nil {
		rs := sc.rows
		for sent := 0; pt.row < len(rs.values); sent++ {
			if limit > 0 && sent == limit {
				s.out = simple(s.out, 's') // PortalSuspended: the client executes again for more
				return
			}
			s.out = rs.appendRow(s.out, pt.row, pt.fmts)
			pt.row++
		}
	}
	pt.done = true
	if pt.ans.empty {
		s.out = simple(s.out, 'I')
		return
	}
	s.out = appendCommandComplete(s.out, pt.ans.commandTag(pt.row))
}

// commandTag is the CommandComplete tag for an answer that sent n rows.
func (a *answer) commandTag(n int) string {
	if a.sc == nil {
		return a.tag
	}
	if a.sc.rows != nil {
		return "SELECT " + strconv.Itoa(n)
	}
	return commandTag(a.sc.query, a.sc.result)
}

// commandTag derives a statement's tag from its first word, as Postgres
// names them: "INSERT 0 1", "UPDATE 3", "CREATE TABLE".
func commandTag(query string, r bfsql.Result) string {
	words := strings.Fields(pgwire.StripComments(query))
	if len(words) == 0 {
		return ""
	}
	verb := strings.ToUpper(words[0])
	n := strconv.FormatInt(r.RowsAffected, 10)
	switch verb {
	case "INSERT":
		return "INSERT 0 " + n
	case "UPDATE", "DELETE", "SELECT", "MERGE", "FETCH", "MOVE", "COPY":
		return verb + " " + n
	case "WITH":
		for _, w := range words[1:] {
			switch u := strings.ToUpper(w); u {
			case "INSERT", "UPDATE", "DELETE", "MERGE":
				if u == "INSERT" {
					return "INSERT 0 " + n
				}
				return u + " " + n
			}
		}
		return "SELECT " + n
	case "CREATE", "DROP", "ALTER":
		// The object's kind, past the modifiers Postgres leaves out of the
		// tag: CREATE TEMP TABLE t ... is "CREATE TABLE".
		for _, w := range words[1:] {
			switch u := strings.ToUpper(w); u {
			case "OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "RECURSIVE", "TRUSTED", "PROCEDURAL", "CONSTRAINT":
				continue
			case "MATERIALIZED":
				return verb + " MATERIALIZED VIEW"
			default:
				return verb + " " + u
			}
		}
	}
	return verb
}

// run finds the answer to one statement: the server's own for
// transaction control, else the script's. The error is what the client
// gets; the test has been failed for it where it is bigfoot's.
func (s *server) run(q string, args Args, simpleProto bool) (*answer, *Error) {
	if pgwire.IsEmpty(q) {
		return &answer{empty: true}, nil
	}
	kind := pgwire.TxKind(q)
	if s.tx == 'E' && kind != pgwire.TxRollback && kind != pgwire.TxCommit {
		return nil, &Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}
	}
	switch kind {
	case pgwire.TxBegin:
		s.p.v.Record(Begin, core.String(q))
		if s.tx != 'I' {
			s.out = appendError(s.out, 'N', &Error{Severity: "WARNING", Code: "25001", Message: "there is already a transaction in progress"})
		}
		s.tx = 'T'
		return &answer{tag: "BEGIN"}, nil
	case pgwire.TxCommit:
		s.p.v.Record(Commit)
		tag := "COMMIT"
		if s.tx == 'E' {
			tag = "ROLLBACK" // a failed transaction cannot commit: pgx returns ErrTxCommitRollback
		}
		s.endTx()
		return &answer{tag: tag}, nil
	case pgwire.TxRollback:
		s.p.v.Record(Rollback)
		s.endTx()
		return &answer{tag: "ROLLBACK"}, nil
	}
	sc, e := s.p.take(s, q, args)
	if e != nil {
		return nil, e
	}
	return &answer{sc: sc}, nil
}

func (s *server) endTx() {
	if s.tx == 'I' {
		s.out = appendError(s.out, 'N', &Error{Severity: "WARNING", Code: "25P01", Message: "there is no transaction in progress"})
	}
	s.tx = 'I'
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// fixOf returns the fix of a bigfoot error's message, for the Hint field
// of the ErrorResponse the client gets.
func fixOf(err error) string {
	_, fix, ok := strings.Cut(err.Error(), "\nfix:\n\t")
	if !ok {
		return ""
	}
	return strings.ReplaceAll(fix, "\n\t", "\n")
}

// loginText describes a login for messages, rendered only when one is printed.
type loginText struct{ user, db string }

func (l loginText) String() string {
	return "user " + strconv.Quote(l.user) + " to database " + strconv.Quote(l.db)
}
