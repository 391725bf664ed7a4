package bfsql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"reflect"
	"strconv"
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// drv is the plugin as a database/sql driver: db.Driver() of a DB from
// Open returns it. Open(name) connects with name as the DSN.
type drv struct{ p *Plugin }

// Open implements driver.Driver.
func (d drv) Open(name string) (driver.Conn, error) {
	return d.p.connect(context.Background(), name, nil)
}

// OpenConnector implements driver.DriverContext.
func (d drv) OpenConnector(name string) (driver.Connector, error) {
	return &connector{p: d.p, dsn: name}, nil
}

// connector is the plugin's driver.Connector for one DSN.
type connector struct {
	p   *Plugin
	dsn string
}

// Connect takes the next scripted session and its connect step.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	return c.p.connect(ctx, c.dsn, nil)
}

// Driver returns the plugin as a driver.Driver.
func (c *connector) Driver() driver.Driver { return drv{c.p} }

// linkState is where a connection stands with database/sql's pool.
type linkState uint8

const (
	inUse    linkState = iota // handed to a caller
	idle                      // returned to the pool (IsValid was called)
	released                  // transparent mode: returned, and database/sql is closing its wrapper; the session is kept
	parked                    // transparent mode: kept by the plugin for the DB's next connection
	dead                      // closed
)

// link is one physical connection: a bound session, from its connect step
// to its close. In seam mode it is one driver connection for its whole
// life; in transparent mode database/sql drops its wrapper on every
// release (so that the shared pool never holds it) and the plugin hands
// the same link out again, in a new wrapper, to the next request of the
// same DB inside the sandbox.
type link struct {
	p   *Plugin
	s   *Session // nil for an unscripted connection
	dsn string
	db  *sql.DB // transparent mode: the DB it serves; nil in seam mode

	// state is a linkState, changed with compare-and-swap: the pool's
	// calls (ResetSession, IsValid) and every statement touch it.
	state atomic.Uint32
	rows  atomic.Int32 // Rows open on it
	exit  atomic.Bool  // closed by the plugin at the end of a sandbox
}

func (l *link) load() linkState { return linkState(l.state.Load()) }

// move changes the state from one to another, reporting whether it did.
func (l *link) move(from, to linkState) bool {
	return l.state.CompareAndSwap(uint32(from), uint32(to))
}

// String describes the connection in messages.
func (l *link) String() string {
	if l.s == nil {
		return "a new connection to " + strconv.Quote(l.dsn)
	}
	return "sql session " + strconv.Itoa(l.s.number) + " (dsn " + strconv.Quote(l.dsn) + ")"
}

func (l *link) setState(s linkState) {
	if linkState(l.state.Swap(uint32(s))) != s {
		l.p.changed()
	}
}

// conn is the driver connection database/sql holds. Its methods are
// those of every interface database/sql prefers, so that pooling,
// retries and pinning behave as with a real driver.
type conn struct {
	l    *link
	park bool // transparent mode: see link
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
)

// use marks the connection in use before a call; a connection the
// plugin closed at the end of a sandbox answers driver.ErrBadConn, so
// that database/sql drops it and opens another, as it does for a
// connection the server closed.
func (c *conn) use() error {
	l := c.l
	if l.move(idle, inUse) {
		l.p.changed()
		return nil
	}
	if l.load() == dead && l.exit.Load() {
		return driver.ErrBadConn
	}
	return nil
}

// guard refuses calls outside the sandbox: a connection is answered only
// while bf.Sandbox runs.
func (c *conn) guard(op string) error {
	p := c.l.p
	if p.v.InSandbox() {
		return nil
	}
	n := core.CurrentNames()
	err := &core.GuardedCallError{Plugin: "sql", Op: op, Network: "on", Address: c.l.String(),
		Reason: "no sandbox is open; database calls are answered only inside " + n.Verifier + ".Sandbox",
		Fix:    n.Verifier + ".Sandbox(func() {\n\t// the code that uses the database\n})"}
	return guard.RefuseOutside(guard.KindSQL, p.v, "sql "+op+" on "+c.l.String(), err, seamNothingBehind)
}

// seamNothingBehind says why a guard level of warn or off cannot let a
// call of the plugin's own connections through.
const seamNothingBehind = "the connection is the SQL plugin's, scripted, with no database behind it"

// begin is the common start of every call: the connection in use, the
// sandbox open, the context not done.
func (c *conn) begin(ctx context.Context, op string) error {
	if err := c.use(); err != nil {
		return err
	}
	if err := c.guard(op); err != nil {
		return err
	}
	return ctx.Err()
}

// take consumes the call's step, or reports the unscripted connection.
func (c *conn) take(cl *call) (*step, error) {
	cl.l = c.l
	if c.l.s == nil {
		err := c.l.p.unscripted(cl)
		c.l.p.v.Report(err)
		return nil, err
	}
	return c.l.s.take(cl)
}

// QueryContext takes a query step and returns its rows.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.begin(ctx, "query"); err != nil {
		return nil, err
	}
	st, err := c.take(&call{kind: kQuery, query: query, args: args})
	if err != nil {
		return nil, err
	}
	if st.err != nil {
		return nil, st.err
	}
	c.l.rows.Add(1)
	st.rows.l = c.l
	return st.rows, nil
}

// ExecContext takes an exec step and returns its result.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.begin(ctx, "exec"); err != nil {
		return nil, err
	}
	st, err := c.take(&call{kind: kExec, query: query, args: args})
	if err != nil {
		return nil, err
	}
	if st.err != nil {
		return nil, st.err
	}
	return &st.res, nil
}

// PrepareContext returns a statement without taking a step: preparing is
// not an interaction (see the package documentation); executing the
// statement takes the query or exec step, with the statement's text.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.begin(ctx, "prepare"); err != nil {
		return nil, err
	}
	return &stmt{c: c, query: query}, nil
}

// Prepare is PrepareContext with context.Background().
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// BeginTx takes a begin step. Isolation levels and read-only are
// accepted and not recorded: begin has no fields.
func (c *conn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	if err := c.begin(ctx, "begin"); err != nil {
		return nil, err
	}
	st, err := c.take(&call{kind: kBegin})
	if err != nil {
		return nil, err
	}
	if st.err != nil {
		return nil, st.err
	}
	return &tx{c: c}, nil
}

// Begin is BeginTx with the default options.
//
// Deprecated: database/sql calls BeginTx; Begin is here for driver.Conn.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// Close takes the close step. A connection the plugin already closed, an
// unscripted one, or one closed outside every sandbox (by DB.Close at
// cleanup, after it was reported in use at the end of the sandbox) closes
// quietly. In transparent mode, the close database/sql makes of a
// connection it just returned keeps the session for the DB's next
// connection instead.
func (c *conn) Close() error {
	l := c.l
	if l.s == nil {
		return nil // unscripted: nothing to close, nothing to keep
	}
	st := l.load()
	if st == released && l.move(released, parked) {
		l.p.park(l)
		return nil
	}
	switch {
	case st == dead || st == parked:
		return nil
	case !l.p.v.InSandbox():
		l.setState(dead)
		l.p.drop(l)
		return nil
	}
	return l.close()
}

// close takes the close step and marks the link dead.
func (l *link) close() error {
	st, err := l.s.take(&call{kind: kClose, l: l})
	l.setState(dead)
	l.p.drop(l)
	if err != nil {
		return err
	}
	return st.err
}

// CheckNamedValue converts an argument as database/sql's default
// converter does (int to int64, a driver.Valuer to its Value), and keeps
// values of other types as they are, as drivers with types of their own
// (pgx's arrays, say) accept them.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	v, err := convert(nv.Value)
	if err != nil {
		return err
	}
	nv.Value = v
	return nil
}

// ResetSession is called by database/sql before it reuses a pooled
// connection: one the plugin closed answers driver.ErrBadConn, so that
// database/sql opens another.
func (c *conn) ResetSession(ctx context.Context) error {
	l := c.l
	if l.move(idle, inUse) {
		l.p.changed()
		return nil
	}
	if l.load() == dead {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid is called by database/sql when the connection returns to the
// pool: it is idle from then on. In transparent mode it reports false, so
// that database/sql drops its wrapper rather than keep it in a pool other
// code shares; the session is kept for the DB's next connection.
func (c *conn) IsValid() bool {
	l := c.l
	to := idle
	if c.park {
		to = released
	}
	for {
		st := l.load()
		if st == dead {
			return false
		}
		if l.move(st, to) {
			l.p.changed()
			return !c.park
		}
	}
}

// Ping answers DB.Ping and Conn.PingContext: it takes no step, and fails
// as the other calls do outside a sandbox, on an unscripted connection,
// or on a closed one.
func (c *conn) Ping(ctx context.Context) error {
	if err := c.begin(ctx, "ping"); err != nil {
		return err
	}
	if c.l.s == nil {
		err := c.l.p.unscripted(&call{kind: kConnect, l: c.l})
		c.l.p.v.Report(err)
		return err
	}
	if !c.l.s.closeable() {
		return driver.ErrBadConn
	}
	return nil
}

// stmt is a prepared statement: executing it takes the query or exec step
// of its connection with the statement's text.
type stmt struct {
	c     *conn
	query string
}

var (
	_ driver.StmtQueryContext = (*stmt)(nil)
	_ driver.StmtExecContext  = (*stmt)(nil)
)

// Close takes no step.
func (s *stmt) Close() error { return nil }

// NumInput returns -1: the plugin does not parse statements, so
// database/sql leaves the argument count to the script.
func (s *stmt) NumInput() int { return -1 }

// ExecContext takes an exec step with the statement's text.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

// QueryContext takes a query step with the statement's text.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

// Exec is ExecContext without a context.
//
// Deprecated: database/sql calls ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query is QueryContext without a context.
//
// Deprecated: database/sql calls QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// tx is a transaction: Commit and Rollback take their steps.
type tx struct{ c *conn }

// Commit takes a commit step.
func (t *tx) Commit() error { return t.end(kCommit) }

// Rollback takes a rollback step.
func (t *tx) Rollback() error { return t.end(kRollback) }

func (t *tx) end(k kind) error {
	if err := t.c.begin(context.Background(), k.String()); err != nil {
		return err
	}
	st, err := t.c.take(&call{kind: k})
	if err != nil {
		return err
	}
	return st.err
}

// result is a scripted exec's sql.Result.
type result struct{ r Result }

// LastInsertId returns the scripted LastInsertID.
func (r *result) LastInsertId() (int64, error) { return r.r.LastInsertID, nil }

// RowsAffected returns the scripted RowsAffected.
func (r *result) RowsAffected() (int64, error) { return r.r.RowsAffected, nil }

var (
	_ driver.RowsColumnTypeScanType         = (*rowsData)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rowsData)(nil)
	_ driver.RowsColumnTypeNullable         = (*rowsData)(nil)
)

// Columns returns the scripted column names.
func (r *rowsData) Columns() []string { return r.columns }

// Close ends the rows; the connection is free for its next call.
func (r *rowsData) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.l.rows.Add(-1)
	r.l.p.changed()
	return nil
}

// Next copies the next row into dest; []byte values are fresh copies, so
// code that keeps sql.RawBytes cannot change the script.
func (r *rowsData) Next(dest []driver.Value) error {
	if r.next >= r.n {
		return io.EOF
	}
	row := r.row(r.next)
	r.next++
	for i, v := range row {
		if b, ok := v.([]byte); ok && b != nil {
			v = append([]byte(nil), b...)
		}
		dest[i] = v
	}
	return nil
}

// ColumnTypeScanType reports the Go type of the column's values, from the
// first non-nil one; a column holding nil scans into an sql.Null type.
func (r *rowsData) ColumnTypeScanType(i int) reflect.Type {
	if t := r.columnTypes()[i].scan; t != nil {
		return t
	}
	return anyType
}

// ColumnTypeDatabaseTypeName names the column's type in SQL terms inferred
// from its values: BIGINT, DOUBLE, BOOLEAN, TEXT, BLOB, TIMESTAMP, or ""
// when no value tells.
func (r *rowsData) ColumnTypeDatabaseTypeName(i int) string { return r.columnTypes()[i].name }

// ColumnTypeNullable reports a column nullable when one of its scripted
// values is nil; otherwise it does not know.
func (r *rowsData) ColumnTypeNullable(i int) (nullable, ok bool) {
	n := r.columnTypes()[i].nullable
	return n, n
}
