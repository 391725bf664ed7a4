package bfpg

import (
	"context"
	"errors"
	"fmt"
	"github.com/bigfoot-go/bigfoot/pgwire"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// ServerVersion is the server_version the plugin's server reports.
const ServerVersion = "16.4"

// AuthMethod is how the server authenticates a connection.
type AuthMethod int

// The authentication methods of Auth.
const (
	Trust     AuthMethod = iota // no password asked (the default)
	Cleartext                   // AuthenticationCleartextPassword
	MD5                         // AuthenticationMD5Password
	SCRAM                       // SASL with SCRAM-SHA-256, Postgres's default
)

// String names the method as pg_hba.conf does.
func (m AuthMethod) String() string {
	switch m {
	case Trust:
		return "trust"
	case Cleartext:
		return "password"
	case MD5:
		return "md5"
	case SCRAM:
		return "scram-sha-256"
	}
	return "AuthMethod(" + strconv.Itoa(int(m)) + ")"
}

// Plugin is the Postgres plugin of one verifier: a Postgres server that
// answers, in process, each connection the code dials through it.
type Plugin struct {
	v *core.Verifier
	q *core.Queue

	serve atomic.Pointer[guard.DialRules] // addresses answered in transparent mode
	hosts atomic.Pointer[[]string]        // the host names among them, for lookups

	// mu guards the fields below.
	mu       sync.Mutex
	method   AuthMethod
	password string
	conns    map[*conn]struct{}      // open connections, closed at verification
	sessions int                     // connections that sent a startup message
	byText   map[string]*textScripts // scripts by statement text, for Describe
	verified bool
}

// textScripts lists one statement's scripts in registration order, which
// is the order the queue hands them out in.
type textScripts struct {
	list []*scripted
	head int // list[:head] are all taken
}

// execution describes a statement's execution to the queue, for the
// Match of scripts with parameters.
type execution struct {
	query string
	args  Args
}

// scripted is one ExpectQuery or ExpectExec.
type scripted struct {
	query  string
	rows   *rowset // nil for ExpectExec
	result bfsql.Result
	failed bool         // scripted with bigfoot.Raises
	args   *argsMatcher // the parameters it answers, nil for any (ExpectQueryArgs)
	pc     uintptr      // where it was registered
	taken  bool         // guarded by Plugin.mu
}

var key = core.NewKey[*Plugin]("pg", "bfpg.For(bf)")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfpg")
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v, q: core.NewQueue(v, &core.QueueSpec{Plugin: "pg"}), conns: map[*conn]struct{}{}, byText: map[string]*textScripts{}}
	v.OnVerify(p.verify)
	return p
}

// For returns h's Postgres plugin, creating it on first use.
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's Postgres plugin, for manual use. Each verifier has
// at most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

func acc() string { return "bfpg.For(" + core.CurrentNames().Verifier + ")" }

// Auth sets how the server authenticates connections: Trust (the
// default) asks for nothing; Cleartext and MD5 accept any password when
// password is "" and otherwise only that one; SCRAM needs the password,
// since the server must prove it knows it (clients check). A connection
// that sends another password fails with SQLSTATE 28P01, and the test
// fails with an *AuthError.
func (p *Plugin) Auth(method AuthMethod, password string) *Plugin {
	if method < Trust || method > SCRAM || (method == SCRAM && password == "") {
		reason := "the method is not one of bfpg.Trust, bfpg.Cleartext, bfpg.MD5, bfpg.SCRAM"
		if method == SCRAM {
			reason = "SCRAM-SHA-256 needs the password: the server proves to the client that it knows it"
		}
		p.v.Reporter().Helper()
		p.v.Misuse(&ScriptError{Call: acc() + ".Auth(" + methodExpr(method) + ", " + strconv.Quote(password) + ")", Reason: reason,
			Fix: acc() + `.Auth(bfpg.SCRAM, "secret") // the password the code connects with`})
		return p
	}
	p.mu.Lock()
	p.method, p.password = method, password
	p.mu.Unlock()
	return p
}

func methodExpr(m AuthMethod) string {
	switch m {
	case Trust:
		return "bfpg.Trust"
	case Cleartext:
		return "bfpg.Cleartext"
	case MD5:
		return "bfpg.MD5"
	case SCRAM:
		return "bfpg.SCRAM"
	}
	return "bfpg.AuthMethod(" + strconv.Itoa(int(m)) + ")"
}

func (p *Plugin) auth() (AuthMethod, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.method, p.password
}

// Serve names the addresses whose dials the plugin answers in transparent
// mode (under bigfoot test), as bigfoot.AllowDial writes them:
// "10.0.0.5:5432", "db.internal:5432", "*:5432". A dial inside a sandbox
// to another address goes on to the socket plugin. It does not affect
// DialContext, which answers every address.
func (p *Plugin) Serve(addresses ...string) *Plugin {
	add, err := guard.ParseDialRules(addresses...)
	if err != nil {
		p.v.Reporter().Helper()
		p.v.Misuse(err)
		return p
	}
	var names []string
	for _, a := range addresses {
		h, _, err := net.SplitHostPort(a)
		if err != nil {
			h = a
		}
		if _, err := netip.ParseAddr(h); err != nil && !strings.ContainsAny(h, "*/") && h != "" {
			names = append(names, strings.ToLower(strings.TrimSuffix(h, ".")))
		}
	}
	for {
		old := p.hosts.Load()
		merged := names
		if old != nil {
			merged = append(append([]string(nil), *old...), names...)
		}
		if p.hosts.CompareAndSwap(old, &merged) {
			break
		}
	}
	for {
		old := p.serve.Load()
		merged := add
		if old != nil {
			merged = old.Concat(add)
		}
		if p.serve.CompareAndSwap(old, merged) {
			return p
		}
	}
}

// DialContext connects to the plugin's server: the seam, for
// pgconn.Config.DialFunc (pgx, pgxpool, pgx's stdlib) and any code that
// takes a dial function. address is kept for messages; every address is
// answered. Outside a sandbox it returns *bigfoot.GuardedCallError.
func (p *Plugin) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if !p.v.InSandbox() {
		err := p.guardErr("dial", network, address)
		p.v.Report(err)
		return nil, err
	}
	return p.dial(network, address), nil
}

// LookupHost answers a lookup of the server's host with the name itself,
// so that the dial that follows names it: the seam for
// pgconn.Config.LookupFunc, since pgx resolves the host before it dials.
func (p *Plugin) LookupHost(ctx context.Context, host string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: host, IsTimeout: true}
	}
	return []string{host}, nil
}

// Dial is DialContext without a context: with DialTimeout, it makes the
// plugin a dialer for lib/pq (pq.DialOpen, Connector.Dialer).
func (p *Plugin) Dial(network, address string) (net.Conn, error) {
	return p.DialContext(context.Background(), network, address)
}

// DialTimeout is Dial; the plugin's dials do not wait.
func (p *Plugin) DialTimeout(network, address string, _ time.Duration) (net.Conn, error) {
	return p.Dial(network, address)
}

func (p *Plugin) dial(network, address string) *conn {
	c := newConn(newServer(p), network, address)
	p.mu.Lock()
	if p.verified {
		p.mu.Unlock()
		c.hangUp()
		return c
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	return c
}

// nextSession numbers a connection as it starts up: a dial that only
// asks for TLS (pgx's sslmode=prefer dials again without it) is not counted.
func (p *Plugin) nextSession() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions++
	return p.sessions
}

func (p *Plugin) forget(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *Plugin) guardErr(op, network, address string) error {
	n := core.CurrentNames()
	return &core.GuardedCallError{Plugin: "pg", Op: op, Network: network, Address: address,
		Reason: "no sandbox is open; the pg server answers only inside " + n.Verifier + ".Sandbox",
		Fix:    n.Verifier + ".Sandbox(func() {\n\t// the code that uses the database\n})"}
}

// guardCall refuses a call made on a connection outside every sandbox
// (a pooled connection used after the sandbox closed).
func (p *Plugin) guardCall(op, network string, address fmt.Stringer) error {
	if p.v.InSandbox() {
		return nil
	}
	err := p.guardErr(op, network, address.String())
	p.v.Report(err)
	return err
}

// verify closes the connections still open, so that no Read outlives
// the test.
func (p *Plugin) verify() error {
	p.mu.Lock()
	p.verified = true
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	clear(p.conns)
	p.mu.Unlock()
	for _, c := range conns {
		c.hangUp()
	}
	return nil
}

// ExpectQuery scripts the answer to one execution of query, matched by
// its exact text whichever protocol carries it (a Query message, or
// Parse/Bind/Execute): rows are sent with column types inferred from
// their Go values (see the package doc), in the text or binary format
// the client asks for. Executions of one text take their answers in
// registration order. bigfoot.Raises(&bfpg.Error{Code: "23505", ...})
// answers with that error.
func (p *Plugin) ExpectQuery(query string, rows bfsql.Rows, opts ...core.StepOption) *Plugin {
	if err := p.expectQuery(core.Caller(0), query, nil, rows, opts); err != nil {
		p.v.Reporter().Helper() // the failure points at the test's line
		p.v.Misuse(err)
	}
	return p
}

// expectQuery registers a query script, or returns why it cannot run.
func (p *Plugin) expectQuery(pc uintptr, query string, args *argsMatcher, rows bfsql.Rows, opts []core.StepOption) error {
	sc := &scripted{query: query, args: args, pc: pc}
	raises, _ := core.ApplyOptions(opts)
	rs, err := newRowset(rows, func() string { return acc() + ".ExpectQuery(" + queryLiteral(query) + ", bfsql.Rows{...})" })
	if err != nil && raises == nil {
		return err
	}
	if rs == nil {
		rs = &rowset{}
	}
	sc.rows = rs
	p.add(sc, opts, func() string {
		if sc.args != nil {
			return acc() + ".ExpectQueryArgs(" + queryLiteral(query) + ", " + Args(sc.args.want).GoString() + ", " + rowsExpr(rows) + ")"
		}
		return acc() + ".ExpectQuery(" + queryLiteral(query) + ", " + rowsExpr(rows) + ")"
	})
	return nil
}

// ExpectQueryArgs is ExpectQuery for executions of query with these
// parameters only, compared as AssertQuery compares them (1 matches the
// "1" a client sends; a matcher may stand for any of them): for
// concurrent executions of one statement that must get different rows.
// Among the scripts an execution matches, the first registered answers.
func (p *Plugin) ExpectQueryArgs(query string, args []any, rows bfsql.Rows, opts ...core.StepOption) *Plugin {
	if err := p.expectQuery(core.Caller(0), query, &argsMatcher{want: append([]any{}, args...)}, rows, opts); err != nil {
		p.v.Reporter().Helper()
		p.v.Misuse(err)
	}
	return p
}

// ExpectExecArgs is ExpectExec for executions with these parameters
// only, matched as ExpectQueryArgs matches them.
func (p *Plugin) ExpectExecArgs(query string, args []any, result bfsql.Result, opts ...core.StepOption) *Plugin {
	return p.expectExec(core.Caller(0), query, &argsMatcher{want: append([]any{}, args...)}, result, opts)
}

// ExpectExec scripts the answer to one execution of a statement that
// returns no rows (INSERT, UPDATE, DDL...), matched as ExpectQuery is:
// its command tag reports result.RowsAffected (LastInsertID has no
// meaning in Postgres; use ExpectQuery for INSERT ... RETURNING).
func (p *Plugin) ExpectExec(query string, result bfsql.Result, opts ...core.StepOption) *Plugin {
	return p.expectExec(core.Caller(0), query, nil, result, opts)
}

func (p *Plugin) expectExec(pc uintptr, query string, args *argsMatcher, result bfsql.Result, opts []core.StepOption) *Plugin {
	sc := &scripted{query: query, result: result, args: args, pc: pc}
	p.add(sc, opts, func() string {
		res := "bfsql.Result{RowsAffected: " + strconv.FormatInt(result.RowsAffected, 10) + "}"
		if sc.args != nil {
			return acc() + ".ExpectExecArgs(" + queryLiteral(query) + ", " + Args(sc.args.want).GoString() + ", " + res + ")"
		}
		return acc() + ".ExpectExec(" + queryLiteral(query) + ", " + res + ")"
	})
	return p
}

func (p *Plugin) add(sc *scripted, opts []core.StepOption, render func() string) {
	raises, _ := core.ApplyOptions(opts)
	sc.failed = raises != nil
	pc := sc.pc
	p.mu.Lock()
	ts := p.byText[sc.query]
	if ts == nil {
		ts = &textScripts{}
		p.byText[sc.query] = ts
	}
	ts.list = append(ts.list, sc)
	p.mu.Unlock()
	ent := core.Entry{Key: sc.query, Returns: sc, Render: render}
	if m := sc.args; m != nil {
		ent.Match = func(call any) bool {
			c := call.(*execution)
			return c.query == sc.query && m.Matches(c.args)
		}
	}
	p.q.Add(ent, pc, opts...)
}

// shape returns the rows the next execution of query will send, for a
// Describe before its Bind: nil when it sends none (ExpectExec, or a
// statement the server answers itself).
func (p *Plugin) shape(query string, s *server) (*rowset, *Error) {
	if pgwire.TxKind(query) != pgwire.TxNone || pgwire.IsEmpty(query) {
		return nil, nil
	}
	p.mu.Lock()
	ts := p.byText[query]
	var sc *scripted
	if ts != nil {
		for ts.head < len(ts.list) && ts.list[ts.head].taken {
			ts.head++
		}
		if ts.head < len(ts.list) {
			sc = ts.list[ts.head]
		}
	}
	p.mu.Unlock()
	if sc == nil {
		if table, cols, ok := pgwire.CopySelect(query); ok && p.copyPending(table) {
			// pgx's CopyFrom learns the column types first: unspecified
			// (OID 0), so that it encodes each value by its Go type.
			return &rowset{names: cols, oids: make([]uint32, len(cols))}, nil
		}
		return nil, p.unmocked(s, query, nil, "Describe of ")
	}
	if sc.failed {
		return nil, nil
	}
	return sc.rows, nil
}

// take takes the script that answers one execution and records it.
func (p *Plugin) take(s *server, query string, args Args) (*scripted, *Error) {
	var sc *scripted
	ent, err := p.q.Take(query, &execution{query: query, args: args}, func(e *core.Entry) error {
		sc = e.Returns.(*scripted)
		src := Exec
		if sc.rows != nil {
			src = Query
		}
		p.v.Record(src, core.String(query), core.ValueOf(args))
		p.mu.Lock()
		sc.taken = true
		p.mu.Unlock()
		return nil
	})
	if err != nil {
		p.v.Report(err)
		return nil, &Error{Code: "XX000", Message: firstLine(err)}
	}
	if ent == nil {
		return nil, p.unmocked(s, query, args, "")
	}
	if ent.Err != nil {
		var pe *Error
		if errors.As(ent.Err, &pe) {
			c := *pe
			return nil, &c
		}
		return nil, &Error{Code: "XX000", Message: ent.Err.Error()}
	}
	return sc, nil
}

// unmocked reports a statement no script answers and returns the error
// the client gets: SQLSTATE XX000, bigfoot's message, the fix as its hint.
func (p *Plugin) unmocked(s *server, query string, args Args, what string) *Error {
	p.mu.Lock()
	n, waiting := 0, 0
	if ts := p.byText[query]; ts != nil {
		n = len(ts.list)
		for _, sc := range ts.list[ts.head:] {
			if !sc.taken {
				waiting++
			}
		}
	}
	p.mu.Unlock()
	reason := "no scripted answer is left for this statement"
	switch {
	case waiting > 0:
		reason = "no script matches these arguments (" + strconv.Itoa(waiting) + " left for this statement with other arguments)"
	case n > 0:
		reason += " (" + strconv.Itoa(n) + " scripted for it, all taken by earlier executions)"
	}
	if near := p.closest(query); near != "" {
		reason += "\n  " + near
	}
	call := what + "query " + core.String(query).GoString()
	if len(args) > 0 {
		call += " with args " + args.GoString()
	}
	call += " on " + s.c.String() + " (user " + strconv.Quote(s.user) + ", database " + strconv.Quote(s.db) + ")"
	var fix string
	if returnsRows(query) {
		fix = acc() + ".ExpectQuery(" + queryLiteral(query) + ", bfsql.Rows{Columns: []string{\"column1\"}, Values: [][]any{{\"value\"}}})"
	} else {
		fix = acc() + ".ExpectExec(" + queryLiteral(query) + ", bfsql.Result{RowsAffected: 1})"
	}
	step := "query"
	if !returnsRows(query) {
		step = "exec"
	}
	err := &core.UnmockedInteractionError{Plugin: "pg", Step: step, Call: call, Reason: reason, Fix: fix}
	p.v.Report(err)
	return &Error{Code: "XX000", Message: "bigfoot: unmocked pg " + step + ": " + core.String(query).GoString(), Hint: fix}
}

// closest describes the unused script whose text is nearest to query
// (the longest common prefix, at least half the statement): where the
// texts differ, as the protocol carried them.
func (p *Plugin) closest(query string) string {
	pending, _ := p.q.Pending(256)
	var best *core.Entry
	bestAt := -1
	for _, e := range pending {
		if strings.HasPrefix(e.Key, "\x00") {
			continue
		}
		i := 0
		for i < len(e.Key) && i < len(query) && e.Key[i] == query[i] {
			i++
		}
		if i > bestAt {
			best, bestAt = e, i
		}
	}
	if best == nil || bestAt*2 < min(len(query), len(best.Key)) {
		return ""
	}
	return "the closest script, registered at " + best.Site() + ", differs: query text differs at byte " + strconv.Itoa(bestAt) +
		": the script has " + describeAt(best.Key, bestAt) + ", the client sent " + describeAt(query, bestAt) +
		"\n    script: " + core.String(best.Key).GoStringAround(bestAt) +
		"\n    sent:   " + core.String(query).GoStringAround(bestAt)
}

// describeAt names the character at byte i of s.
func describeAt(s string, i int) string {
	if i >= len(s) {
		return "the end of the statement"
	}
	switch c := s[i]; c {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return"
	default:
		r, _ := utf8.DecodeRuneInString(s[i:])
		return strconv.QuoteRune(r)
	}
}

// returnsRows guesses whether a statement returns rows, for fixes.
func returnsRows(q string) bool {
	words := strings.Fields(strings.ToUpper(pgwire.StripComments(q)))
	if len(words) == 0 {
		return false
	}
	switch words[0] {
	case "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "FETCH", "EXPLAIN":
		return true
	}
	return strings.Contains(strings.ToUpper(q), "RETURNING")
}

// ScriptError is reported when a script cannot be run: rows the server
// cannot encode, an authentication set-up that cannot work.
type ScriptError struct {
	Call   string // the call, as Go
	Reason string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ScriptError) Error() string {
	return "bigfoot: " + e.Call + ": " + e.Reason + "\nfix:\n\t" + strings.ReplaceAll(e.Fix, "\n", "\n\t")
}

// AuthError is reported when a connection authenticates with a password
// other than the one the test named (see Auth). The client gets SQLSTATE
// 28P01, as from Postgres.
type AuthError struct {
	User, Database string
	Reason         string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *AuthError) Error() string {
	return "bigfoot: pg authentication failed for user " + strconv.Quote(e.User) + " (database " + strconv.Quote(e.Database) + "): " +
		e.Reason + "\nfix:\n\t// give the code the password the test names, or name the one it uses:\n\t" + acc() + `.Auth(bfpg.SCRAM, "secret")`
}

// ColumnsChangedError is reported when a prepared statement is executed
// with a script whose columns differ from those its Describe sent: the
// client (pgx caches statements) decodes the rows with the described types.
type ColumnsChangedError struct {
	Query     string
	Described []uint32 // column type OIDs the Describe sent; nil for none
	Scripted  []uint32 // those of the script taken
	Site      string   // where that script was registered
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ColumnsChangedError) Error() string {
	return "bigfoot: pg statement " + core.String(e.Query).GoString() + " was prepared with columns " + typeList(e.Described) +
		" but the script taken for this execution (registered at " + e.Site + ") has " + typeList(e.Scripted) +
		"\n  the client decodes every execution of a prepared statement with the types of its Describe" +
		"\nfix:\n\t// script the same columns, of the same Go types, for every execution of one statement text"
}

func typeList(oids []uint32) string {
	if oids == nil {
		return "none"
	}
	names := make([]string, len(oids))
	for i, o := range oids {
		names[i] = typeNames[o]
	}
	return "(" + strings.Join(names, ", ") + ")"
}

func (sc *scripted) columnOIDs() []uint32 {
	if sc.rows == nil {
		return nil
	}
	return sc.rows.oids
}

// sameColumns checks the script against the columns a statement's
// Describe sent.
func (sc *scripted) sameColumns(described []uint32) *Error {
	got := sc.columnOIDs()
	same := len(got) == len(described) && (got == nil) == (described == nil)
	for i := 0; same && i < len(got); i++ {
		// A column no value of the script typed (no rows, or only NULLs)
		// is sent as the statement was described: a zero-row answer to a
		// cached statement is what a real server gives too.
		same = got[i] == described[i] || sc.rows.untyped[i]
	}
	if same {
		return nil
	}
	return &Error{Code: "0A000", Message: "bigfoot: cached plan must not change result type: the statement was described with columns " +
		typeList(described) + ", the script taken has " + typeList(got)}
}
