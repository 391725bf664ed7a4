package bfsql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
)

// userName is code under test: a repository-style lookup.
func userName(ctx context.Context, db *sql.DB, id int) (string, error) {
	var name string
	err := db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1", id).Scan(&name)
	return name, err
}

func TestQueryRow(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}).
		Expect("query", bfsql.Rows{Columns: []string{"name"}}).
		Expect("close", nil)

	var ada, none string
	var err1, err2 error
	bf.Sandbox(func() {
		ada, err1 = userName(context.Background(), db, 1)
		none, err2 = userName(context.Background(), db, 2)
	})

	if ada != "ada" || err1 != nil {
		t.Errorf("user 1 = %q, %v", ada, err1)
	}
	if none != "" || !errors.Is(err2, sql.ErrNoRows) {
		t.Errorf("user 2 = %q, %v; want sql.ErrNoRows", none, err2)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1", 1)
	bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1", int64(2))
	bf.SQL().AssertClose()
}

type celsius float32

// point is a driver.Valuer: database/sql passes its Value.
type point struct{ x, y int }

func (p point) Value() (driver.Value, error) { return []byte("(1,2)"), nil }

func TestScanIntoEveryType(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	at := time.Date(2024, time.March, 1, 12, 30, 0, 0, time.UTC)
	cols := []string{"i", "i64", "i32", "u8", "f", "f32", "b", "s", "raw", "t", "ns", "nnull", "ni", "ng", "anyv", "sfromint", "cel"}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: cols, Values: [][]any{{
			7, int64(1 << 40), int32(-5), uint8(200), 2.5, float32(0.5), true, "text", []byte("bytes"), at,
			"set", nil, 42, 9, "dyn", 12, 21.5,
		}}}).
		Expect("close", nil)

	var (
		i      int
		i64    int64
		i32    int32
		u8     uint8
		f      float64
		f32    float32
		b      bool
		s      string
		raw    []byte
		tm     time.Time
		ns     sql.NullString
		nnull  sql.NullString
		ni     sql.NullInt64
		ng     sql.Null[int]
		anyv   any
		fromI  string
		cel    celsius
		err    error
		ctypes []*sql.ColumnType
	)
	bf.Sandbox(func() {
		var rows *sql.Rows
		rows, err = db.Query("SELECT * FROM everything")
		if err != nil {
			return
		}
		defer rows.Close()
		ctypes, _ = rows.ColumnTypes()
		for rows.Next() {
			err = rows.Scan(&i, &i64, &i32, &u8, &f, &f32, &b, &s, &raw, &tm, &ns, &nnull, &ni, &ng, &anyv, &fromI, &cel)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{i, i64, i32, u8, f, f32, b, s, string(raw), tm, ns, nnull, ni, ng, anyv, fromI, cel}
	want := []any{7, int64(1 << 40), int32(-5), uint8(200), 2.5, float32(0.5), true, "text", "bytes", at,
		sql.NullString{String: "set", Valid: true}, sql.NullString{}, sql.NullInt64{Int64: 42, Valid: true},
		sql.Null[int]{V: 9, Valid: true}, "dyn", "12", celsius(21.5)}
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("column %s scanned %#v, want %#v", cols[k], got[k], want[k])
		}
	}
	if len(ctypes) != len(cols) {
		t.Fatalf("ColumnTypes returned %d columns", len(ctypes))
	}
	for k, wantType := range map[int]string{0: "BIGINT", 4: "DOUBLE", 6: "BOOLEAN", 7: "TEXT", 8: "BLOB", 9: "TIMESTAMP"} {
		if got := ctypes[k].DatabaseTypeName(); got != wantType {
			t.Errorf("column %s: DatabaseTypeName %q, want %q", cols[k], got, wantType)
		}
	}
	if st := ctypes[0].ScanType(); st != reflect.TypeFor[int64]() {
		t.Errorf("column i: ScanType %v, want int64", st)
	}
	if st := ctypes[11].ScanType(); st != reflect.TypeFor[any]() {
		t.Errorf("all-nil column: ScanType %v, want interface {}", st)
	}
	if n, ok := ctypes[11].Nullable(); !n || !ok {
		t.Errorf("all-nil column: Nullable() = %v, %v", n, ok)
	}
	if ctypes[0].Name() != "i" {
		t.Errorf("column name %q", ctypes[0].Name())
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT * FROM everything")
	bf.SQL().AssertClose()
}

func TestArgsCompareAsTheDriverReceivedThem(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	at := time.Date(2024, time.March, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{LastInsertID: 9, RowsAffected: 1}).
		Expect("close", nil)
	var id int64
	bf.Sandbox(func() {
		if _, err := db.Exec("UPDATE t SET a = $1, b = $2, c = $3, d = $4, e = $5, f = $6, g = $7",
			1, int16(2), float32(1.5), "x", []byte{0, 1}, at, point{1, 2}); err != nil {
			t.Error(err)
		}
		res, err := db.Exec("INSERT INTO u (id, tags) VALUES (@id, @tags)",
			sql.Named("id", 3), sql.Named("tags", []string{"a", "b"}))
		if err != nil {
			t.Fatal(err)
		}
		id, _ = res.LastInsertId()
	})
	if id != 9 {
		t.Errorf("LastInsertId = %d, want 9", id)
	}
	bf.SQL().AssertConnect(dsn)
	// int matches int64, int16 int64, float32 float64, a time in another zone the same instant, a Valuer its Value.
	bf.SQL().AssertExec("UPDATE t SET a = $1, b = $2, c = $3, d = $4, e = $5, f = $6, g = $7",
		1, 2, 1.5, "x", []byte{0, 1}, at.UTC(), []byte("(1,2)"))
	// Named arguments as sql.Named; a slice the default converter does not know is kept as it is.
	bf.SQL().AssertExec("INSERT INTO u (id, tags) VALUES (@id, @tags)", sql.Named("id", 3), sql.Named("tags", []string{"a", "b"}))
	bf.SQL().AssertClose()
}

func TestMatchersAndTheGenericForm(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("close", nil)
	bf.Sandbox(func() {
		db.Exec("INSERT INTO audit (at, who) VALUES ($1, $2)", time.Now(), "ada")
		db.Exec("INSERT INTO audit (at, who) VALUES ($1, $2)", time.Now(), "bob")
	})
	bf.AssertInteraction(bfsql.Connect, bigfoot.Fields{"dsn": bigfoot.HasPrefix("postgres://")})
	bf.SQL().AssertExec("INSERT INTO audit (at, who) VALUES ($1, $2)", bigfoot.Any(), "ada")
	bf.AssertInteraction(bfsql.Exec, bigfoot.Fields{"query": bigfoot.Contains("audit"), "args": bfsql.MatchArgs(bigfoot.Any(), "bob")})
	bf.AssertInteraction(bfsql.Close, nil)
}

// transfer is code under test: a repository function with a transaction.
func transfer(ctx context.Context, db *sql.DB, from, to int, amount int64) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var balance int64
	if err = tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", from).Scan(&balance); err != nil {
		return err
	}
	if balance < amount {
		return errors.New("insufficient funds")
	}
	if _, err = tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, from); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, to); err != nil {
		return err
	}
	return tx.Commit()
}

func TestTransactionCommitAndRollback(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	balance := func(n int64) bfsql.Rows { return bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{n}}} }
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("query", balance(100)).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("begin", nil).
		Expect("query", balance(5)).
		Expect("rollback", nil).
		Expect("close", nil)

	var err1, err2 error
	bf.Sandbox(func() {
		err1 = transfer(context.Background(), db, 1, 2, 30)
		err2 = transfer(context.Background(), db, 1, 2, 30)
	})
	if err1 != nil || err2 == nil || err2.Error() != "insufficient funds" {
		t.Fatalf("transfers: %v, %v", err1, err2)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", 1)
	bf.SQL().AssertExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 30, 1)
	bf.SQL().AssertExec("UPDATE accounts SET balance = balance + $1 WHERE id = $2", 30, 2)
	bf.SQL().AssertCommit()
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", 1)
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

// uniqueViolation is the kind of error a real driver returns; the test
// picks its own.
type uniqueViolation struct{ constraint string }

func (e *uniqueViolation) Error() string {
	return "duplicate key value violates unique constraint " + e.constraint
}

func TestRaisesIsReturnedAndRecorded(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	dup := &uniqueViolation{constraint: "users_email_key"}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", nil, bigfoot.Raises(dup)).
		Expect("rollback", nil).
		Expect("close", nil)
	var err error
	bf.Sandbox(func() {
		tx, _ := db.Begin()
		_, err = tx.Exec("INSERT INTO users (email) VALUES ($1)", "ada@example.com")
		tx.Rollback()
	})
	var uv *uniqueViolation
	if !errors.As(err, &uv) || uv.constraint != "users_email_key" {
		t.Fatalf("exec returned %v, want the scripted unique violation", err)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO users (email) VALUES ($1)", "ada@example.com")
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

func TestFailedConnectAndFailedBegin(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	refused := errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	busy := errors.New("too many transactions")
	bf.SQL().NewSession().Expect("connect", nil, bigfoot.Raises(refused))
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil, bigfoot.Raises(busy)). // a failed begin opens no transaction:
		Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{1}}}).
		Expect("close", nil)
	var errPing, errBegin error
	var n int
	bf.Sandbox(func() {
		errPing = db.Ping()
		_, errBegin = db.Begin()
		db.QueryRow("SELECT 1").Scan(&n)
	})
	if !errors.Is(errPing, refused) || !errors.Is(errBegin, busy) || n != 1 {
		t.Fatalf("ping %v, begin %v, n %d", errPing, errBegin, n)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT 1")
	bf.SQL().AssertClose()
}

func TestPreparedStatementIsNotAStep(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{2}}}).
		Expect("close", nil)
	var n int
	bf.Sandbox(func() {
		stmt, err := db.Prepare("INSERT INTO t (v) VALUES ($1)")
		if err != nil {
			t.Fatal(err)
		}
		stmt.Exec(1)
		stmt.Exec(2)
		stmt.Close()
		q, _ := db.Prepare("SELECT count(*) FROM t")
		q.QueryRow().Scan(&n)
		q.Close()
	})
	if n != 2 {
		t.Errorf("count = %d", n)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertExec("INSERT INTO t (v) VALUES ($1)", 1)
	bf.SQL().AssertExec("INSERT INTO t (v) VALUES ($1)", 2)
	bf.SQL().AssertQuery("SELECT count(*) FROM t")
	bf.SQL().AssertClose()
}

func TestSecondConnectionTakesTheNextSession(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("close", nil)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{0}}}).
		Expect("close", nil)
	bf.Sandbox(func() {
		tx, err := db.Begin() // pins connection 1
		if err != nil {
			t.Fatal(err)
		}
		tx.Exec("DELETE FROM jobs")
		var n int
		db.QueryRow("SELECT count(*) FROM jobs").Scan(&n) // connection 1 is busy: database/sql opens connection 2
		tx.Commit()
	})
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("DELETE FROM jobs")
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT count(*) FROM jobs")
	bf.SQL().AssertCommit()
	bf.SQL().AssertClose() // both connections close as the sandbox ends
	bf.SQL().AssertClose()
}

func TestConnPinsOneSession(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", bfsql.Result{}).
		Expect("query", bfsql.Rows{Columns: []string{"v"}, Values: [][]any{{"on"}}}).
		Expect("close", nil)
	var v string
	bf.Sandbox(func() {
		ctx := context.Background()
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.ExecContext(ctx, "SET search_path = app")
		c.QueryRowContext(ctx, "SHOW search_path").Scan(&v)
		if err := c.PingContext(ctx); err != nil {
			t.Error(err)
		}
	})
	if v != "on" {
		t.Errorf("v = %q", v)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertExec("SET search_path = app")
	bf.SQL().AssertQuery("SHOW search_path")
	bf.SQL().AssertClose()
}

func TestBadConnRetriesOnANewConnection(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", nil, bigfoot.Raises(driver.ErrBadConn)).
		Expect("close", nil) // database/sql drops a bad connection
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{1}}}).
		Expect("close", nil)
	var n int
	var err error
	bf.Sandbox(func() { err = db.QueryRow("SELECT 1").Scan(&n) })
	if err != nil || n != 1 {
		t.Fatalf("n = %d, %v", n, err)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT 1")
	bf.SQL().AssertClose()
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT 1")
	bf.SQL().AssertClose()
}

func TestCancelledContext(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{1}, {2}, {3}}}).
		Expect("close", nil)
	var before, during error
	bf.Sandbox(func() {
		done, cancel := context.WithCancel(context.Background())
		cancel()
		_, before = db.QueryContext(done, "SELECT n FROM t") // ends before any step

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rows, err := db.QueryContext(ctx, "SELECT n FROM t")
		if err != nil {
			t.Fatal(err)
		}
		rows.Next()
		cancel()
		deadline := time.Now().Add(5 * time.Second)
		for rows.Next() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // database/sql closes the rows from its own goroutine
		}
		during = rows.Err()
		rows.Close()
	})
	if !errors.Is(before, context.Canceled) || !errors.Is(during, context.Canceled) {
		t.Fatalf("errors %v, %v; want context.Canceled", before, during)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT n FROM t")
	bf.SQL().AssertClose()
}

func TestCancelledTransactionRollsBackInTheSandbox(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("rollback", nil). // made by database/sql's goroutine when the context ends
		Expect("close", nil)
	bf.Sandbox(func() {
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := db.BeginTx(ctx, nil); err != nil {
			t.Fatal(err)
		}
		cancel()
	})
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

func TestEachSandboxHasItsOwnConnections(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	for range 2 {
		bf.SQL().NewSession().
			Expect("connect", nil).
			Expect("exec", bfsql.Result{}).
			Expect("close", nil)
	}
	for range 2 {
		bf.Sandbox(func() {
			if _, err := db.Exec("VACUUM"); err != nil {
				t.Error(err)
			}
		})
	}
	for range 2 {
		bf.SQL().AssertConnect(dsn)
		bf.SQL().AssertExec("VACUUM")
		bf.SQL().AssertClose()
	}
}

func TestAConnectionWithStepsLeftStaysOpen(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", bfsql.Result{}).
		Expect("exec", bfsql.Result{}).
		Expect("close", nil)
	for _, q := range []string{"SELECT pg_advisory_lock(1)", "SELECT pg_advisory_unlock(1)"} {
		bf.Sandbox(func() { db.Exec(q) })
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertExec("SELECT pg_advisory_lock(1)")
	bf.SQL().AssertExec("SELECT pg_advisory_unlock(1)")
	bf.SQL().AssertClose()
}

func TestCodeClosesTheDB(t *testing.T) {
	bf := bigfoot.New(t)
	db := bf.SQL().Open(dsn)
	bf.SQL().NewSession().Expect("connect", nil).Expect("close", nil)
	var err error
	bf.Sandbox(func() {
		if err := db.Ping(); err != nil {
			t.Error(err)
		}
		db.Close()
		err = db.Ping()
	})
	if err == nil || err.Error() != "sql: database is closed" {
		t.Errorf("Ping after Close = %v", err)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertClose()
}

func TestConnectorAndDriver(t *testing.T) {
	bf := bigfoot.New(t)
	c := bf.SQL().Connector("file:app.db")
	db := sql.OpenDB(c)
	defer db.Close()
	bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{}).Expect("close", nil)
	bf.Sandbox(func() { db.Exec("PRAGMA foreign_keys = ON") })
	if db.Driver() == nil || c.Driver() == nil {
		t.Error("no driver")
	}
	bf.SQL().AssertConnect("file:app.db")
	bf.SQL().AssertExec("PRAGMA foreign_keys = ON")
	bf.SQL().AssertClose()
}

func TestStringsAndFloatsRender(t *testing.T) {
	got := bfsql.Args{int64(1), 2.5, math.Inf(1), "a", nil, true, []byte("b"), sql.Named("n", int64(2))}.GoString()
	if want := `[]any{int64(1), float64(2.5), math.Inf(1), "a", nil, true, []byte("b"), sql.Named("n", int64(2))}`; got != want {
		t.Errorf("GoString = %s\nwant %s", got, want)
	}
}

func TestManualVerifier(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	sqlp, err := bfsql.NewPlugin(bf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bfsql.NewPlugin(bf); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("second NewPlugin: %v", err)
	}
	if bf.SQL() != sqlp {
		t.Fatal("bf.SQL() is not the plugin NewPlugin made")
	}
	db := sqlp.Open(dsn)
	sqlp.NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{}).Expect("close", nil)
	bf.Sandbox(func() { db.Exec("SELECT 1") })
	if err := sqlp.AssertExec("SELECT 1"); err == nil {
		t.Fatal("asserting exec before connect passed")
	}
	sqlp.AssertConnect(dsn)
	sqlp.AssertExec("SELECT 1")
	if err := bf.VerifyAll(); err == nil {
		t.Fatal("the close was not asserted, yet VerifyAll passed")
	}
}
