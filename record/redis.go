package record

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The Redis decoder turns a recorded connection that speaks RESP into the
// calls bfredis scripts and records: one per command the plugin would
// record (MULTI, EXEC and DISCARD included), with the reply the real
// server gave as the script's Reply, and one connect per identity
// (address, user, database), just before the first command sent as it,
// as bfredis records it. The handshake bfredis answers itself (HELLO,
// AUTH, SELECT, CLIENT SETINFO/SETNAME/..., READONLY, PING, COMMAND,
// CLUSTER ...) is neither scripted nor asserted; only the identity it
// sets is kept, so no AUTH argument ever reaches a Call.

func init() { Register(redisDecoder{}) }

const (
	bfredisImport = "github.com/bigfoot-go/bigfoot/bfredis"
	bigfootImport = "github.com/bigfoot-go/bigfoot"
	redisDepth    = 64 // nesting of a reply the decoder follows, as no real reply nests deeper
)

// redisDecoder is the Decoder of RESP connections.
type redisDecoder struct{}

func (redisDecoder) Name() string { return "redis" }

// Detect reports whether the first bytes c sent are a RESP array whose
// first element is a bulk string: "*<n>\r\n$", as every client sends its
// commands.
func (redisDecoder) Detect(c *Conn) bool {
	if c.PlainForTLS {
		return false
	}
	var b []byte
	for _, ch := range c.Chunks {
		if ch.Send {
			b = append(b, ch.Data...)
			if len(b) >= 32 {
				break
			}
		}
	}
	if len(b) < 4 || b[0] != '*' {
		return false
	}
	i := 1
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i > 1 && i <= 8 && len(b) > i+2 && b[i] == '\r' && b[i+1] == '\n' && b[i+2] == '$' && b[1] != '0'
}

// A RedisDecodeError says what in a recorded Redis connection the decoder
// could not turn into bfredis scripts: the bytes are not RESP, or the
// server's behaviour is one bfredis cannot reproduce.
type RedisDecodeError struct {
	Command string // the command concerned, as the protocol shows it ("" for the byte stream)
	Reason  string
	// Unsupported is set when the traffic is valid Redis that bfredis
	// cannot script, rather than bytes that are not Redis.
	Unsupported bool
}

// Error describes the failure and what to do about it; Decode puts the
// protocol and the address in front.
func (e *RedisDecodeError) Error() string {
	if e.Command == "" {
		return e.Reason
	}
	return e.Command + ": " + e.Reason
}

// ErrRedisUnsupported is matched (errors.Is) by a *RedisDecodeError whose
// traffic was valid Redis that bfredis cannot script.
var ErrRedisUnsupported = errors.New("not supported by bfredis")

// Is makes errors.Is(err, ErrRedisUnsupported) true for traffic bfredis
// cannot script.
func (e *RedisDecodeError) Is(target error) bool {
	return target == ErrRedisUnsupported && e.Unsupported
}

// respValue is one decoded RESP2/RESP3 value.
type respValue struct {
	kind  byte   // the type byte: + - : $ * % ~ , # = ( > _ (! is stored as -)
	str   string // simple, error, bulk, verbatim (without its format), double, big number
	num   int64  // integer
	b     bool   // boolean
	null  bool   // $-1, *-1, _
	elems []respValue
}

// errIncomplete says the bytes end inside a value.
var errIncomplete = errors.New("incomplete")

// respLine returns the line at b[pos:] without its CRLF, and where the
// next one starts.
func respLine(b []byte, pos int) (string, int, error) {
	i := bytes.Index(b[pos:], []byte("\r\n"))
	if i < 0 {
		return "", 0, errIncomplete
	}
	return string(b[pos : pos+i]), pos + i + 2, nil
}

// parseRESP decodes the value at b[pos:]. It allocates for the elements
// the bytes hold, never for a claimed length: a claim beyond the bytes is
// errIncomplete.
func parseRESP(b []byte, pos, depth int) (respValue, int, error) {
	if pos >= len(b) {
		return respValue{}, 0, errIncomplete
	}
	if depth > redisDepth {
		return respValue{}, 0, fmt.Errorf("reply nested deeper than %d at byte %d", redisDepth, pos)
	}
	kind := b[pos]
	line, next, err := respLine(b, pos+1)
	if err != nil {
		return respValue{}, 0, err
	}
	v := respValue{kind: kind}
	bad := func(what string) error {
		return fmt.Errorf("invalid %s %q at byte %d", what, cut(line, 32), pos)
	}
	switch kind {
	case '+', '-', ',', '(':
		v.str = line
		return v, next, nil
	case ':':
		if v.num, err = strconv.ParseInt(line, 10, 64); err != nil {
			return v, 0, bad("integer")
		}
		return v, next, nil
	case '#':
		if line != "t" && line != "f" {
			return v, 0, bad("boolean")
		}
		v.b = line == "t"
		return v, next, nil
	case '_':
		v.null = true
		return v, next, nil
	case '$', '!', '=':
		n, err := strconv.Atoi(line)
		if err != nil || n < -1 {
			return v, 0, bad("bulk length")
		}
		if n == -1 {
			v.null = true
			return v, next, nil
		}
		if len(b)-next < n+2 {
			return v, 0, errIncomplete
		}
		if b[next+n] != '\r' || b[next+n+1] != '\n' {
			return v, 0, fmt.Errorf("bulk string not followed by CRLF at byte %d", next+n)
		}
		v.str = string(b[next : next+n])
		switch kind {
		case '!':
			v.kind = '-'
		case '=':
			if len(v.str) < 4 || v.str[3] != ':' {
				return v, 0, bad("verbatim string")
			}
			v.str = v.str[4:]
		}
		return v, next + n + 2, nil
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(line)
		if err != nil || n < -1 {
			return v, 0, bad("aggregate length")
		}
		if n == -1 && (kind == '*' || kind == '>') {
			v.null = true
			return v, next, nil
		} else if n < 0 {
			return v, 0, bad("aggregate length")
		}
		if kind == '%' || kind == '|' {
			if n > math.MaxInt32 {
				return v, 0, bad("map length")
			}
			n *= 2
		}
		if n > (len(b)-next)/3 { // every element takes 3 bytes at least
			return v, 0, errIncomplete
		}
		v.elems = make([]respValue, 0, min(n, 16)) // grows with the elements that are there, not with the claim
		for range n {
			var e respValue
			if e, next, err = parseRESP(b, next, depth+1); err != nil {
				return v, 0, err
			}
			v.elems = append(v.elems, e)
		}
		if kind == '|' { // an attribute: metadata clients skip, then the reply itself
			return parseRESP(b, next, depth)
		}
		return v, next, nil
	}
	return v, 0, fmt.Errorf("unknown RESP type %q at byte %d", string(kind), pos)
}

// parseRedisCommand decodes the command at b[pos:]: an array of bulk
// strings, or an inline line as bfredis reads it. It returns nil
// arguments for an empty command.
func parseRedisCommand(b []byte, pos int) ([]string, int, error) {
	if b[pos] != '*' {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return nil, 0, errIncomplete
		}
		return strings.Fields(strings.TrimSuffix(string(b[pos:pos+i]), "\r")), pos + i + 1, nil
	}
	v, next, err := parseRESP(b, pos, redisDepth-1) // one level: elements must be bulk strings
	if err != nil {
		return nil, 0, err
	}
	args := make([]string, 0, len(v.elems))
	for _, e := range v.elems {
		if e.kind != '$' || e.null {
			return nil, 0, fmt.Errorf("a command's elements are bulk strings; got %q at byte %d", string(e.kind), pos)
		}
		args = append(args, e.str)
	}
	return args, next, nil
}

// stream is one direction of a connection with the Seq of each byte's
// chunk; the Redis and Postgres decoders read their messages from it.
type stream struct {
	b      []byte
	starts []int // offset where each chunk starts
	seqs   []int64
}

func newStream(c *Conn, send bool) *stream {
	s := &stream{}
	for _, ch := range c.Chunks {
		if ch.Send == send && len(ch.Data) > 0 {
			s.starts = append(s.starts, len(s.b))
			s.seqs = append(s.seqs, ch.Seq)
			s.b = append(s.b, ch.Data...)
		}
	}
	return s
}

// seqAt is the Seq of the chunk that holds byte off.
func (s *stream) seqAt(off int) int64 {
	i := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > off }) - 1
	if i < 0 {
		return 0
	}
	return s.seqs[i]
}

type redisCmd struct {
	args []string
	seq  int64
}

// redisIdentity is what a connection is connected as, as bfredis keys
// its connect interactions.
type redisIdentity struct {
	user string
	db   int
}

// redisCall is one command call being built: its reply is known only
// once the replies are paired (EXEC's for queued commands, later pushes
// for a subscription's messages).
type redisCall struct {
	name     string
	args     []string
	secret   []bool
	noScript bool       // answered by bfredis itself (MULTI, plain EXEC, DISCARD)
	reply    *respValue // nil: no reply was read
	execNil  bool       // EXEC answered a null: scripted with bfredis.NilArray
	discard  bool       // queued and discarded: its reply was never sent
	subKind  string     // "subscribe", "psubscribe", "ssubscribe" for a subscription
	messages [][3]string
	redact   bool // bulk strings of the reply are secrets
	opts     *Options
}

// Decode pairs c's commands with their replies and returns bfredis's
// calls for them.
func (redisDecoder) Decode(c *Conn, opts *Options) ([]Call, error) {
	sent, recv := newStream(c, true), newStream(c, false)
	var cmds []redisCmd
	for pos := 0; pos < len(sent.b); {
		args, next, err := parseRedisCommand(sent.b, pos)
		if errors.Is(err, errIncomplete) {
			break // a command the client never finished sending: no server saw it
		}
		if err != nil {
			return nil, &RedisDecodeError{Reason: "the client sent bytes that are not a Redis command: " + err.Error()}
		}
		if len(args) > 0 {
			cmds = append(cmds, redisCmd{args: args, seq: sent.seqAt(pos)})
		}
		pos = next
	}
	var frames []respValue
	for pos := 0; pos < len(recv.b); {
		v, next, err := parseRESP(recv.b, pos, 0)
		if errors.Is(err, errIncomplete) {
			break // the client stopped reading mid-reply
		}
		if err != nil {
			return nil, &RedisDecodeError{Reason: "the server sent bytes that are not RESP: " + err.Error()}
		}
		frames = append(frames, v)
		pos = next
	}
	d := &redisConnDecoder{c: c, opts: opts, frames: frames, seen: map[redisIdentity]bool{}, subs: map[string]bool{}, ident: redisIdentity{user: "default"}}
	for _, cmd := range cmds {
		if err := d.command(cmd); err != nil {
			return nil, err
		}
	}
	// Messages that arrived after the last command's reply belong to the
	// subscriptions too: bfredis delivers them right after the
	// subscription's confirmations, which a client cannot tell apart.
	for d.r < len(d.frames) {
		f := d.frames[d.r]
		if !d.isMessage(f) {
			break
		}
		d.r++
		if err := d.message(f); err != nil {
			return nil, err
		}
	}
	return d.calls, nil
}

// redisConnDecoder is the state of one connection's decoding, mirroring
// the state bfredis keeps for a connection.
type redisConnDecoder struct {
	c       *Conn
	opts    *Options
	frames  []respValue
	r       int // next frame
	calls   []Call
	ident   redisIdentity
	seen    map[redisIdentity]bool
	resp3   bool
	multi   bool
	queued  []*redisCall
	dirty   string // a command refused inside MULTI
	subs    map[string]bool
	lastSub []*redisCall // subscriptions, for their messages
}

// isMessage reports whether v is a pub/sub message or another push that
// is no reply of a command.
func (d *redisConnDecoder) isMessage(v respValue) bool {
	if v.kind != '>' && !(v.kind == '*' && len(d.subs) > 0 && !d.resp3) {
		return false
	}
	if len(v.elems) == 0 || v.elems[0].kind != '$' && v.elems[0].kind != '+' {
		return v.kind == '>'
	}
	switch strings.ToLower(v.elems[0].str) {
	case "message", "pmessage", "smessage":
		return true
	case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "pong":
		return false
	}
	return v.kind == '>'
}

// reply returns the next frame that is a command's reply, giving the
// messages before it to their subscriptions; nil when none was read.
func (d *redisConnDecoder) reply() (*respValue, error) {
	for d.r < len(d.frames) {
		f := &d.frames[d.r]
		d.r++
		if d.isMessage(*f) {
			if err := d.message(*f); err != nil {
				return nil, err
			}
			continue
		}
		return f, nil
	}
	return nil, nil
}

// message gives a pub/sub message to the subscription it answers.
func (d *redisConnDecoder) message(v respValue) error {
	kind := ""
	if len(v.elems) > 0 {
		kind = strings.ToLower(v.elems[0].str)
	}
	want := map[string]int{"message": 3, "smessage": 3, "pmessage": 4}[kind]
	if want == 0 || len(v.elems) != want {
		return &RedisDecodeError{Unsupported: true, Reason: "the server pushed " + cut(renderShort(v), 80) +
			", which bfredis does not script (it scripts replies, and the messages of SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE); " +
			"turn off what makes the server push it (CLIENT TRACKING, keyspace notifications) in the recorded test, or script it by hand"}
	}
	var m [3]string // pattern, channel, payload
	for i, e := range v.elems[1:] {
		if e.kind != '$' && e.kind != '+' {
			return &RedisDecodeError{Reason: "a " + kind + " push whose element " + strconv.Itoa(i+1) + " is no string"}
		}
	}
	if kind == "pmessage" {
		m = [3]string{v.elems[1].str, v.elems[2].str, v.elems[3].str}
	} else {
		m = [3]string{"", v.elems[1].str, v.elems[2].str}
	}
	subKind, ch := map[string]string{"message": "subscribe", "smessage": "ssubscribe", "pmessage": "psubscribe"}[kind], m[1]
	if kind == "pmessage" {
		ch = m[0]
	}
	for i := len(d.lastSub) - 1; i >= 0; i-- {
		s := d.lastSub[i]
		if s.subKind != subKind {
			continue
		}
		for _, a := range s.args {
			if a == ch {
				s.messages = append(s.messages, m)
				return nil
			}
		}
	}
	return &RedisDecodeError{Reason: "a " + kind + " on " + strconv.Quote(ch) + " arrived with no " + strings.ToUpper(subKind) + " of it on the connection"}
}

// announce adds the connect of the connection's identity before its
// first command, as bfredis records it.
func (d *redisConnDecoder) announce(seq int64) {
	if d.seen[d.ident] {
		return
	}
	d.seen[d.ident] = true
	addr, user, db := d.c.Address, d.ident.user, d.ident.db
	d.calls = append(d.calls, Call{Seq: seq, Plugin: "redis",
		// bfredis records one connect per verifier, address, user and
		// database, however many connections log in.
		Once:    "redis connect\x00" + addr + "\x00" + user + "\x00" + strconv.Itoa(db),
		Setup:   []string{"bfredis.For(bf).Serve(" + strconv.Quote(addr) + ")"},
		Imports: []string{bfredisImport},
		Fields: []Field{
			{Name: "addr", Raw: addr, Go: strconv.Quote(addr)},
			{Name: "user", Raw: user, Go: strconv.Quote(user)},
			{Name: "db", Raw: strconv.Itoa(db), Go: strconv.Itoa(db)},
		},
		Render: func(bf string, x []string) (string, string) {
			return "", "bfredis.For(" + bf + ").AssertConnect(" + x[0] + ", " + x[1] + ", " + x[2] + ")"
		}})
}

// handshakeCommand reports whether bfredis answers the command itself
// when the test scripted no such command (conn.handshake in bfredis).
func handshakeCommand(name string, args []string) bool {
	sub := ""
	if len(args) > 0 {
		sub = strings.ToUpper(args[0])
	}
	switch name {
	case "HELLO", "AUTH", "SELECT", "READONLY", "PING":
		return true
	case "CLIENT":
		return sub == "SETINFO" || sub == "SETNAME" || sub == "MAINT_NOTIFICATIONS" || sub == "TRACKING"
	case "CLUSTER":
		return sub == "SLOTS" || sub == "SHARDS" || sub == "NODES" || sub == "INFO" || sub == "MYID"
	case "COMMAND":
		return sub == "" || sub == "INFO" || sub == "DOCS" || sub == "COUNT"
	}
	return false
}

// command decodes one command and the replies it takes.
func (d *redisConnDecoder) command(cmd redisCmd) error {
	name := strings.ToUpper(cmd.args[0])
	args := cmd.args[1:]
	text := protocolLine(name, args)
	if !d.multi && handshakeCommand(name, args) {
		if _, err := d.reply(); err != nil {
			return err
		}
		d.handshake(name, args)
		return nil
	}
	isSub := strings.HasSuffix(name, "SUBSCRIBE")
	switch {
	case name == "QUIT":
		_, err := d.reply()
		return err // answered by bfredis, not recorded
	case name == "MULTI" && d.multi, name == "EXEC" && !d.multi, name == "DISCARD" && !d.multi,
		name == "WATCH" && d.multi,
		!d.multi && !d.resp3 && len(d.subs) > 0 && !isSub && name != "RESET":
		// Refused by Redis and by bfredis alike, and not recorded.
		_, err := d.reply()
		return err
	}
	rc := &redisCall{name: name, args: args, secret: redisSecrets(name, args, d.opts), redact: redisRedactReply(name, args, d.opts), opts: d.opts}
	d.announce(cmd.seq)
	switch {
	case name == "MULTI":
		rc.noScript = true
		r, err := d.reply()
		if err != nil {
			return err
		}
		rc.reply = r
		d.multi, d.queued, d.dirty = true, nil, ""
	case name == "DISCARD":
		rc.noScript = true
		r, err := d.reply()
		if err != nil {
			return err
		}
		rc.reply = r
		for _, q := range d.queued {
			q.discard = true
		}
		d.multi, d.queued = false, nil
	case name == "EXEC":
		if err := d.exec(rc, text); err != nil {
			return err
		}
	case d.multi:
		r, err := d.reply()
		if err != nil {
			return err
		}
		if r != nil && r.kind == '-' {
			d.dirty = text + " (" + cut(r.str, 80) + ")"
		}
		d.queued = append(d.queued, rc) // its reply comes from EXEC's
	case isSub && name != "SUBSCRIBE" && name != "PSUBSCRIBE" && name != "SSUBSCRIBE":
		if err := d.unsubscribe(rc); err != nil {
			return err
		}
	case isSub:
		rc.subKind = strings.ToLower(name)
		if err := d.subReplies(rc, max(1, len(args)), nil); err != nil {
			return err
		}
		if rc.reply != nil && rc.reply.kind != '-' {
			for _, a := range args {
				d.subs[rc.subKind+"\x00"+a] = true
			}
			d.lastSub = append(d.lastSub, rc)
		}
	default:
		r, err := d.reply()
		if err != nil {
			return err
		}
		rc.reply = r
	}
	if rc.reply != nil && !isSub {
		if err := redisReplyCheck(*rc.reply, text); err != nil {
			return err
		}
	}
	d.calls = append(d.calls, rc.call(cmd.seq))
	return nil
}

// redisReplyCheck refuses the replies that bfredis has no value for: a
// RESP3 big number, and a push where a reply belongs.
func redisReplyCheck(v respValue, text string) error {
	switch v.kind {
	case '(':
		return &RedisDecodeError{Command: text, Unsupported: true, Reason: "the reply is the RESP3 big number " + cut(v.str, 40) +
			", which bfredis cannot write (it writes integers, doubles and strings): script this command by hand"}
	case '>':
		return &RedisDecodeError{Command: text, Unsupported: true, Reason: "the reply holds a push, which bfredis writes only for pub/sub: script this command by hand"}
	}
	for _, e := range v.elems {
		if err := redisReplyCheck(e, text); err != nil {
			return err
		}
	}
	return nil
}

// handshake follows the identity that a handshake command sets, and the
// protocol version HELLO negotiates, as bfredis does when it answers the
// command itself: whatever the real server replied, since under the
// emitted test bfredis, not the server, answers (conn.handshake, hello).
func (d *redisConnDecoder) handshake(name string, args []string) {
	switch name {
	case "AUTH":
		switch len(args) {
		case 1:
			d.ident.user = "default"
		case 2:
			d.ident.user = args[0]
		}
	case "SELECT":
		if db, err := strconv.Atoi(strings.TrimSpace(first(args))); err == nil && db >= 0 && len(args) == 1 {
			d.ident.db = db
		}
	case "HELLO":
		if len(args) == 0 {
			return
		}
		v, err := strconv.Atoi(args[0])
		if err != nil || v != 2 && v != 3 {
			return
		}
		user := d.ident.user
		for i := 1; i < len(args); i++ {
			switch strings.ToUpper(args[i]) {
			case "AUTH":
				if i+2 >= len(args) {
					return
				}
				user = args[i+1]
				i += 2
			case "SETNAME":
				if i+1 >= len(args) {
					return
				}
				i++
			default:
				return
			}
		}
		d.ident.user, d.resp3 = user, v == 3
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// exec pairs EXEC's reply with the commands queued since MULTI.
func (d *redisConnDecoder) exec(rc *redisCall, text string) error {
	queued := d.queued
	d.multi, d.queued = false, nil
	r, err := d.reply()
	if err != nil {
		return err
	}
	rc.reply = r
	rc.noScript = true
	switch {
	case r == nil:
		return nil
	case d.dirty != "":
		return &RedisDecodeError{Command: text, Unsupported: true, Reason: "the transaction was aborted because Redis refused the queued command " + d.dirty +
			"; bfredis queues every scripted command (+QUEUED), so it cannot reproduce a refusal inside MULTI: script this transaction by hand, " +
			`EXEC with bigfoot.Raises(bfredis.Error("EXECABORT Transaction discarded because of previous errors."))`}
	case r.null:
		rc.noScript, rc.execNil = false, true // a WATCHed key changed: scripted EXEC
		for _, q := range queued {
			q.discard = true
		}
	case r.kind == '-':
		rc.noScript = false // scripted: an error reply bfredis gives from the script
	case r.kind == '*' && len(r.elems) == len(queued):
		for i, q := range queued {
			q.reply = &r.elems[i]
		}
	default:
		return &RedisDecodeError{Command: text, Reason: fmt.Sprintf("EXEC's reply is %s for %d queued commands", renderShort(*r), len(queued))}
	}
	return nil
}

// unsubscribe takes the confirmations of an UNSUBSCRIBE (or its P and S
// forms): one per channel named, or one per subscription left (at least
// one) when none is.
func (d *redisConnDecoder) unsubscribe(rc *redisCall) error {
	kind := strings.Replace(strings.ToLower(rc.name), "unsubscribe", "subscribe", 1)
	chans := rc.args
	if len(chans) == 0 {
		for k := range d.subs {
			if kk, ch, _ := strings.Cut(k, "\x00"); kk == kind {
				chans = append(chans, ch)
			}
		}
	}
	return d.subReplies(rc, max(1, len(chans)), func(i int) {
		if i < len(chans) {
			delete(d.subs, kind+"\x00"+chans[i])
		}
	})
}

// subReplies reads the n replies of a (un)subscribe, one per channel:
// rc.reply keeps the first, or the first error reply. It stops at an
// error reply or the end of the recording, and calls ok (when not nil)
// with the index of each reply that is no error.
func (d *redisConnDecoder) subReplies(rc *redisCall, n int, ok func(i int)) error {
	for i := range n {
		r, err := d.reply()
		if err != nil {
			return err
		}
		if rc.reply == nil || r != nil && r.kind == '-' {
			rc.reply = r
		}
		if r == nil || r.kind == '-' {
			break
		}
		if ok != nil {
			ok(i)
		}
	}
	return nil
}

// redisSecrets marks the arguments that are secrets: AUTH's and HELLO
// AUTH's password, ACL SETUSER's password rules, CONFIG SET's
// requirepass and masterauth, MIGRATE's AUTH and AUTH2, and any value
// after an argument that opts names as a secret (HSET user password x).
func redisSecrets(name string, args []string, opts *Options) []bool {
	s := make([]bool, len(args))
	sub := strings.ToUpper(first(args))
	for i, a := range args {
		prev := ""
		if i > 0 {
			prev = strings.ToLower(args[i-1])
		}
		switch {
		case name == "AUTH":
			s[i] = true
		case name == "HELLO" && i >= 2 && strings.EqualFold(args[i-2], "AUTH"):
			s[i] = true
		case name == "ACL" && sub == "SETUSER" && i >= 2 && a != "" && strings.IndexByte("><#!", a[0]) >= 0:
			s[i] = true
		case name == "CONFIG" && sub == "SET" && i >= 2 && (prev == "requirepass" || prev == "masterauth"):
			s[i] = true
		case name == "MIGRATE" && (prev == "auth" || i >= 2 && strings.EqualFold(args[i-2], "AUTH2")):
			s[i] = true
		case i > 0 && opts.IsRedacted(prev):
			s[i] = true
		}
	}
	return s
}

// redisRedactReply reports whether the reply's strings are secrets: what
// a command reads under a name opts calls secret (HGET user password),
// CONFIG GET of a password setting, ACL GETUSER's and ACL LIST's
// password hashes.
func redisRedactReply(name string, args []string, opts *Options) bool {
	sub := strings.ToUpper(first(args))
	if name == "ACL" && (sub == "GETUSER" || sub == "LIST") {
		return true
	}
	if name == "CONFIG" && sub == "GET" {
		for _, a := range args[1:] {
			if l := strings.ToLower(a); strings.Contains(l, "*") || strings.Contains(l, "pass") || strings.Contains(l, "auth") {
				return true
			}
		}
	}
	for _, a := range args {
		if opts.IsRedacted(a) {
			return true
		}
	}
	return false
}

// call makes the Call of a decoded command.
func (rc *redisCall) call(seq int64) Call {
	fields := make([]Field, 0, len(rc.args)+1)
	fields = append(fields, Field{Name: "command", Raw: rc.name, Go: strconv.Quote(rc.name)})
	for i, a := range rc.args {
		f := Field{Name: "arg " + strconv.Itoa(i+1), Raw: a, Go: redisArgGo(a), Matchable: true}
		if rc.secret[i] {
			f.Raw, f.Go, f.Secret = "", `"REDACTED"`, true // the emitter puts a matcher here
		}
		fields = append(fields, f)
	}
	return Call{Seq: seq, Plugin: "redis", Fields: fields,
		Imports: []string{bfredisImport, bigfootImport, "math"},
		Render: func(bf string, x []string) (string, string) {
			p := "bfredis.For(" + bf + ")"
			list := strings.Join(x, ", ")
			assert := p + ".AssertCommand(" + list + ")"
			if rc.noScript {
				return "", assert
			}
			return p + ".Expect(" + list + ").Reply(" + rc.replyGo() + ")", assert
		}}
}

// replyGo renders the script's Reply arguments.
func (rc *redisCall) replyGo() string {
	switch {
	case rc.execNil:
		return "bfredis.NilArray"
	case rc.discard:
		return "nil" // queued, then discarded: the client never reads it
	case rc.reply == nil:
		return "nil /* no reply was read */"
	case rc.subKind != "" && rc.reply.kind != '-':
		if len(rc.messages) == 0 {
			return "bfredis.Messages()"
		}
		parts := make([]string, len(rc.messages))
		for i, m := range rc.messages {
			payload := GoString(m[2])
			if rc.redact {
				payload = `"REDACTED"`
			}
			if m[0] != "" {
				parts[i] = "bfredis.Message{Pattern: " + GoString(m[0]) + ", Channel: " + GoString(m[1]) + ", Payload: " + payload + "}"
			} else {
				parts[i] = "bfredis.Message{Channel: " + GoString(m[1]) + ", Payload: " + payload + "}"
			}
		}
		return "bfredis.Messages(" + strings.Join(parts, ", ") + ")"
	case strings.HasSuffix(rc.name, "UNSUBSCRIBE") && rc.reply.kind != '-':
		return "nil" // bfredis confirms each channel itself
	case rc.reply.kind == '-':
		return "nil, bigfoot.Raises(bfredis.Error(" + GoString(rc.reply.str) + "))"
	}
	return redisReplyGo(*rc.reply, rc.redact, rc.opts)
}

// redisReplyGo renders a reply as the Go value bfredis writes back as it.
func redisReplyGo(v respValue, redact bool, opts *Options) string {
	str := func(s string) string {
		if redact {
			return `"REDACTED"`
		}
		return GoString(s)
	}
	list := func(es []respValue) string {
		parts := make([]string, len(es))
		for i, e := range es {
			parts[i] = redisReplyGo(e, redact, opts)
		}
		return strings.Join(parts, ", ")
	}
	switch v.kind {
	case '+':
		if v.str == "OK" {
			return "bfredis.OK"
		}
		return "bfredis.Status(" + GoString(v.str) + ")"
	case '-':
		return "bfredis.Error(" + GoString(v.str) + ")"
	case ':':
		return strconv.FormatInt(v.num, 10)
	case '$', '=':
		if v.null {
			return "nil"
		}
		return str(v.str)
	case '_':
		return "nil"
	case '#':
		return strconv.FormatBool(v.b)
	case ',':
		return redisDoubleGo(v.str)
	case '*':
		if v.null {
			return "bfredis.NilArray"
		}
		return "[]any{" + list(v.elems) + "}"
	case '~':
		return "bfredis.Set{" + list(v.elems) + "}"
	case '%':
		type kv struct{ k, v string }
		var kvs []kv
		for i := 0; i+1 < len(v.elems); i += 2 {
			k := v.elems[i]
			key := k.str
			if k.kind == ':' {
				key = strconv.FormatInt(k.num, 10)
			}
			val := redisReplyGo(v.elems[i+1], redact || opts.IsRedacted(key), opts)
			kvs = append(kvs, kv{GoString(key), val})
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
		parts := make([]string, 0, len(kvs))
		for i, e := range kvs {
			if i > 0 && kvs[i-1].k == e.k {
				continue // a map literal takes each key once
			}
			parts = append(parts, e.k+": "+e.v)
		}
		return "map[string]any{" + strings.Join(parts, ", ") + "}"
	}
	return "nil"
}

// redisDoubleGo renders a RESP3 double as a float64 expression.
func redisDoubleGo(s string) string {
	switch strings.ToLower(s) {
	case "inf", "+inf":
		return "math.Inf(1)"
	case "-inf":
		return "math.Inf(-1)"
	case "nan", "-nan":
		return "math.NaN()"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "float64(0) /* " + strconv.Quote(s) + " is no double */"
	}
	return "float64(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}

// redisArgGo renders an argument as AssertCommand and Expect take it: a
// string literal for text, []byte(...) for other bytes.
func redisArgGo(a string) string {
	if utf8.ValidString(a) {
		return GoString(a)
	}
	return "[]byte(" + strconv.Quote(a) + ")"
}

// protocolLine shows a command as redis-cli does, bounded, for messages.
func protocolLine(name string, args []string) string {
	var b strings.Builder
	b.WriteString(name)
	for i, a := range args {
		if i == 8 {
			b.WriteString(" ...")
			break
		}
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(cut(a, 32)))
	}
	return b.String()
}

// renderShort shows a reply briefly, for messages: strings quoted,
// aggregates in brackets, a push as "push [...]".
func renderShort(v respValue) string {
	var b strings.Builder
	var walk func(v respValue, depth int)
	walk = func(v respValue, depth int) {
		if b.Len() > 80 {
			return
		}
		switch {
		case v.null:
			b.WriteString("nil")
		case v.kind == '-':
			b.WriteString("error " + strconv.Quote(cut(v.str, 40)))
		case v.kind == ':':
			b.WriteString(strconv.FormatInt(v.num, 10))
		case v.kind == '#':
			b.WriteString(strconv.FormatBool(v.b))
		case v.elems != nil || strings.IndexByte("*%~>", v.kind) >= 0:
			if v.kind == '>' {
				b.WriteString("push ")
			}
			b.WriteByte('[')
			for i, e := range v.elems {
				if i > 0 {
					b.WriteString(", ")
				}
				if depth > 4 {
					b.WriteString("...")
					break
				}
				walk(e, depth+1)
			}
			b.WriteByte(']')
		default:
			b.WriteString(strconv.Quote(cut(v.str, 40)))
		}
	}
	walk(v, 0)
	return cut(b.String(), 80)
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
