package bfredis

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Args are a command's arguments as the client sent them (the command
// name not included), as recorded in the "args" field of a Command
// interaction.
type Args []string

// GoString renders the arguments as Go, in messages.
func (a Args) GoString() string {
	parts := make([]string, len(a))
	for i, s := range a {
		parts[i] = core.String(s).GoString()
	}
	return "bfredis.Args{" + strings.Join(parts, ", ") + "}"
}

// The sources of the plugin's interactions, for the generic form:
//
//	bf.AssertInteraction(bfredis.Command, bigfoot.Fields{"command": "GET", "args": bigfoot.Any()})
//
// Connect is recorded once for each address, user and database that
// commands were sent as (the handshake itself is answered, never
// recorded); Command once per command, in the order the plugin received
// them, pipelined and MULTI/EXEC commands each on its own.
var (
	Connect = &core.Source{Plugin: "redis", Name: "connect", Fields: []string{"addr", "user", "db"}, GoExpr: "bfredis.Connect",
		Hint: func(v []core.Value) string {
			return accessor() + ".AssertConnect(" + v[0].GoString() + ", " + v[1].GoString() + ", " + v[2].GoString() + ")"
		},
		Describe: func(v []core.Value) string {
			return "to " + v[0].String() + " as user " + v[1].GoString() + ", db " + v[2].GoString()
		}}
	Command = &core.Source{Plugin: "redis", Name: "command", Fields: []string{"command", "args"}, GoExpr: "bfredis.Command",
		Hint: func(v []core.Value) string {
			name, _ := v[0].Interface().(string)
			args, _ := v[1].Interface().(Args)
			return accessor() + ".AssertCommand(" + goArgs(name, args) + ")"
		},
		Describe: func(v []core.Value) string {
			name, _ := v[0].Interface().(string)
			switch args := v[1].Interface().(type) {
			case Args:
				return protocolText(name, args)
			case argsMatcher: // an expected value with matchers
				return args.protocol(name)
			}
			return name + " " + v[1].String()
		}}
)

// accessor is how a test reaches the plugin, in hints.
func accessor() string { return "bfredis.For(" + core.CurrentNames().Verifier + ")" }

// goArgs renders a command and its arguments as the Go arguments of
// Expect and AssertCommand.
func goArgs(name string, args []string) string {
	parts := make([]string, 0, len(args)+1)
	parts = append(parts, strconv.Quote(name))
	for _, a := range args {
		parts = append(parts, core.String(a).GoString())
	}
	return strings.Join(parts, ", ")
}

// protocolText renders a command as Redis shows it (redis-cli, MONITOR):
// plain words bare, anything else quoted, long values and long argument
// lists cut.
func protocolText(name string, args []string) string {
	var b strings.Builder
	b.WriteString(name)
	for i, a := range args {
		if i == 16 {
			b.WriteString(" ... (" + strconv.Itoa(len(args)-16) + " more arguments)")
			break
		}
		b.WriteByte(' ')
		b.WriteString(quoteArg(a))
	}
	return b.String()
}

// quoteArg shows one argument: bare when it is a plain word, else quoted;
// cut after maxReplyLen bytes.
func quoteArg(a string) string {
	cut := ""
	if len(a) > maxReplyLen {
		cut = "...(" + strconv.Itoa(len(a)-maxReplyLen) + " more bytes)"
		a = a[:maxReplyLen]
	}
	if a != "" && cut == "" && plainWord(a) {
		return a
	}
	return strconv.Quote(a) + cut
}

func plainWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_:.@/*", c) >= 0) {
			return false
		}
	}
	return true
}

// Plugin is the Redis plugin of one verifier: an in-process Redis server
// on every connection its dialers (and, in transparent mode, dials to the
// addresses given to Serve) make.
type Plugin struct {
	v *core.Verifier
	q *core.Queue

	// mu guards the fields below.
	mu          sync.Mutex
	addrs       map[string]bool       // Serve's addresses, as addrKey makes them
	seen        map[identity]bool     // connect interactions recorded
	pending     map[*Expectation]bool // Expect calls still waiting for their Reply
	conns       map[*conn]bool        // open connections, closed at verification
	dialed      int                   // connections made, for the unused note
	clusterMode bool                  // see Cluster
	nextID      int64
	// handshakeScripts counts scripts of commands the plugin would
	// otherwise answer itself (AUTH, PING, ...): only then does a
	// handshake command look for one.
	handshakeScripts int
}

// identity is what a connection is connected as.
type identity struct {
	addr, user string
	db         int
}

var key = core.NewKey[*Plugin]("redis", "bfredis.For(bf)")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfredis")
	guard.ClaimDial(guard.DialClaim{Name: "redis", Layer: guard.LayerProtocol, Claim: claimDial})
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v, addrs: map[string]bool{}, seen: map[identity]bool{}, pending: map[*Expectation]bool{}, conns: map[*conn]bool{}}
	p.q = core.NewQueue(v, &core.QueueSpec{Plugin: "redis"})
	v.OnVerify(p.verify)
	return p
}

// For returns h's Redis plugin, creating it on first use. Keep it in a
// variable (r := bfredis.For(bf)) or call it each time: it is one plugin.
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's Redis plugin, for manual use. Each verifier has at
// most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

// Expectation is a scripted command waiting for its reply; Reply
// completes it.
type Expectation struct {
	p       *Plugin
	name    string
	args    []string
	matches []core.Matcher // per argument, nil where the argument is exact
	pc      uintptr
	command string // as the test wrote it
}

// Expect scripts a command: its name (any case: Redis's command names
// are) and its arguments, each a string, []byte, int, int64, float64 or a
// matcher (bigfoot.Any(), bigfoot.HasPrefix("session:"), ...). Complete
// it with Reply:
//
//	r.Expect("SET", "k", "v").Reply(bfredis.OK)
//	r.Expect("GET", "k").Reply("v")
//
// A command the code sends takes the first unused scripted reply whose
// name and arguments match it; the order of commands is checked by the
// assertions.
func (p *Plugin) Expect(command string, args ...any) *Expectation {
	e := &Expectation{p: p, name: strings.ToUpper(command), command: command, pc: core.Caller(0)}
	for i, a := range args {
		s, m, ok := argOf(a)
		if !ok {
			p.v.Reporter().Helper()
			p.v.Misuse(&ArgumentTypeError{Call: accessor() + ".Expect(" + strconv.Quote(command) + ", ...)", Index: i, Got: typeName(a),
				Fix: accessor() + ".Expect(" + strconv.Quote(command) + ", \"key\", \"value\") // arguments as the client sends them: strings (or []byte, int, float64, matchers)"})
			return e
		}
		if m != nil && e.matches == nil {
			e.matches = make([]core.Matcher, len(args))
		}
		if m != nil {
			e.matches[i] = m
		}
		e.args = append(e.args, s)
	}
	if command == "" || strings.ContainsAny(command, " \r\n") {
		p.v.Reporter().Helper()
		p.v.Misuse(&ArgumentTypeError{Call: e.goText(), Index: -1, Got: "command name " + strconv.Quote(command),
			Fix: accessor() + `.Expect("CLIENT", "LIST") // a subcommand is the first argument`})
		return e
	}
	p.mu.Lock()
	var missing *Expectation
	for old := range p.pending {
		missing = old
		break
	}
	p.pending[e] = true
	p.mu.Unlock()
	if missing != nil {
		p.v.Reporter().Helper()
		p.v.Misuse(missing.missingReply())
	}
	return e
}

// argOf converts a scripted or asserted argument to its wire form, or
// returns its matcher.
func argOf(a any) (s string, m core.Matcher, ok bool) {
	switch t := a.(type) {
	case string:
		return t, nil, true
	case []byte:
		return string(t), nil, true
	case int:
		return strconv.Itoa(t), nil, true
	case int64:
		return strconv.FormatInt(t, 10), nil, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil, true
	case core.Matcher:
		return "", t, true
	}
	return "", nil, false
}

func typeName(a any) string {
	if a == nil {
		return "nil"
	}
	return typeOf(a)
}

// Reply completes the scripted command with its reply (see the reply
// values above), or with the error reply of bigfoot.Raises(err); with
// bigfoot.Optional() the code may not send it. It returns the plugin, so
// scripts chain:
//
//	bfredis.For(bf).Expect("SET", "k", "v").Reply(bfredis.OK).Expect("GET", "k").Reply("v")
func (e *Expectation) Reply(reply any, opts ...core.StepOption) *Plugin {
	p := e.p
	p.mu.Lock()
	delete(p.pending, e)
	p.mu.Unlock()
	if bad := replyType(reply, true); bad != "" {
		p.v.Reporter().Helper()
		p.v.Misuse(&ReplyTypeError{Call: e.replyText(reply), Got: bad, Fix: e.goText() + ".Reply(\"value\") // or bfredis.OK, 42, []any{\"a\", \"b\"}, nil ..."})
		return p
	}
	if _, ok := reply.(Subscription); ok && !subscribeCommand(e.name) {
		p.v.Reporter().Helper()
		p.v.Misuse(&ReplyTypeError{Call: e.replyText(reply), Got: "bfredis.Subscription for " + e.name,
			Fix: accessor() + `.Expect("SUBSCRIBE", "news").Reply(bfredis.Messages(bfredis.Message{Channel: "news", Payload: "hello"}))`})
		return p
	}
	sc := &scripted{name: e.name, args: e.args, reply: reply, matches: e.matches}
	// The script's Go text is made only when a message shows it.
	ent := core.Entry{Returns: sc, Render: func() string { return e.replyText(reply) }}
	if e.matches != nil {
		ms := e.matches
		ent.Match = func(x any) bool {
			c, ok := x.(*command)
			if !ok || c.name != sc.name || len(c.args) != len(sc.args) {
				return false
			}
			for i, a := range c.args {
				if ms[i] != nil {
					if !ms[i].Matches(a) {
						return false
					}
				} else if a != sc.args[i] {
					return false
				}
			}
			return true
		}
	} else {
		ent.Key = commandKey(e.name, e.args)
	}
	switch e.name {
	case "HELLO", "AUTH", "SELECT", "READONLY", "CLIENT", "CLUSTER", "COMMAND", "PING":
		p.mu.Lock()
		p.handshakeScripts++
		p.mu.Unlock()
	}
	p.v.Reporter().Helper()
	p.q.Add(ent, e.pc, opts...)
	return p
}

// scripted is the Returns of a queue entry.
type scripted struct {
	name  string
	args  []string
	reply any
	// matches holds the argument matchers, nil where exact (nil when all are).
	matches []core.Matcher
}

// text shows the scripted command as the protocol does, matchers in <>.
func (sc *scripted) text() string {
	if sc.matches != nil {
		return argsMatcher{plain: sc.args, ms: sc.matches}.protocol(sc.name)
	}
	return protocolText(sc.name, sc.args)
}

// command is one command as received, the description Match funcs see.
type command struct {
	name string // upper case
	args []string
}

// commandKey is the exact key of a command: its name, then each argument
// with its length, so that no two commands share one.
func commandKey(name string, args []string) string {
	n := len(name)
	for _, a := range args {
		n += len(a) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, name...)
	for _, a := range args {
		b = append(b, 0)
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, ':')
		b = append(b, a...)
	}
	return string(b)
}

func subscribeCommand(name string) bool {
	return name == "SUBSCRIBE" || name == "PSUBSCRIBE" || name == "SSUBSCRIBE"
}

// ArgumentTypeError is reported when Expect or AssertCommand is given an
// argument that no client sends: a command argument is a string (or a
// value a client formats as one).
type ArgumentTypeError struct {
	Call  string // the call, as Go
	Index int    // which argument, from 0; -1 for the command name
	Got   string // its Go type
	Fix   string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ArgumentTypeError) Error() string {
	what := "argument " + strconv.Itoa(e.Index) + " is of type " + e.Got
	if e.Index < 0 {
		what = "the " + e.Got + " is not a Redis command name"
	}
	return "bigfoot: " + e.Call + ": " + what + "; Redis arguments are strings, []byte, int, int64, float64 or matchers\nfix:\n\t" +
		strings.ReplaceAll(e.Fix, "\n", "\n\t")
}

// MissingReplyError is reported when an Expect call is not completed with
// Reply: the command has no scripted answer.
type MissingReplyError struct {
	Call string // the Expect call, as Go
	Site string // where it was made
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *MissingReplyError) Error() string {
	return "bigfoot: " + e.Call + " at " + e.Site + " has no reply; every scripted command says what the server answers\nfix:\n\t" +
		e.Call + ".Reply(bfredis.OK)"
}

func (e *Expectation) missingReply() *MissingReplyError {
	return &MissingReplyError{Call: e.goText(), Site: core.SiteOf(e.pc)}
}

// goText renders the Expect call as Go, for messages.
func (e *Expectation) goText() string {
	var b strings.Builder
	b.WriteString(accessor() + ".Expect(" + strconv.Quote(e.command))
	for i, a := range e.args {
		b.WriteString(", ")
		if e.matches != nil && e.matches[i] != nil {
			b.WriteString(e.matches[i].String())
		} else {
			b.WriteString(core.String(a).GoString())
		}
	}
	b.WriteString(")")
	return b.String()
}

// replyText renders the whole script line, Expect and Reply, as Go.
func (e *Expectation) replyText(reply any) string {
	return e.goText() + ".Reply(" + replyGo(reply) + ")"
}

// NotDialedError is reported at verification when commands were scripted
// but no connection ever reached the plugin: the code was not given its
// dialer, or, in transparent mode, dialed an address not given to Serve.
type NotDialedError struct {
	Transparent bool // whether the binary runs under bigfoot test
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *NotDialedError) Error() string {
	msg := "bigfoot: commands were scripted for the redis plugin, but no connection reached it\n" +
		"  under plain `go test` only the plugin's dialers are intercepted: hand one to the client"
	if e.Transparent {
		msg += "; under bigfoot test a dial is served only for the addresses given to Serve"
	}
	return msg + "\nfix:\n\tclient := redis.NewClient(&redis.Options{Addr: \"localhost:6379\", Dialer: bfredis.For(bf).DialContext})\n\t" +
		"bfredis.For(bf).Serve(\"localhost:6379\") // transparent mode: code that dials the address itself"
}

// verify runs in VerifyAll: scripts left without a reply, scripts no
// connection could reach; then it closes the connections still open, so
// that clients' reader goroutines end with the test.
func (p *Plugin) verify() error {
	p.mu.Lock()
	var missing []*Expectation
	for e := range p.pending {
		missing = append(missing, e)
	}
	p.pending = map[*Expectation]bool{}
	dialed := p.dialed
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.serverClose()
	}
	var errs []error
	for _, e := range missing {
		errs = append(errs, e.missingReply())
	}
	if dialed == 0 && len(p.q.Unused()) > 0 {
		errs = append(errs, &NotDialedError{Transparent: guard.Transparent()})
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return joinErrors(errs)
}

// AssertCommand asserts that the next interaction is the command name
// (any case) with exactly args, each a string (or []byte, int, float64)
// or a matcher.
func (p *Plugin) AssertCommand(name string, args ...any) error {
	want, err := p.expectedArgs(name, args)
	if err == nil {
		err = p.v.CheckValues(Command, core.String(strings.ToUpper(name)), want)
	}
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

func (p *Plugin) expectedArgs(name string, args []any) (core.Value, error) {
	var plain Args
	var ms []core.Matcher
	for i, a := range args {
		s, m, ok := argOf(a)
		if !ok {
			return core.Value{}, &ArgumentTypeError{Call: accessor() + ".AssertCommand(" + strconv.Quote(name) + ", ...)", Index: i, Got: typeName(a),
				Fix: accessor() + ".AssertCommand(" + strconv.Quote(name) + ", \"key\") // arguments as the client sent them"}
		}
		if m != nil && ms == nil {
			ms = make([]core.Matcher, len(args))
		}
		if m != nil {
			ms[i] = m
		}
		plain = append(plain, s)
	}
	if ms == nil {
		return core.ValueOf(plain), nil
	}
	return core.ValueOf(argsMatcher{plain: plain, ms: ms}), nil
}

// argsMatcher matches recorded Args argument by argument, where some of
// the expected ones are matchers.
type argsMatcher struct {
	plain Args
	ms    []core.Matcher
}

// Matches reports whether x, recorded Args, matches argument by argument.
func (m argsMatcher) Matches(x any) bool {
	got, ok := x.(Args)
	if !ok || len(got) != len(m.plain) {
		return false
	}
	for i, a := range got {
		if m.ms[i] != nil {
			if !m.ms[i].Matches(a) {
				return false
			}
		} else if a != m.plain[i] {
			return false
		}
	}
	return true
}

// protocol renders the expected command as the protocol shows it, each
// matcher in <>.
func (m argsMatcher) protocol(name string) string {
	shown := make([]string, len(m.plain))
	for i, a := range m.plain {
		if m.ms[i] != nil {
			shown[i] = "<" + m.ms[i].String() + ">"
		} else {
			shown[i] = quoteArg(a)
		}
	}
	return strings.Join(append([]string{name}, shown...), " ")
}

// String renders the expected arguments as Go, matchers included.
func (m argsMatcher) String() string {
	parts := make([]string, len(m.plain))
	for i := range m.plain {
		if m.ms[i] != nil {
			parts[i] = m.ms[i].String()
		} else {
			parts[i] = core.String(m.plain[i]).GoString()
		}
	}
	return "bfredis.Args{" + strings.Join(parts, ", ") + "}"
}

// AssertConnect asserts that the next interaction is the connect of a
// client to addr (as it dialed it) as user ("default" without AUTH) on
// database db.
func (p *Plugin) AssertConnect(addr, user string, db int) error {
	err := p.v.CheckValues(Connect, core.String(addr), core.String(user), core.Int(db))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// Serve makes the plugin answer, in transparent mode (under bigfoot
// test), the dials that the code under test makes to addrs ("host:port"
// as the code names them, e.g. "localhost:6379"), inside the sandbox.
// Dials to other addresses go on to the socket layer. Under plain go test
// it has no effect: hand the client DialContext instead.
func (p *Plugin) Serve(addrs ...string) *Plugin {
	for _, a := range addrs {
		k, err := addrKey(a)
		if err != nil {
			p.v.Reporter().Helper()
			p.v.Misuse(&ArgumentTypeError{Call: accessor() + ".Serve(" + strconv.Quote(a) + ")", Index: 0, Got: "address " + strconv.Quote(a) + " (" + err.Error() + ")",
				Fix: accessor() + `.Serve("localhost:6379")`})
			return p
		}
		p.mu.Lock()
		p.addrs[k] = true
		p.mu.Unlock()
	}
	return p
}

func addrKey(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", &net.AddrError{Err: "invalid port", Addr: addr}
	}
	return strings.ToLower(host) + ":" + port, nil
}

// DialContext is the plugin's dialer, with the signature of
// redis.Options.Dialer (go-redis), redis.DialContextFunc (redigo) and
// net.Dialer.DialContext: each connection it returns is served by the
// plugin. It never touches the network. Outside a sandbox it fails with
// *bigfoot.GuardedCallError; a done ctx fails it with ctx.Err().
func (p *Plugin) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if !p.v.InSandbox() {
		n := core.CurrentNames()
		err := &core.GuardedCallError{Plugin: "redis", Op: "dial", Network: network, Address: addr,
			Reason: "no sandbox is open; commands are answered only inside " + n.Verifier + ".Sandbox",
			Fix:    n.Verifier + ".Sandbox(func() {\n\t// the code that uses the client\n})"}
		p.v.Report(err)
		return nil, err
	}
	return p.newConn(network, addr), nil
}

// Dial is DialContext with context.Background(), for clients that take a
// func(network, addr string) (net.Conn, error), such as redigo's
// redis.DialNetDial.
func (p *Plugin) Dial(network, addr string) (net.Conn, error) {
	return p.DialContext(context.Background(), network, addr)
}

// DialCtxFn is DialContext with the signature of rueidis's
// ClientOption.DialCtxFn; the dialer and TLS configuration are not used
// (the connection is in process, so there is nothing to encrypt).
func (p *Plugin) DialCtxFn(ctx context.Context, addr string, _ *net.Dialer, _ *tls.Config) (net.Conn, error) {
	return p.DialContext(ctx, "tcp", addr)
}

// claimDial answers, in transparent mode, the dials of v's open sandbox
// to the addresses the test gave Serve, when the test used the plugin;
// every other dial goes on to lower layers.
func claimDial(ctx context.Context, v *core.Verifier, network, address string) (guard.Decision, net.Conn, error) {
	p, used := key.Get(v)
	if !used {
		return guard.Pass, nil, nil
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return guard.Pass, nil, nil
	}
	k, err := addrKey(address)
	if err != nil {
		return guard.Pass, nil, nil
	}
	p.mu.Lock()
	served := p.addrs[k]
	p.mu.Unlock()
	if !served {
		return guard.Pass, nil, nil
	}
	if err := ctx.Err(); err != nil {
		return guard.Answer, nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return guard.Answer, p.newConn(network, address), nil
}

// Cluster makes the plugin answer cluster clients (go-redis's
// ClusterClient, rueidis with several addresses) as a Redis Cluster of one
// node, the address dialed, that owns all 16384 slots: CLUSTER SLOTS,
// SHARDS and NODES say so, and every command goes to that node. Without
// it the plugin is a standalone server, which is what single-node clients
// expect ("ERR This instance has cluster support disabled").
func (p *Plugin) Cluster() *Plugin {
	p.mu.Lock()
	p.clusterMode = true
	p.mu.Unlock()
	return p
}
