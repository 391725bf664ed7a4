// Package bfsql is bigfoot's SQL plugin: scripted database connections
// behind database/sql, reached as bf.SQL().
//
// The plugin is a database/sql driver. Each connection database/sql opens
// takes the next session the test scripted, in registration order, and
// every call on it takes the next step of that session:
//
//	db := bf.SQL().Open("postgres://app@db/app") // the *sql.DB the code receives (the seam)
//	bf.SQL().NewSession().
//		Expect("connect", nil).
//		Expect("query", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"Ada"}}}).
//		Expect("close", nil)
//
//	bf.Sandbox(func() { name, err = repo.UserName(ctx, db, 1) })
//
//	bf.SQL().AssertConnect("postgres://app@db/app")
//	bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1", 1)
//	bf.SQL().AssertClose()
//
// Steps, the calls that take them, what they return and what is recorded:
//
//	connect   a new connection (Connector.Connect)   nil            dsn
//	begin     DB.BeginTx, Conn.BeginTx                nil            none
//	query     Query, QueryRow (and a Stmt's)          bfsql.Rows     query, args
//	exec      Exec (and a Stmt's)                     bfsql.Result   query, args
//	commit    Tx.Commit                               nil            none
//	rollback  Tx.Rollback                             nil            none
//	close     the connection's Close                  nil            none
//
// The state machine: disconnected --connect--> connected; query and exec
// loop on connected and on in_transaction; begin: connected -->
// in_transaction; commit and rollback: in_transaction --> connected; close
// --> closed. Expect refuses a script the machine cannot run (a commit with
// no begin before it) with *bigfoot.InvalidStateError, and a call made from
// the wrong state fails with it too (wrapping driver.ErrBadConn once the
// connection is closed).
//
// # Transparent mode
//
// Under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test`, database/sql
// is compiled with a hook where a *sql.DB takes a connection (the start of
// (*DB).conn), and sql.Open records the DSN of the DB it opens. Inside a
// sandbox whose test has used bf.SQL(), every *sql.DB, whichever driver
// opened it and whenever (before the test, in TestMain, in a package
// variable), takes its connections from the plugin's sessions: the DB's
// pool of real connections is not touched, and its driver is never called.
// AssertConnect sees the DSN given to sql.Open, or "" for sql.OpenDB.
// Without bf.SQL() the hook leaves database/sql alone: the driver dials as
// it always does, and the dial meets the socket plugin inside a sandbox or
// the firewall outside one.
//
// # Decisions the design leaves open
//
//   - Preparing is not a step. database/sql prepares on its own schedule
//     (a Stmt is prepared again on each connection it runs on, some
//     libraries prepare every statement), so a prepare step would tie
//     scripts to pool internals. db.Prepare takes no step; executing the
//     statement takes the query or exec step, recorded with the
//     statement's text.
//   - Pings are not steps. DB.Ping answers from the connection's state: a
//     new connection takes its connect step, a closed one answers
//     driver.ErrBadConn.
//   - Connections close inside the sandbox. As each sandbox ends, the
//     plugin closes the connections database/sql holds idle whose script
//     has nothing left but a close (or nothing at all), so their close
//     steps are taken, and recorded, inside the sandbox: script and assert
//     a close for each session. database/sql drops such a connection on its
//     next use (ResetSession answers driver.ErrBadConn), as it drops one the
//     server closed, so a DB used in a later sandbox opens a new connection
//     and takes the next session. A connection whose script still has other
//     steps stays open for a later sandbox (verification reports the steps
//     if no sandbox takes them).
//   - Connections still in use as the sandbox ends (a *sql.Rows not closed,
//     a *sql.Tx neither committed nor rolled back, a *sql.Conn not closed)
//     are waited for up to core.SettleTimeout, for database/sql's own
//     goroutines (a cancelled context rolls back from one), and then
//     reported as *ConnectionInUseError: in production they hold a pooled
//     connection.
//   - The DB from Open is closed when the verifier verifies (at the test's
//     cleanup, through the verifier's OnVerify hook). Its connections have
//     been closed inside the sandbox by then, so this takes no step; a
//     connection still in use then (already reported) is closed without a
//     step. The caller owns the DBs it opens on Connector.
//   - Calls outside a sandbox (a query before bf.Sandbox, a Ping at init)
//     fail with *bigfoot.GuardedCallError and fail the test.
//   - A connection with no session left does not fail when it opens: its
//     first call does, as *bigfoot.UnmockedInteractionError naming the
//     statement, so that the fix is the whole session to paste, with the
//     statement's Expect in it.
//   - Arguments are recorded as the driver receives them: the plugin's
//     NamedValueChecker converts as database/sql's default converter does
//     (int to int64, float32 to float64, a driver.Valuer to its Value) and
//     keeps values of other kinds as they are, as drivers with types of
//     their own accept them (pgx's slices, say). AssertQuery and AssertExec
//     compare the asserted arguments after the same conversion, so an int
//     asserted matches the int64 database/sql passed; a time compares with
//     time.Time.Equal; a named argument is asserted as sql.Named(name, v).
//     The recorded field is a bfsql.Args; the generic form takes
//     bfsql.MatchArgs(args...) for it.
//   - Scripted values reach Scan as a driver returns them: ints as int64,
//     floats as float64, so Scan converts them as database/sql converts a
//     real driver's values. rows.ColumnTypes() infers each column's type
//     from its first non-nil value (ScanType, DatabaseTypeName: BIGINT,
//     DOUBLE, BOOLEAN, TEXT, BLOB, TIMESTAMP), and reports a column
//     nullable when one of its values is nil.
//   - A context already done ends a call with the context's error before it
//     takes a step. A scripted answer never blocks; rows being read when
//     their context is cancelled end with the context's error, as
//     database/sql closes them.
//   - bigfoot.Raises on a step makes its call return the error, and the call
//     is still recorded. A failed connect leaves the session disconnected (no
//     later step can follow it), a failed begin opens no transaction, and a
//     failed commit or rollback still ends the transaction, as on every
//     server. Raises(driver.ErrBadConn) makes database/sql close the
//     connection (a close step) and retry on a new one (the next session).
//   - bigfoot.Optional steps may be passed over by a call that matches a
//     later step; Expect follows every state an optional step leaves the
//     script in.
//   - MaxOpenConns, MaxIdleConns and connection lifetimes act on the plugin's
//     connections as on any driver's in seam mode. In transparent mode the
//     plugin's connections never enter the DB's own pool (database/sql
//     drops its wrapper when the connection is returned, and the plugin
//     hands the same session to the DB's next request in the sandbox), so
//     the pool settings do not apply to them.
//
// # Why the plugin keeps its own sessions
//
// The kit's core.Sessions has a state machine whose steps each lead to one
// state; query and exec must loop on two (connected and in_transaction),
// and a step that raised must leave the state where it was. So the plugin
// keeps its own ordered sessions (session.go), built on the kit's errors,
// registration sites, timeline and verification hooks.
package bfsql
