//go:build bigfoot_overlay

package bfsql_test

// Transparent mode: these tests run only under
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./bfsql/...
//
// The code under test uses *sql.DB values it opened itself, with a stand-in
// for a real driver that dials its server with a net.Dialer and counts
// every call bigfoot must never make.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/guard"
)

// realCalls counts calls into the stand-in driver: connections made and
// statements run on them.
var realCalls struct {
	connects, statements atomic.Int32
}

// standin is a driver the way real ones are built: a DriverContext (as
// pgx's is) whose connector keeps the parsed DSN, so that only sql.Open
// sees the DSN string, and which dials its server with a net.Dialer.
type standin struct{}

func (standin) Open(name string) (driver.Conn, error) {
	c, err := standin{}.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

func (standin) OpenConnector(name string) (driver.Connector, error) {
	u, err := url.Parse(name)
	if err != nil {
		return nil, err
	}
	return &standinConnector{addr: u.Host}, nil
}

type standinConnector struct{ addr string }

func (c *standinConnector) Connect(ctx context.Context) (driver.Conn, error) {
	realCalls.connects.Add(1)
	nc, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	return &standinConn{nc: nc}, nil
}

func (c *standinConnector) Driver() driver.Driver { return standin{} }

type standinConn struct{ nc net.Conn }

func (c *standinConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("standin: no statements")
}
func (c *standinConn) Close() error               { return c.nc.Close() }
func (c *standinConn) Begin() (driver.Tx, error)  { return nil, errors.New("standin: no transactions") }
func (c *standinConn) Ping(context.Context) error { return nil }
func (c *standinConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	realCalls.statements.Add(1)
	return driver.RowsAffected(1), nil
}

// registered registers the driver; mustOpen refers to it, so package
// variables that open DBs are initialized after it.
var registered = func() bool { sql.Register("standin", standin{}); return true }()

// appDB is the code's own database handle, opened when the package loads,
// before any test or sandbox, as applications open theirs.
var appDB = mustOpen("standin://app@db.internal:5432/app")

func mustOpen(dsn string) *sql.DB {
	if !registered {
		panic("standin not registered")
	}
	db, err := sql.Open("standin", dsn)
	if err != nil {
		panic(err)
	}
	return db
}

// renameUser is code under test with no seam: it uses appDB.
func renameUser(ctx context.Context, id int, name string) error {
	tx, err := appDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old string
	if err := tx.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1 FOR UPDATE", id).Scan(&old); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET name = $1 WHERE id = $2", name, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO renames (user_id, old, new) VALUES ($1, $2, $3)", id, old, name); err != nil {
		return err
	}
	return tx.Commit()
}

func TestTransparentAnyDBTakesTheSessions(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("built with the tag but not the overlay")
	}
	connects, statements := realCalls.connects.Load(), realCalls.statements.Load()
	bf := bigfoot.New(t)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		err = renameUser(context.Background(), 1, "Ada")
		if err == nil {
			_, err = appDB.Exec("UPDATE stats SET renames = renames + 1") // the same connection, taken again
		}
	})

	if err != nil {
		t.Fatal(err)
	}
	if c, s := realCalls.connects.Load()-connects, realCalls.statements.Load()-statements; c != 0 || s != 0 {
		t.Errorf("the real driver was called: %d connects, %d statements", c, s)
	}
	bf.SQL().AssertConnect("standin://app@db.internal:5432/app") // the DSN given to sql.Open
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1 FOR UPDATE", 1)
	bf.SQL().AssertExec("UPDATE users SET name = $1 WHERE id = $2", "Ada", 1)
	bf.SQL().AssertExec("INSERT INTO renames (user_id, old, new) VALUES ($1, $2, $3)", 1, "ada", "Ada")
	bf.SQL().AssertCommit()
	bf.SQL().AssertExec("UPDATE stats SET renames = renames + 1")
	bf.SQL().AssertClose()
}

func TestTransparentOpenDBHasNoDSN(t *testing.T) {
	db := sql.OpenDB(&standinConnector{addr: "db.internal:5432"})
	defer db.Close()
	bf := bigfoot.New(t)
	bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{}).Expect("close", nil)
	bf.Sandbox(func() { db.Exec("VACUUM") })
	bf.SQL().AssertConnect("")
	bf.SQL().AssertExec("VACUUM")
	bf.SQL().AssertClose()
}

// loopbackServer accepts connections on loopback, which the firewall lets
// through outside sandboxes, and holds them open until the test ends.
func loopbackServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex // guards conns
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestTransparentPooledRealConnectionIsNotUsed(t *testing.T) {
	db := mustOpen("standin://app@" + loopbackServer(t) + "/app")
	defer db.Close()
	// Outside every sandbox the DB is the code's: a real connection,
	// dialed to loopback and kept in the pool.
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().Idle; n != 1 {
		t.Fatalf("%d idle connections in the pool, want the real one", n)
	}
	connects, statements := realCalls.connects.Load(), realCalls.statements.Load()

	bf := bigfoot.New(t)
	bf.SQL().NewSession().Expect("connect", nil).Expect("exec", bfsql.Result{RowsAffected: 3}).Expect("close", nil)
	var affected int64
	bf.Sandbox(func() {
		res, err := db.Exec("DELETE FROM sessions")
		if err != nil {
			t.Error(err)
			return
		}
		affected, _ = res.RowsAffected()
	})
	if affected != 3 {
		t.Errorf("RowsAffected = %d, want the scripted 3", affected)
	}
	if c, s := realCalls.connects.Load()-connects, realCalls.statements.Load()-statements; c != 0 || s != 0 {
		t.Errorf("inside the sandbox the real driver was called: %d connects, %d statements", c, s)
	}
	bf.SQL().AssertConnect(db2dsn(db))
	bf.SQL().AssertExec("DELETE FROM sessions")
	bf.SQL().AssertClose()

	// After the sandbox the pool is as it was: the real connection serves again.
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if c, s := realCalls.connects.Load()-connects, realCalls.statements.Load()-statements; c != 0 || s != 1 {
		t.Errorf("after the sandbox: %d connects, %d statements; want the pooled connection reused", c, s)
	}
}

func db2dsn(db *sql.DB) string { return guard.SQLDSN(db) }

func TestTransparentWithoutSQLTheDriverDials(t *testing.T) {
	db := mustOpen("standin://app@db.internal:5432/app")
	connects := realCalls.connects.Load()
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	bf.Sandbox(func() {
		if err := db.Ping(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	if c := realCalls.connects.Load() - connects; c != 1 {
		t.Errorf("the driver connected %d times, want 1", c)
	}
	bf.Socket().AssertConnect("db.internal", 5432) // the driver's dial met the socket layer
	bf.Socket().AssertClose()
}

func TestTransparentEachParallelTestHasItsOwnSessions(t *testing.T) {
	for _, name := range []string{"ada", "bob", "cy"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			bf.SQL().NewSession().
				Expect("connect", nil).
				Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{len(name)}}}).
				Expect("close", nil)
			var id int
			bf.Sandbox(func() {
				if err := appDB.QueryRow("SELECT id FROM users WHERE name = $1", name).Scan(&id); err != nil {
					t.Error(err)
				}
			})
			if id != len(name) {
				t.Errorf("id = %d", id)
			}
			bf.SQL().AssertConnect("standin://app@db.internal:5432/app")
			bf.SQL().AssertQuery("SELECT id FROM users WHERE name = $1", name)
			bf.SQL().AssertClose()
		})
	}
}

func TestTransparentPostSandboxStatementIsRefused(t *testing.T) {
	var err error
	done := make(chan struct{})
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.SQL()
		release := make(chan struct{})
		bf.Sandbox(func() {
			go func() { // started in the sandbox, runs after it
				defer close(done)
				<-release
				_, err = appDB.Exec("UPDATE jobs SET state = 'done'")
			}()
		})
		close(release)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the late statement did not return")
		}
	})
	var post *bigfoot.PostSandboxInteractionError
	if !errors.As(err, &post) {
		t.Fatalf("late statement returned %v, want *bigfoot.PostSandboxInteractionError", err)
	}
	mustContain(t, ft.All(), `bigfoot: sql connection of a *sql.DB (dsn "standin://app@db.internal:5432/app") made after the sandbox of`)
}

func TestTransparentUnscriptedStatementNamesItsFix(t *testing.T) {
	var err1, err2 error
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		bf.SQL() // used, with no session scripted
		bf.Sandbox(func() {
			_, err1 = appDB.Exec("DELETE FROM carts WHERE user_id = $1", 7)
			_, err2 = appDB.Exec("DELETE FROM carts WHERE user_id = $1", 7) // the same connection again
		})
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err1, &unmocked) || !errors.As(err2, &unmocked) {
		t.Fatalf("statements returned %v, %v; want *bigfoot.UnmockedInteractionError", err1, err2)
	}
	msg := ft.All()
	mustContain(t, msg,
		`unmocked sql call "exec": ExecContext("DELETE FROM carts WHERE user_id = $1", []any{int64(7)}) on a new connection to "standin://app@db.internal:5432/app"`,
		`Expect("exec", bfsql.Result{RowsAffected: 1}). // "DELETE FROM carts WHERE user_id = $1"`,
		"happened 2 times")
	parses(t, fixOf(t, msg))
}
