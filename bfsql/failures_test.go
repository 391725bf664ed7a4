package bfsql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/guard"
)

// The failure paths, each checked on bigfoot's exported fake test: the
// typed error, the message, and that the fix in it parses as Go.

func TestUnscriptedQueryFixIsTheExpectToPaste(t *testing.T) {
	var err error
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.Sandbox(func() { _, err = userName(context.Background(), db, 7) })
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) {
		t.Fatalf("userName returned %v, want *bigfoot.UnmockedInteractionError", err)
	}
	if len(ft.Errors()) != 1 {
		t.Fatalf("want the failure reported once, got:\n%s", ft.All())
	}
	msg := ft.Errors()[0]
	mustContain(t, msg,
		`bigfoot: unmocked sql call "query": QueryContext("SELECT name FROM users WHERE id = $1", []any{int64(7)}) on a new connection to "postgres://app@db.internal/app"`,
		"no scripted sql session is left for this connection",
		"bf.SQL().NewSession().\n\t\tExpect(\"connect\", nil).\n\t\tExpect(\"query\", bfsql.Rows{Columns: []string{\"id\"}, Values: [][]any{{1}}}). // \"SELECT name FROM users WHERE id = $1\"\n\t\tExpect(\"close\", nil)",
		"called at ", "bfsql_test.go:")
	parses(t, fixOf(t, msg))
}

func TestQueryPastTheEndOfItsSession(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil)
		bf.Sandbox(func() { db.Exec("DELETE FROM sessions WHERE expires < now()") })
	})
	msg := ft.All()
	mustContain(t, msg,
		`unmocked sql call "exec": ExecContext("DELETE FROM sessions WHERE expires < now()", []any{}) on sql session 1 (dsn "postgres://app@db.internal/app")`,
		"session 1 has no scripted step left for it (its script: [connect])",
		`Expect("exec", bfsql.Result{RowsAffected: 1}) // "DELETE FROM sessions WHERE expires < now()"`)
	parses(t, fixOf(t, msg))
}

func TestStepOfAnotherKindIsAMismatch(t *testing.T) {
	var site string
	var err error
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		s := bf.SQL().NewSession().Expect("connect", nil)
		site = line(t)
		s.Expect("exec", bfsql.Result{RowsAffected: 1}).Expect("close", nil)
		bf.Sandbox(func() { _, err = userName(context.Background(), db, 1) })
	})
	var mismatch *bigfoot.StepMismatchError
	if !errors.As(err, &mismatch) || mismatch.Call != "query" || mismatch.Step != "exec" {
		t.Fatalf("userName returned %v, want a *bigfoot.StepMismatchError query/exec", err)
	}
	msg := ft.All()
	mustContain(t, msg,
		`bigfoot: sql call "query" met scripted step "exec" (registered at `+site+")",
		`the call: QueryContext("SELECT name FROM users WHERE id = $1", []any{int64(1)}) on sql session 1`,
		"script left in this session: [exec close]",
		`Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{1}}}) // "SELECT name FROM users WHERE id = $1"`)
	parses(t, fixOf(t, msg))
}

func TestCommitWithoutBeginIsRefusedAtExpect(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.SQL().NewSession().Expect("connect", nil).Expect("commit", nil)
	})
	if len(ft.Fatals()) != 1 {
		t.Fatalf("want one fatal, got:\n%s", ft.All())
	}
	mustContain(t, ft.Fatals()[0], "'commit' called in state 'connected'; valid from: [in_transaction]")

	// Manual use: Expect panics with the typed error.
	defer func() {
		var ise *bigfoot.InvalidStateError
		err, _ := recover().(error)
		if !errors.As(err, &ise) || ise.Method != "commit" || ise.State != "connected" || strings.Join(ise.ValidFrom, ",") != "in_transaction" {
			t.Fatalf("Expect panicked with %v, want *bigfoot.InvalidStateError", err)
		}
	}()
	bigfoot.NewStrictVerifier().SQL().NewSession().Expect("connect", nil).Expect("commit", nil)
}

func TestStateMachineAtExpect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(*bfsql.Session)
		want  string
	}{
		{"query before connect", func(s *bfsql.Session) { s.Expect("query", bfsql.Rows{}) },
			"'query' called in state 'disconnected'; valid from: [connected in_transaction]"},
		{"begin inside a transaction", func(s *bfsql.Session) { s.Expect("connect", nil).Expect("begin", nil).Expect("begin", nil) },
			"'begin' called in state 'in_transaction'; valid from: [connected]"},
		{"a failed connect leaves the session disconnected", func(s *bfsql.Session) {
			s.Expect("connect", nil, bigfoot.Raises(errors.New("refused"))).Expect("query", bfsql.Rows{})
		}, "'query' called in state 'disconnected'"},
		{"a failed begin opens no transaction", func(s *bfsql.Session) {
			s.Expect("connect", nil).Expect("begin", nil, bigfoot.Raises(errors.New("busy"))).Expect("commit", nil)
		}, "'commit' called in state 'connected'"},
		{"an optional begin leaves both states", func(s *bfsql.Session) {
			s.Expect("connect", nil).Expect("begin", nil, bigfoot.Optional()).Expect("connect", nil)
		}, "'connect' called in state 'connected|in_transaction'; valid from: [disconnected]"},
		{"after close", func(s *bfsql.Session) { s.Expect("connect", nil).Expect("close", nil).Expect("exec", bfsql.Result{}) },
			"'exec' called in state 'closed'; valid from: [connected in_transaction]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := run(t, func(bf *bigfoot.StrictVerifier) { tc.build(bf.SQL().NewSession()) })
			mustContain(t, ft.All(), tc.want)
		})
	}
	// What the machine allows: query and exec in and out of transactions, an optional begin.
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.SQL().NewSession().Expect("connect", nil).Expect("query", bfsql.Rows{}).Expect("begin", nil, bigfoot.Optional()).
			Expect("exec", bfsql.Result{}).Expect("query", bfsql.Rows{}).Expect("close", nil, bigfoot.Optional())
	})
	if len(ft.Fatals()) != 0 {
		t.Errorf("a valid script was refused:\n%s", ft.All())
	}
}

func TestStateMachineAtCall(t *testing.T) {
	// The driver contract, without database/sql in between: a second
	// commit and a query on a closed connection fail at the call.
	var commitTwice, queryClosed error
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.SQL().NewSession().Expect("connect", nil).Expect("begin", nil).Expect("commit", nil).Expect("close", nil)
		bf.Sandbox(func() {
			ctx := context.Background()
			c, err := bf.SQL().Connector(dsn).Connect(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			tx, _ := c.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
			tx.Commit()
			commitTwice = tx.Commit()
			c.Close()
			_, queryClosed = c.(driver.QueryerContext).QueryContext(ctx, "SELECT 1", nil)
		})
	})
	var ise *bigfoot.InvalidStateError
	if !errors.As(commitTwice, &ise) || ise.Error() != "'commit' called in state 'connected'; valid from: [in_transaction]" {
		t.Errorf("second commit returned %v", commitTwice)
	}
	if !errors.As(queryClosed, &ise) || ise.Error() != "'query' called in state 'closed'; valid from: [connected in_transaction]" ||
		!errors.Is(queryClosed, driver.ErrBadConn) {
		t.Errorf("query on a closed connection returned %v, want *bigfoot.InvalidStateError wrapping driver.ErrBadConn", queryClosed)
	}
	mustContain(t, ft.All(), "'commit' called in state 'connected'", "'query' called in state 'closed'")
}

func TestReturnsOfTheWrongTypeAndUnknownSteps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(*bfsql.Session)
		want  []string
	}{
		{"query returns nil", func(s *bfsql.Session) { s.Expect("connect", nil).Expect("query", nil) },
			[]string{`bigfoot: sql step "query" returns bfsql.Rows, got a value of type nil`, `Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{1}}})`}},
		{"exec returns rows", func(s *bfsql.Session) { s.Expect("connect", nil).Expect("exec", bfsql.Rows{}) },
			[]string{`sql step "exec" returns bfsql.Result, got a value of type bfsql.Rows`, `Expect("exec", bfsql.Result{RowsAffected: 1})`}},
		{"connect returns a string", func(s *bfsql.Session) { s.Expect("connect", "postgres://") },
			[]string{`sql step "connect" returns nil, got a value of type string`}},
		{"a misspelt step", func(s *bfsql.Session) { s.Expect("conect", nil) },
			[]string{`bigfoot: sql has no step "conect"; valid steps: ["connect" "begin" "query" "exec" "commit" "rollback" "close"]`, `Expect("connect", nil)`}},
		{"a short row", func(s *bfsql.Session) {
			s.Expect("connect", nil).Expect("query", bfsql.Rows{Columns: []string{"id", "name"}, Values: [][]any{{1, "ada"}, {2}}})
		}, []string{`row 1 of the scripted bfsql.Rows has 1 value(s) but there are 2 column(s)`, `Columns: []string{"id", "name"}`}},
		{"values without columns", func(s *bfsql.Session) {
			s.Expect("connect", nil).Expect("query", bfsql.Rows{Values: [][]any{{1, "ada"}}})
		}, []string{`row 0 of the scripted bfsql.Rows has 2 value(s) but there are 0 column(s)`, `bfsql.Rows{Columns: []string{"column1", "column2"}, Values: [][]any{...}}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := run(t, func(bf *bigfoot.StrictVerifier) { tc.build(bf.SQL().NewSession()) })
			mustContain(t, ft.All(), tc.want...)
			if strings.Contains(ft.All(), "fix:\n") {
				parses(t, strings.ReplaceAll(fixOf(t, ft.All()), "...", "{}"))
			}
		})
	}
}

func TestExpectAfterTheSessionIsBound(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		s := bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{}).Expect("close", nil)
		bf.Sandbox(func() { db.Exec("SELECT 1") })
		s.Expect("exec", bfsql.Result{})
	})
	mustContain(t, ft.All(), `bigfoot: Expect("exec", ...) on a sql session that is already bound to a connection`,
		"bf.SQL().NewSession().\n\t\tExpect(\"exec\", bfsql.Result{RowsAffected: 1}) // script each connection before the code opens it")

	// Manual use: Expect panics with the typed error.
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open(dsn)
	s := bf.SQL().NewSession().Expect("connect", nil).Expect("close", nil)
	bf.Sandbox(func() { db.Ping() })
	defer func() {
		var sealed *bigfoot.ScriptSealedError
		if err, _ := recover().(error); !errors.As(err, &sealed) || sealed.State != "bound to a connection" {
			t.Errorf("Expect on a bound session panicked with %v, want *bigfoot.ScriptSealedError", err)
		}
	}()
	s.Expect("exec", bfsql.Result{})
}

func TestLongQueryMismatchShowsTheFirstDifference(t *testing.T) {
	long := "SELECT " + strings.Repeat("col, ", 200) + "id FROM accounts WHERE owner = $1 AND status = 'open'"
	script := func(bf *bigfoot.StrictVerifier) error {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil).Expect("query", bfsql.Rows{Columns: []string{"id"}}).Expect("close", nil)
		bf.Sandbox(func() { query(db, long, "ada") })
		bf.SQL().AssertConnect(dsn)
		return bf.SQL().AssertQuery(strings.Replace(long, "'open'", "'closed'", 1), "ada")
	}
	ft := run(t, func(bf *bigfoot.StrictVerifier) { script(bf) })
	var m *bigfoot.InteractionMismatchError
	if err := script(bigfoot.NewStrictVerifier()); !errors.As(err, &m) {
		t.Fatalf("AssertQuery returned %v, want *bigfoot.InteractionMismatchError", err)
	}
	at := strings.Index(long, "'open'") + 1
	msg := ft.Fatals()[0]
	mustContain(t, msg, "field query (first difference at byte "+itoa(at)+": expected 'c', got 'o')", "bytes elided", "'open'")
	if len(msg) > 8000 {
		t.Errorf("message is %d bytes for a %d-byte query: not bounded", len(msg), len(long))
	}
	parses(t, fixOf(t, msg))
}

func TestWhitespaceDifferencesAreNamed(t *testing.T) {
	for _, tc := range []struct{ code, asserted, want string }{
		{"SELECT id\n  FROM users", "SELECT id FROM users",
			"note: the statements differ only in white space; first at byte 9: expected a space, got a newline"},
		{"SELECT id FROM users ", "SELECT id FROM users",
			"note: the statements differ only in white space; first at byte 20: expected the end of the statement, got a space"},
		{"SELECT id\tFROM users", "SELECT id FROM users", "expected a space, got a tab"},
		{"SELECT id\u00a0FROM users", "SELECT id FROM users", "expected a space, got a no-break space (U+00A0)"},
	} {
		ft := run(t, func(bf *bigfoot.StrictVerifier) {
			db := bf.SQL().Open(dsn)
			bf.SQL().NewSession().Expect("connect", nil).Expect("query", bfsql.Rows{}).Expect("close", nil)
			bf.Sandbox(func() { query(db, tc.code) })
			bf.SQL().AssertConnect(dsn)
			bf.SQL().AssertQuery(tc.asserted)
		})
		mustContain(t, ft.All(), tc.want, "bf.SQL().AssertQuery("+quote(tc.code)+")")
	}
}

func TestArgumentMismatchShowsTheTypes(t *testing.T) {
	script := func(bf *bigfoot.StrictVerifier) error {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{}).Expect("close", nil)
		bf.Sandbox(func() { db.Exec("UPDATE users SET age = $1 WHERE id = $2", 42, "7") })
		bf.SQL().AssertConnect(dsn)
		return bf.SQL().AssertExec("UPDATE users SET age = $1 WHERE id = $2", 42, 7)
	}
	ft := run(t, func(bf *bigfoot.StrictVerifier) { script(bf) })
	var m *bigfoot.InteractionMismatchError
	var noted *bfsql.MismatchNoteError
	if err := script(bigfoot.NewStrictVerifier()); !errors.As(err, &m) || !errors.As(err, &noted) {
		t.Fatalf("AssertExec returned %v, want *bigfoot.InteractionMismatchError with notes", err)
	}
	mustContain(t, ft.All(),
		"- []any{int64(42), int64(7)}", `+ []any{int64(42), "7"}`,
		`note: argument 2: expected int64(7) of type int64, the driver received "7" of type string`,
		`bf.SQL().AssertExec("UPDATE users SET age = $1 WHERE id = $2", int64(42), "7")`)
	parses(t, fixOf(t, ft.All()))
}

func TestUnassertedInteractionsAreHintsThatParse(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().
			Expect("connect", nil).Expect("begin", nil).
			Expect("exec", bfsql.Result{}).Expect("query", bfsql.Rows{}).
			Expect("rollback", nil).Expect("begin", nil).Expect("commit", nil).Expect("close", nil)
		bf.Sandbox(func() {
			tx, _ := db.Begin()
			tx.Exec("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", 1.5, []byte("\x00x"), time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC), nil, true)
			tx.Query("SELECT * FROM t WHERE k = @k", sql.Named("k", "v\n\"q\""))
			tx.Rollback()
			tx, _ = db.Begin()
			tx.Commit()
		})
	})
	msg := ft.All()
	mustContain(t, msg, "8 recorded interaction(s) were never asserted",
		`bf.SQL().AssertConnect("postgres://app@db.internal/app")`,
		"bf.SQL().AssertBegin()",
		`bf.SQL().AssertExec("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", float64(1.5), []byte("\x00x"), time.Date(2024, time.May, 6, 7, 8, 9, 10, time.UTC), nil, true)`,
		`bf.SQL().AssertQuery("SELECT * FROM t WHERE k = @k", sql.Named("k", "v\n\"q\""))`,
		"bf.SQL().AssertRollback()", "bf.SQL().AssertCommit()", "bf.SQL().AssertClose()")
	_, hints, _ := strings.Cut(msg, "fix: assert them after the sandbox, in this order:\n")
	parses(t, hints)
}

func TestUnusedStepsNameTheirLine(t *testing.T) {
	var site string
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		s := bf.SQL().NewSession().Expect("connect", nil).Expect("query", bfsql.Rows{})
		site = line(t)
		s.Expect("exec", bfsql.Result{}).Expect("close", nil)
		bf.SQL().NewSession().Expect("connect", nil).Expect("close", nil)
		bf.Sandbox(func() { query(db, "SELECT 1") })
		bf.SQL().AssertConnect(dsn)
		bf.SQL().AssertQuery("SELECT 1")
	})
	mustContain(t, ft.All(), "scripted step(s) were never used",
		`sql session 1 step 3 "exec" registered at `+site,
		`sql session 1 step 4 "close" registered at `+site,
		`sql session 2 step 1 "connect" registered at`,
		`Expect("exec", bfsql.Result{RowsAffected: 1}, bigfoot.Optional())`)
	// The note explains seam mode; under bigfoot test every DB is intercepted.
	if note := "note: a scripted sql session was never connected"; strings.Contains(ft.All(), note) == guard.Transparent() {
		t.Errorf("note present: %v, want %v under transparent=%v:\n%s", !guard.Transparent(), !guard.Transparent(), guard.Transparent(), ft.All())
	}
}

func TestVerifyAllReturnsTypedErrors(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	bf.SQL().NewSession().Expect("connect", nil).Expect("close", nil)
	err := bf.VerifyAll()
	var unused *bigfoot.UnusedMocksError
	if !errors.As(err, &unused) || len(unused.Steps) != 2 || unused.Steps[0].Plugin != "sql" {
		t.Fatalf("VerifyAll = %v", err)
	}
}

func TestSandboxClosesIdleConnectionsItNeedsAScriptedClose(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{})
		bf.Sandbox(func() { db.Exec("SELECT 1") })
		bf.SQL().AssertConnect(dsn)
		bf.SQL().AssertExec("SELECT 1")
	})
	msg := ft.All()
	mustContain(t, msg, `unmocked sql call "close": Close(), made by the sandbox as it ends, of a connection database/sql held idle on sql session 1`,
		`Expect("close", nil)`)
	parses(t, fixOf(t, msg))
}

func TestRowsLeftOpenAreReportedAsTheSandboxEnds(t *testing.T) {
	start := time.Now()
	leak := func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil).Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{1}}}).Expect("close", nil)
		bf.SQL().NewSession().Expect("connect", nil).Expect("begin", nil).Expect("close", nil)
		bf.Sandbox(func() {
			db.Query("SELECT n FROM t") // never closed
			db.Begin()                  // never ended
		})
	}
	ft := run(t, leak)
	manual := bigfoot.NewStrictVerifier()
	leak(manual)
	var inUse *bfsql.ConnectionInUseError
	if err := manual.VerifyAll(); !errors.As(err, &inUse) {
		t.Errorf("VerifyAll = %v, want a *bfsql.ConnectionInUseError among its errors", err)
	}
	msg := ft.All()
	mustContain(t, msg,
		"sql session 1 (dsn \"postgres://app@db.internal/app\") is still in use as the sandbox ends (waited 100ms): 1 *sql.Rows not closed",
		"defer rows.Close()",
		"sql session 2 (dsn \"postgres://app@db.internal/app\") is still in use as the sandbox ends (waited 100ms): a *sql.Tx neither committed nor rolled back",
		"defer tx.Rollback() // after Commit it does nothing")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the sandbox took %v to give up on connections in use", d)
	}
	parses(t, fixOf(t, strings.Split(msg, "\n\n")[0]))
}

func TestCallsOutsideTheSandboxAreRefused(t *testing.T) {
	var err error
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.SQL().NewSession().Expect("connect", nil).Expect("close", nil, bigfoot.Optional())
		err = db.Ping()
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(err, &guarded) {
		t.Fatalf("Ping outside the sandbox returned %v", err)
	}
	mustContain(t, ft.All(), `bigfoot: sql connect to "postgres://app@db.internal/app" refused: no sandbox is open`,
		"bf.Sandbox(func() {\n\t\t// the code that uses the database\n\t})")
}

func TestAssertionInsideTheSandbox(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.Sandbox(func() { bf.SQL().AssertClose() })
	})
	mustContain(t, ft.All(), "assertion on bfsql.Close made inside the sandbox")
}

func TestPingOnAnUnscriptedConnection(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		db := bf.SQL().Open(dsn)
		bf.Sandbox(func() { db.Ping() })
	})
	msg := ft.All()
	mustContain(t, msg, `unmocked sql call "connect": Ping() on a new connection to "postgres://app@db.internal/app"`,
		"bf.SQL().NewSession().\n\t\tExpect(\"connect\", nil).\n\t\tExpect(\"close\", nil)")
	parses(t, fixOf(t, msg))
}

func itoa(n int) string { return strconvItoa(n) }

// query runs a query and closes its rows, as careful code does.
func query(db *sql.DB, q string, args ...any) {
	if rows, err := db.Query(q, args...); err == nil {
		rows.Close()
	}
}
