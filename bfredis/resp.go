package bfredis

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits of the command decoder, those of a real Redis server: a client
// that claims more is answered with a protocol error, never with an
// allocation of the size it claims.
const (
	maxInline   = 64 << 10  // an inline command line (PROTO_INLINE_MAX_SIZE)
	maxArgs     = 1 << 20   // elements of one command array
	maxBulk     = 512 << 20 // bytes of one argument (proto-max-bulk-len)
	maxReplyLen = 64        // bytes of one argument shown in a message
)

// ProtocolError is reported when a client sends bytes that are not a
// Redis command. The connection answers with Redis's own
// "-ERR Protocol error: ..." reply and closes, as a server does.
type ProtocolError struct {
	Reason string // as Redis words it, e.g. "invalid bulk length"
	Offset int    // where in the bytes received the problem is
	Near   string // the bytes there, quoted and bounded
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ProtocolError) Error() string {
	return "bigfoot: redis protocol error: " + e.Reason + " at byte " + strconv.Itoa(e.Offset) + " near " + e.Near +
		"\n  a client sends each command as an array of bulk strings (*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n) or as an inline line" +
		"\nfix:\n\t// give the code a Redis client (go-redis, redigo, rueidis) over the plugin's dialer, not hand-written bytes"
}

func protoErr(reason string, b []byte, at int) *ProtocolError {
	end := min(len(b), at+16)
	return &ProtocolError{Reason: reason, Offset: at, Near: strconv.Quote(string(b[at:end]))}
}

// parseCommand decodes the first command in b. It returns the command's
// arguments and how many bytes it took; n is 0 when b holds no whole
// command yet. An empty command (an empty inline line, "*0") takes its
// bytes and returns no arguments, as Redis skips it.
func parseCommand(b []byte) (args []string, n int, err error) {
	if len(b) == 0 {
		return nil, 0, nil
	}
	if b[0] != '*' {
		return parseInline(b)
	}
	count, pos, ok, err := readInt(b, 1, maxArgs, "invalid multibulk length")
	if err != nil || !ok {
		return nil, 0, err
	}
	if count <= 0 {
		return nil, pos, nil
	}
	args = make([]string, 0, min(count, 64)) // grows with data that arrived, not with the claim
	for range count {
		if pos >= len(b) {
			return nil, 0, nil
		}
		if b[pos] != '$' {
			return nil, 0, protoErr("expected '$', got '"+string(b[pos])+"'", b, pos)
		}
		size, next, ok, err := readInt(b, pos+1, maxBulk, "invalid bulk length")
		if err != nil || !ok {
			return nil, 0, err
		}
		if size < 0 {
			return nil, 0, protoErr("invalid bulk length", b, pos)
		}
		if len(b)-next < size+2 {
			return nil, 0, nil
		}
		if b[next+size] != '\r' || b[next+size+1] != '\n' {
			return nil, 0, protoErr("bulk string not followed by CRLF", b, next+size)
		}
		args = append(args, string(b[next:next+size]))
		pos = next + size + 2
	}
	return args, pos, nil
}

// readInt reads a decimal integer line starting at b[at], ended by CRLF,
// no larger than limit. ok is false when the line is not complete yet.
func readInt(b []byte, at, limit int, reason string) (v, next int, ok bool, err error) {
	end := bytes.IndexByte(b[at:], '\r')
	if end < 0 {
		if len(b)-at > 32 {
			return 0, 0, false, protoErr(reason, b, at)
		}
		return 0, 0, false, nil
	}
	end += at
	if end+1 >= len(b) {
		return 0, 0, false, nil
	}
	if b[end+1] != '\n' {
		return 0, 0, false, protoErr(reason, b, at)
	}
	n, perr := strconv.ParseInt(string(b[at:end]), 10, 64)
	if perr != nil || n > int64(limit) || n < -1 {
		return 0, 0, false, protoErr(reason, b, at)
	}
	return int(n), end + 2, true, nil
}

// parseInline decodes an inline command: words separated by spaces, as
// redis-cli and telnet users type them (quotes as in Redis's sdssplitargs
// are not supported: clients send arrays).
func parseInline(b []byte) ([]string, int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > maxInline {
			return nil, 0, protoErr("too big inline request", b, 0)
		}
		return nil, 0, nil
	}
	if nl > maxInline {
		return nil, 0, protoErr("too big inline request", b, 0)
	}
	args := strings.Fields(strings.TrimSuffix(string(b[:nl]), "\r"))
	if len(args) == 0 {
		return nil, nl + 1, nil
	}
	return args, nl + 1, nil
}

// encodeCommand is the client side of the protocol, for tests and the fuzz
// target: the array of bulk strings every client sends.
func encodeCommand(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// writer appends replies in the connection's protocol version.
type writer struct {
	b     []byte
	resp3 bool
}

func (w *writer) line(prefix byte, s string) {
	w.b = append(w.b, prefix)
	w.b = append(w.b, s...)
	w.b = append(w.b, '\r', '\n')
}

func (w *writer) header(prefix byte, n int) {
	w.b = append(w.b, prefix)
	w.b = strconv.AppendInt(w.b, int64(n), 10)
	w.b = append(w.b, '\r', '\n')
}

func (w *writer) bulk(s string) {
	w.header('$', len(s))
	w.b = append(w.b, s...)
	w.b = append(w.b, '\r', '\n')
}

func (w *writer) status(s string) { w.line('+', oneLine(s)) }

func (w *writer) errorReply(s string) { w.line('-', oneLine(s)) }

func (w *writer) null() {
	if w.resp3 {
		w.b = append(w.b, '_', '\r', '\n')
		return
	}
	w.b = append(w.b, "$-1\r\n"...)
}

func (w *writer) integer(n int64) {
	w.b = append(w.b, ':')
	w.b = strconv.AppendInt(w.b, n, 10)
	w.b = append(w.b, '\r', '\n')
}

// push writes a pub/sub message: a push in RESP3, an array in RESP2.
func (w *writer) push(items ...any) {
	if w.resp3 {
		w.header('>', len(items))
	} else {
		w.header('*', len(items))
	}
	for _, x := range items {
		w.value(x)
	}
}

// value writes a reply value that validReply accepted.
func (w *writer) value(x any) {
	switch t := x.(type) {
	case nil:
		w.null()
	case string:
		w.bulk(t)
	case []byte:
		w.bulk(string(t))
	case Status:
		w.status(string(t))
	case Error:
		w.errorReply(string(t))
	case int:
		w.integer(int64(t))
	case int64:
		w.integer(t)
	case float64:
		if w.resp3 {
			w.line(',', formatDouble(t))
		} else {
			w.bulk(formatDouble(t))
		}
	case bool:
		switch {
		case w.resp3 && t:
			w.line('#', "t")
		case w.resp3:
			w.line('#', "f")
		case t:
			w.integer(1)
		default:
			w.integer(0)
		}
	case []string:
		w.header('*', len(t))
		for _, s := range t {
			w.bulk(s)
		}
	case []any:
		w.header('*', len(t))
		for _, e := range t {
			w.value(e)
		}
	case Set:
		if w.resp3 {
			w.header('~', len(t))
		} else {
			w.header('*', len(t))
		}
		for _, e := range t {
			w.value(e)
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if w.resp3 {
			w.header('%', len(t))
		} else {
			w.header('*', 2*len(t))
		}
		for _, k := range keys {
			w.bulk(k)
			w.value(t[k])
		}
	case nilArray:
		if w.resp3 {
			w.null()
		} else {
			w.b = append(w.b, "*-1\r\n"...)
		}
	}
}

func formatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// oneLine makes s fit a simple string or error line: CR and LF become spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}
