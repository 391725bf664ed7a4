// Package bfpg is bigfoot's Postgres plugin: a Postgres server, running in
// the test process on the connection a dial gets, that answers whatever
// client the code uses (pgx, pgxpool, pgx's stdlib, lib/pq) from the
// test's script, and records every statement on the verifier's one
// timeline. It is a module of its own, so the core module never requires a
// Postgres client; the plugin itself uses only the standard library.
//
//	bf := bigfoot.New(t)
//	cfg, _ := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
//	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost // the seam
//
//	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1",
//		bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})
//
//	bf.Sandbox(func() { name, err = repo.UserName(ctx, cfg, 1) })
//
//	bfpg.For(bf).AssertConnect("app", "appdb")
//	bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)
//
// # What the server answers itself
//
// The handshake is never scripted: an SSLRequest (or GSSENCRequest) is
// answered 'N', so clients go on in the clear (sslmode=prefer, pgx's
// default, dials a second time; only the connection that logs in counts);
// the startup message is read in any parameter order; authentication is
// trust unless Auth names cleartext, md5 or SCRAM-SHA-256 (with real nonces,
// salt and proofs both ways); then ParameterStatus (server_version 16.4,
// UTF8, ISO dates, UTC, standard_conforming_strings on), BackendKeyData and
// ReadyForQuery. The user and database the code logged in as are recorded
// once, as the connect interaction (AssertConnect). Transaction control
// (BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT) is answered by the
// server and recorded (AssertBegin with the statement as sent, AssertCommit,
// AssertRollback); an error inside a transaction fails it as Postgres does
// (25P02 until ROLLBACK; COMMIT answers ROLLBACK, which pgx reports as
// pgx.ErrTxCommitRollback). Savepoints are ordinary statements: script them.
//
// # Statements
//
// ExpectQuery and ExpectExec script one execution each, matched by the
// statement's exact text (ExpectQueryArgs and ExpectExecArgs: and its
// parameters), whichever protocol carries it: the simple
// protocol's Query, or the extended protocol's Parse, Bind, Describe,
// Execute, Sync, with named statements cached across executions (pgx's
// default), unnamed ones, portals with row limits, and several statements
// before one Sync (pgx's Batch). Executions of one text take their scripts
// in registration order; the order of different statements is checked by
// the assertions, on the one timeline. A statement's parameters are
// described as of unspecified type, so clients send them as text; they are
// recorded as sent ("1" for 1) and AssertQuery compares asserted Go values
// with that text (see MatchArgs). bigfoot.Raises(&bfpg.Error{Code: ...})
// answers with an ErrorResponse: pgx returns a *pgconn.PgError, lib/pq a
// *pq.Error, with that SQLSTATE; bfpg.UniqueViolation(constraint) is 23505.
// COPY FROM STDIN (pgx's CopyFrom in binary, lib/pq's CopyIn in text) is
// scripted with ExpectCopyFrom(table) and asserted with AssertCopyFrom.
//
// # Column types
//
// Rows are bfsql.Rows, sent in the text or binary format each client asks
// for, typed by their Go values: int and int64 as int8, int32 as int4,
// int16 as int2, float64 as float8, float32 as float4, bool, string as
// text, []byte as bytea, time.Time as timestamptz, nil as NULL;
// bfpg.Numeric, bfpg.Date, bfpg.Timestamp, bfpg.UUID, bfpg.JSON and
// bfpg.JSONB for the types Go has none for; []int64, []int32, []int16,
// []int, []float64, []bool, []string and []bfpg.UUID as arrays. A column
// takes the type of its first non-nil value (text when all are nil).
//
// # Failures
//
// A statement no script answers fails the test with
// *bigfoot.UnmockedInteractionError, whose fix is the ExpectQuery or
// ExpectExec to paste, and names the nearest unused script with the byte at
// which the texts differ; the client gets an ErrorResponse with SQLSTATE
// XX000 and the fix as its hint (the wire carries no Go error types). A
// wrong password fails the test with *AuthError and the client with 28P01.
// A prepared statement executed with a script of other column types fails
// with *ColumnsChangedError. Bytes that are not the protocol get a FATAL
// 08P01 and the connection closes, as with Postgres.
//
// # Transparent mode
//
// Under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test`, a dial
// inside a sandbox to an address the test named with Serve, in a test that
// used bfpg.For(bf), is answered by the plugin at guard.LayerProtocol,
// above the socket plugin (see claimDial); a lookup of a host name so named
// is answered with the name (pgx resolves before it dials). Every other
// dial goes on to the socket plugin, as without this package.
//
// # Decisions the design leaves open
//
//   - Closing is not an interaction: Terminate and the close of the
//     connection, like the handshake, are part of a connection's life; the
//     connect interaction is recorded once per login.
//   - Reads wait as on a real connection, for the server's next answer, the
//     read deadline, or the connection's close: verification closes every
//     connection the plugin served, so no read outlives the test.
//   - Messages are answered as they arrive (the server runs inside the
//     client's Write and never blocks it), so clients that write a whole
//     batch before reading cannot deadlock.
//   - ExpectQuery and ExpectExec match by text alone (arguments are
//     asserted afterwards); ExpectQueryArgs and ExpectExecArgs match the
//     arguments too, for concurrent executions that need different answers.
//   - TLS is not offered (SSLRequest gets 'N'): clients with
//     sslmode=require or verify-full cannot connect.
package bfpg
