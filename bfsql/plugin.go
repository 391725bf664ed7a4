package bfsql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Plugin is the SQL plugin of one verifier.
type Plugin struct {
	v *core.Verifier

	// mu guards the fields below.
	mu       sync.Mutex
	sessions []*Session          // in registration order
	head     int                 // first session no connection has taken
	links    []*link             // bound connections not yet closed: few, so a list
	parkedBy map[*sql.DB][]*link // transparent mode: sessions kept for each DB's next connection
	dbs      []*sql.DB           // from Open, closed at verification
	wake     chan struct{}       // closed at the next change of a link, while waiting is set

	waiting atomic.Bool // the sandbox's end waits for connections in use

	cols  colCache                    // column names of scripted rows, shared between steps
	spare atomic.Pointer[argsMatcher] // the assertion helpers' matcher, when free
}

var key = core.NewKey[*Plugin]("sql", "bf.SQL()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfsql")
	claimTransparent()
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v}
	v.OnSandboxExit(p.sandboxExit)
	v.OnVerify(p.verify)
	return p
}

// For returns v's SQL plugin, creating it on first use.
func For(v core.Host) *Plugin { return key.Of(v, newPlugin) }

// NewPlugin creates v's SQL plugin. Each verifier has at most one: a
// second call returns an error for which errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(v core.Host) (*Plugin, error) { return key.New(v, newPlugin) }

func accessor() string { return core.CurrentNames().Verifier + ".SQL()" }

// NewSession registers a new scripted connection. The connections
// database/sql opens take sessions in the order they were registered: a
// second connection, opened for a query made while the first is busy,
// takes the next one.
func (p *Plugin) NewSession() *Session {
	s := &Session{p: p, state: sDisconnected, states: sDisconnected}
	p.mu.Lock()
	p.sessions = append(p.sessions, s)
	s.number = len(p.sessions)
	p.mu.Unlock()
	return s
}

// Open returns a *sql.DB whose connections are the plugin's: each takes
// the next scripted session, and its connect step records dsn. The DB is
// closed when the verifier verifies (at the test's cleanup); its
// connections have been closed before that, inside the sandbox (see the
// package documentation).
func (p *Plugin) Open(dsn string) *sql.DB {
	db := sql.OpenDB(&connector{p: p, dsn: dsn})
	p.mu.Lock()
	p.dbs = append(p.dbs, db)
	p.mu.Unlock()
	return db
}

// Connector returns a driver.Connector whose connections are the
// plugin's, for sql.OpenDB and for libraries that take a connector. The
// caller owns (and closes) the DBs it opens with it.
func (p *Plugin) Connector(dsn string) driver.Connector { return &connector{p: p, dsn: dsn} }

// connect takes the next session and its connect step. db is set in
// transparent mode, where a session the DB's earlier connection left is
// taken again first. With no session left it returns an unscripted
// connection, whose first call fails as unmocked and names the statement,
// so that the fix can script it.
func (p *Plugin) connect(ctx context.Context, dsn string, db *sql.DB) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.v.InSandbox() {
		n := core.CurrentNames()
		err := &core.GuardedCallError{Plugin: "sql", Op: "connect", Network: "to", Address: strconv.Quote(dsn),
			Reason: "no sandbox is open; database calls are answered only inside " + n.Verifier + ".Sandbox",
			Fix:    n.Verifier + ".Sandbox(func() {\n\t// the code that uses the database\n})"}
		// A guard level of warn or off cannot let it through: there is no database behind it.
		return nil, guard.RefuseOutside(guard.KindSQL, p.v, "sql connect "+strconv.Quote(dsn), err, seamNothingBehind)
	}
	park := db != nil
	if park {
		if l := p.unpark(db); l != nil {
			return &conn{l: l, park: true}, nil
		}
	}
	s := p.bind()
	if s == nil {
		return &conn{l: &link{p: p, dsn: dsn, db: db}, park: park}, nil
	}
	l := &link{p: p, s: s, dsn: dsn, db: db}
	st, err := s.take(&call{kind: kConnect, l: l})
	if err != nil {
		return nil, err
	}
	if st.err != nil {
		return nil, st.err
	}
	p.mu.Lock()
	p.links = append(p.links, l)
	p.mu.Unlock()
	return &conn{l: l, park: park}, nil
}

// bind takes the next session no connection has taken, or nil.
func (p *Plugin) bind() *Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.head == len(p.sessions) {
		return nil
	}
	s := p.sessions[p.head]
	p.head++
	s.mu.Lock()
	s.bound = true
	s.mu.Unlock()
	return s
}

// record puts the call that takes st on the timeline.
func (p *Plugin) record(c *call, st *step) {
	switch c.kind {
	case kConnect:
		p.v.Record(Connect, core.String(c.l.dsn))
	case kQuery:
		st.keepArgs(c.args)
		p.v.Record(Query, core.String(c.query), core.ValueOf(st))
	case kExec:
		st.keepArgs(c.args)
		p.v.Record(Exec, core.String(c.query), core.ValueOf(st))
	case kBegin:
		p.v.Record(Begin)
	case kCommit:
		p.v.Record(Commit)
	case kRollback:
		p.v.Record(Rollback)
	case kClose:
		p.v.Record(Close)
	}
}

// unscripted is the failure of a call on a connection no session was
// left for: the fix scripts a whole session, this call included.
func (p *Plugin) unscripted(c *call) error {
	p.mu.Lock()
	n := len(p.sessions)
	p.mu.Unlock()
	reason := "no scripted sql session is left for this connection"
	if n > 0 {
		reason += " (" + strconv.Itoa(n) + " scripted, all taken by earlier connections)"
	}
	fix := "// script one session per connection database/sql opens, before the sandbox:\n" +
		accessor() + ".NewSession().\n\tExpect(\"connect\", nil)."
	switch c.kind {
	case kConnect:
	case kQuery, kExec:
		// The statement as a comment ends the line; the chain goes on below it.
		fix += "\n\tExpect(" + strconv.Quote(c.kind.String()) + ", " + examples[c.kind] + "). // " + queryComment(c.query)
	default:
		fix += "\n\tExpect(" + strconv.Quote(c.kind.String()) + ", " + examples[c.kind] + ")."
	}
	fix += "\n\tExpect(\"close\", nil)"
	step := c.kind.String()
	call := c.describe() + " on " + c.l.String()
	if c.kind == kConnect {
		call = "Ping() on " + c.l.String()
	}
	return &core.UnmockedInteractionError{Plugin: "sql", Step: step, Call: call, Reason: reason, Fix: fix}
}

// park keeps a link database/sql let go of (transparent mode) for the
// next connection of its DB.
func (p *Plugin) park(l *link) {
	p.mu.Lock()
	if p.parkedBy == nil {
		p.parkedBy = map[*sql.DB][]*link{}
	}
	p.parkedBy[l.db] = append(p.parkedBy[l.db], l)
	p.mu.Unlock()
	p.changed()
}

// unpark takes the most recently parked link of db, if any.
func (p *Plugin) unpark(db *sql.DB) *link {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.parkedBy[db]
	for len(list) > 0 {
		l := list[len(list)-1]
		list = list[:len(list)-1]
		p.parkedBy[db] = list
		if l.move(parked, inUse) {
			return l
		}
	}
	return nil
}

func (p *Plugin) drop(l *link) {
	p.mu.Lock()
	if i := slices.Index(p.links, l); i >= 0 {
		p.links = slices.Delete(p.links, i, i+1)
	}
	p.mu.Unlock()
	p.changed()
}

// changed wakes the end of a sandbox waiting for connections in use. It
// costs one atomic load when nothing waits.
func (p *Plugin) changed() {
	if !p.waiting.Load() {
		return
	}
	p.mu.Lock()
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
	p.mu.Unlock()
}

// sandboxExit runs as each sandbox ends, inside it. It closes the
// connections database/sql holds idle whose script has nothing but a
// close left, so that their close steps are taken (and recorded) there;
// a connection still in use (a Rows not closed, a Tx not ended, a Conn
// not closed) is waited for up to core.SettleTimeout, for database/sql's
// own goroutines (a context's cancellation rolls back from one), and then
// reported.
func (p *Plugin) sandboxExit() {
	var deadline time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var idleBuf, busyBuf [4]*link // most sandboxes leave a connection or two
	for {
		// Set before the links are read, so that a change after it wakes the wait.
		p.waiting.Store(true)
		p.mu.Lock()
		idleLinks, busy := idleBuf[:0], busyBuf[:0]
		for _, l := range p.links {
			switch l.load() {
			case idle, parked:
				idleLinks = append(idleLinks, l)
			case inUse, released:
				busy = append(busy, l)
			}
		}
		var wake chan struct{}
		if len(busy) > 0 { // made only when there is something to wait for
			if p.wake == nil {
				p.wake = make(chan struct{})
			}
			wake = p.wake
		}
		p.mu.Unlock()
		// In session order: the timeline and the messages do not depend on the order of connections.
		bySession := func(a, b *link) int { return a.s.number - b.s.number }
		slices.SortFunc(idleLinks, bySession)
		slices.SortFunc(busy, bySession)
		for _, l := range idleLinks {
			l.closeAtExit()
		}
		if len(busy) == 0 {
			p.waiting.Store(false)
			return
		}
		if timer == nil {
			deadline = time.Now().Add(core.SettleTimeout)
			timer = time.NewTimer(core.SettleTimeout)
		}
		select {
		case <-wake:
			if time.Now().Before(deadline) {
				continue
			}
		case <-timer.C:
		}
		p.waiting.Store(false)
		for _, l := range busy {
			if err := l.inUseError(); err != nil {
				p.v.Report(err)
			}
		}
		return
	}
}

// closeAtExit closes an idle link as the sandbox ends, when its script
// says it may: its next required step is close, or nothing is left (and
// the missing close is reported as unmocked). A link whose script still
// has other steps stays open for a later sandbox; verification reports
// those steps if they are never taken.
func (l *link) closeAtExit() {
	if !l.s.closesNext() {
		return
	}
	if !l.move(idle, inUse) && !l.move(parked, inUse) {
		return // database/sql took it meanwhile
	}
	l.exit.Store(true)
	st, err := l.s.take(&call{kind: kClose, l: l, atExit: true})
	l.setState(dead)
	l.p.drop(l)
	_, _ = st, err // reported by take; the connection is gone either way
}

// closesNext reports whether the session's next required step is close,
// or none is left.
func (s *Session) closesNext() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || validFrom[kClose]&s.state == 0 {
		return false
	}
	i, blocker := s.find(kClose)
	return i >= 0 || blocker < 0
}

// inUseError describes a link still in use as the sandbox ends, or nil if
// it has been released meanwhile.
func (l *link) inUseError() error {
	state, open := l.load(), int(l.rows.Load())
	if state != inUse && state != released {
		return nil
	}
	l.s.mu.Lock()
	inTx := l.s.state == sInTransaction
	l.s.mu.Unlock()
	return &ConnectionInUseError{Session: l.s.number, DSN: l.dsn, Rows: open, InTransaction: inTx}
}

// verify closes the DBs from Open (their connections were closed inside
// the sandbox, so this takes no step) and reports required steps never
// taken.
func (p *Plugin) verify() error {
	p.mu.Lock()
	dbs := p.dbs
	p.dbs = nil
	var buf [4]*Session
	sessions := append(buf[:0], p.sessions...)
	p.mu.Unlock()
	for _, db := range dbs {
		db.Close()
	}
	var steps []core.UnusedStep
	unbound := false
	for _, s := range sessions {
		out, bound := s.unused()
		steps = append(steps, out...)
		if len(out) > 0 && !bound {
			unbound = true
		}
	}
	if len(steps) == 0 {
		return nil
	}
	e := &core.UnusedMocksError{Steps: steps}
	if unbound && !guard.Transparent() {
		e.Notes = []string{"a scripted sql session was never connected. Under plain `go test` only the DBs of " +
			accessor() + ".Open and " + accessor() + ".Connector are the plugin's; a *sql.DB the code opens itself " +
			"(sql.Open(\"pgx\", dsn)) is intercepted only under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test` " +
			"(transparent mode). Give the code " + accessor() + ".Open(dsn), or run the tests under bigfoot test."}
	}
	return e
}

// ConnectionInUseError is reported when a sandbox ends while the code
// still holds one of the plugin's connections: a *sql.Rows not closed, a
// *sql.Tx neither committed nor rolled back, or a *sql.Conn not closed.
// In production each holds a pooled connection until it is released.
type ConnectionInUseError struct {
	Session       int
	DSN           string
	Rows          int  // Rows still open on the connection
	InTransaction bool // a transaction is open on it
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ConnectionInUseError) Error() string {
	var what, fix string
	switch {
	case e.Rows > 0:
		what = strconv.Itoa(e.Rows) + " *sql.Rows not closed"
		fix = "rows, err := db.QueryContext(ctx, query, args...)\nif err != nil {\n\treturn err\n}\ndefer rows.Close()"
	case e.InTransaction:
		what = "a *sql.Tx neither committed nor rolled back"
		fix = "tx, err := db.BeginTx(ctx, nil)\nif err != nil {\n\treturn err\n}\ndefer tx.Rollback() // after Commit it does nothing"
	default:
		what = "a *sql.Conn not closed, or a statement still running"
		fix = "conn, err := db.Conn(ctx)\nif err != nil {\n\treturn err\n}\ndefer conn.Close()"
	}
	return "bigfoot: sql session " + strconv.Itoa(e.Session) + " (dsn " + strconv.Quote(e.DSN) +
		") is still in use as the sandbox ends (waited " + core.SettleTimeout.String() + "): " + what +
		"; in production it holds a pooled connection until it is released\nfix:\n\t" + strings.ReplaceAll(fix, "\n", "\n\t")
}
