package bfpg

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// The wire protocol, version 3.0: what the server reads from a client and
// the messages it writes back. Reading is kept apart from serving so that
// the decoder can be fuzzed on its own (FuzzDecode).

// Codes a client sends in place of a protocol version in its first message.
const (
	protocol3   = 196608   // 3.0
	sslRequest  = 80877103 // asks for TLS
	gssRequest  = 80877104 // asks for GSS encryption
	cancelCode  = 80877102 // cancels a query on another connection
	maxMsgBytes = 1 << 30  // the server refuses larger messages, as Postgres does
)

// ProtocolError is what the server answers to bytes that are not the
// Postgres protocol (a length out of range, a truncated field): the
// connection is closed after an ErrorResponse, as Postgres closes it.
type ProtocolError struct {
	Message string // the message type, e.g. "Bind"
	Reason  string
}

// Error describes the failure: what happened and where.
func (e *ProtocolError) Error() string {
	return "bigfoot: pg protocol violation in " + e.Message + ": " + e.Reason
}

// startup is a client's first message: a protocol version and its
// parameters, or one of the request codes.
type startup struct {
	code   uint32
	params map[string]string
	order  []string // parameter names in the order sent
	pid    uint32   // CancelRequest
	secret uint32
}

// decodeStartup decodes the body of a first message (after its length).
func decodeStartup(body []byte) (*startup, error) {
	if len(body) < 4 {
		return nil, &ProtocolError{Message: "StartupMessage", Reason: "shorter than its protocol version"}
	}
	s := &startup{code: binary.BigEndian.Uint32(body)}
	r := reader{b: body[4:], msg: "StartupMessage"}
	switch s.code {
	case sslRequest, gssRequest:
		return s, nil
	case cancelCode:
		s.pid, s.secret = uint32(r.int32()), uint32(r.int32())
		return s, r.err
	}
	if s.code>>16 != 3 {
		return nil, &ProtocolError{Message: "StartupMessage", Reason: "protocol version " +
			strconv.Itoa(int(s.code>>16)) + "." + strconv.Itoa(int(s.code&0xffff)) + " is not 3.x"}
	}
	s.params = map[string]string{}
	for r.err == nil {
		name := r.cstring()
		if name == "" || r.err != nil {
			break
		}
		s.params[name] = r.cstring()
		s.order = append(s.order, name)
	}
	return s, r.err
}

// frontend is one message of a client after startup.
type frontend struct {
	typ byte
	// Query, Parse: the statement text; Parse, Describe, Close: the
	// statement or portal name; Bind: the portal.
	name, query string
	stmt        string   // Bind: the statement
	oids        []uint32 // Parse: parameter types
	kind        byte     // Describe, Close: 'S' or 'P'
	paramFmts   []int16  // Bind
	params      [][]byte // Bind; nil is NULL
	resultFmts  []int16  // Bind
	maxRows     int32    // Execute
	data        []byte   // CopyData, password and SASL messages: the body
}

// messageNames names the frontend messages, for errors.
var messageNames = map[byte]string{'Q': "Query", 'P': "Parse", 'B': "Bind", 'D': "Describe", 'E': "Execute",
	'S': "Sync", 'H': "Flush", 'C': "Close", 'X': "Terminate", 'p': "PasswordMessage", 'd': "CopyData",
	'c': "CopyDone", 'f': "CopyFail", 'F': "FunctionCall"}

// decodeFrontend decodes one message of type typ with body (after its length).
func decodeFrontend(typ byte, body []byte) (*frontend, error) {
	m := &frontend{}
	if err := m.decode(typ, body); err != nil {
		return nil, err
	}
	return m, nil
}

// decode decodes one message into m, reusing its slices. Byte fields
// point into body, which the caller keeps unchanged.
func (m *frontend) decode(typ byte, body []byte) error {
	name := messageNames[typ]
	if name == "" {
		return &ProtocolError{Message: "message " + strconv.QuoteRune(rune(typ)), Reason: "not a frontend message type"}
	}
	*m = frontend{typ: typ, oids: m.oids[:0], paramFmts: m.paramFmts[:0], params: m.params[:0], resultFmts: m.resultFmts[:0]}
	r := reader{b: body, msg: name}
	switch typ {
	case 'Q':
		m.query = r.cstring()
	case 'P':
		m.name, m.query = r.cstring(), r.cstring()
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			m.oids = append(m.oids, uint32(r.int32()))
		}
	case 'B':
		m.name, m.stmt = r.cstring(), r.cstring()
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			m.paramFmts = append(m.paramFmts, r.int16())
		}
		n = r.count()
		for i := 0; i < n && r.err == nil; i++ {
			l := r.int32()
			if l < 0 {
				m.params = append(m.params, nil)
				continue
			}
			m.params = append(m.params, r.bytes(int(l)))
		}
		n = r.count()
		for i := 0; i < n && r.err == nil; i++ {
			m.resultFmts = append(m.resultFmts, r.int16())
		}
		if r.err == nil && len(m.paramFmts) > 1 && len(m.paramFmts) != len(m.params) {
			r.fail("it gives " + strconv.Itoa(len(m.paramFmts)) + " parameter format codes for " + strconv.Itoa(len(m.params)) + " parameters")
		}
	case 'D', 'C':
		m.kind = r.byte()
		m.name = r.cstring()
		if r.err == nil && m.kind != 'S' && m.kind != 'P' {
			r.fail("its kind is " + strconv.QuoteRune(rune(m.kind)) + ", not 'S' (statement) or 'P' (portal)")
		}
	case 'E':
		m.name = r.cstring()
		m.maxRows = r.int32()
	case 'p', 'd', 'f':
		m.data = append([]byte(nil), body...)
		r.b = nil
	}
	if r.err == nil && len(r.b) > 0 && typ != 'S' && typ != 'H' && typ != 'X' && typ != 'c' && typ != 'F' {
		r.fail(strconv.Itoa(len(r.b)) + " bytes follow its last field")
	}
	return r.err
}

// reader reads the fields of one message; the first error sticks. The
// bytes it returns point into the message.
type reader struct {
	b   []byte
	msg string
	err error
}

func (r *reader) fail(reason string) {
	if r.err == nil {
		r.err = &ProtocolError{Message: r.msg, Reason: reason}
	}
	r.b = nil
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b) < n {
		r.fail("the message ends inside a field")
		return false
	}
	return true
}

func (r *reader) byte() byte {
	if !r.need(1) {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) int16() int16 {
	if !r.need(2) {
		return 0
	}
	n := int16(binary.BigEndian.Uint16(r.b))
	r.b = r.b[2:]
	return n
}

// count reads an int16 count, refusing a negative one.
func (r *reader) count() int {
	n := int(r.int16())
	if n < 0 {
		r.fail("a count is negative")
		return 0
	}
	return n
}

func (r *reader) int32() int32 {
	if !r.need(4) {
		return 0
	}
	n := int32(binary.BigEndian.Uint32(r.b))
	r.b = r.b[4:]
	return n
}

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) cstring() string {
	if r.err != nil {
		return ""
	}
	for i, c := range r.b {
		if c == 0 {
			s := string(r.b[:i])
			r.b = r.b[i+1:]
			return s
		}
	}
	r.fail("a string has no terminating zero byte")
	return ""
}

// errShort says a buffer does not yet hold a whole message.
var errShort = errors.New("short")

// split cuts the next message off buf: the first message of a connection
// has no type byte. It returns errShort when buf holds less than a message.
func split(buf []byte, first bool) (typ byte, body, rest []byte, err error) {
	off := 1
	if first {
		off = 0
	}
	if len(buf) < off+4 {
		return 0, nil, buf, errShort
	}
	if !first {
		typ = buf[0]
	}
	n := int64(binary.BigEndian.Uint32(buf[off:]))
	if n < 4 || n > maxMsgBytes {
		name := messageNames[typ]
		if first {
			name = "StartupMessage"
		} else if name == "" {
			name = "message " + strconv.QuoteRune(rune(typ))
		}
		return 0, nil, nil, &ProtocolError{Message: name, Reason: "its length " + strconv.FormatInt(n, 10) + " is out of range"}
	}
	end := int64(off) + n
	if int64(len(buf)) < end {
		return 0, nil, buf, errShort
	}
	return typ, buf[off+4 : end], buf[end:], nil
}

// Backend messages are appended to a buffer with these helpers.

// msg starts a message of type typ; finish fills in its length.
func msg(b []byte, typ byte) ([]byte, int) {
	b = append(b, typ, 0, 0, 0, 0)
	return b, len(b) - 4
}

func finish(b []byte, at int) []byte {
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at))
	return b
}

func appendInt16(b []byte, n int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(n)) }
func appendInt32(b []byte, n int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(n)) }
func appendCString(b []byte, s string) []byte {
	return append(append(b, s...), 0)
}

// simple appends a message whose body is body.
func simple(b []byte, typ byte, body ...byte) []byte {
	b, at := msg(b, typ)
	b = append(b, body...)
	return finish(b, at)
}

func appendAuth(b []byte, code int32, data []byte) []byte {
	b, at := msg(b, 'R')
	b = appendInt32(b, code)
	b = append(b, data...)
	return finish(b, at)
}

func appendParameterStatus(b []byte, name, value string) []byte {
	b, at := msg(b, 'S')
	b = appendCString(appendCString(b, name), value)
	return finish(b, at)
}

func appendReady(b []byte, status byte) []byte { return simple(b, 'Z', status) }

func appendCommandComplete(b []byte, tag string) []byte {
	b, at := msg(b, 'C')
	b = appendCString(b, tag)
	return finish(b, at)
}

// appendError appends an ErrorResponse (or, with typ 'N', a NoticeResponse).
func appendError(b []byte, typ byte, e *Error) []byte {
	b, at := msg(b, typ)
	sev := e.Severity
	if sev == "" {
		sev = "ERROR"
	}
	code := e.Code
	if code == "" {
		code = "XX000"
	}
	field := func(c byte, v string) {
		if v != "" {
			b = appendCString(append(b, c), v)
		}
	}
	field('S', sev)
	field('V', sev)
	field('C', code)
	field('M', e.Message)
	field('D', e.Detail)
	field('H', e.Hint)
	field('s', e.Schema)
	field('t', e.Table)
	field('c', e.Column)
	field('n', e.Constraint)
	b = append(b, 0)
	return finish(b, at)
}
