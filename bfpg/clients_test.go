package bfpg_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
)

func TestPgxpoolQueryRow(t *testing.T) {
	bf := bigfoot.New(t)
	cfg, err := pgxpool.ParseConfig("postgres://app:s3cret@db:5432/appdb")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DialFunc = bfpg.For(bf).DialContext
	cfg.ConnConfig.LookupFunc = bfpg.For(bf).LookupHost
	bfpg.For(bf).Auth(bfpg.SCRAM, "s3cret")
	bfpg.For(bf).ExpectQuery("SELECT count(*) FROM users", bfsql.Rows{Columns: []string{"count"}, Values: [][]any{{int64(3)}}})

	var n int
	run(t, bf, func(ctx context.Context) {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			t.Fatal(err)
		}
	})
	if n != 3 {
		t.Fatalf("n = %d", n)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery("SELECT count(*) FROM users")
}

func TestPgxStdlibQueryRow(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})

	var name string
	run(t, bf, func(ctx context.Context) {
		if err := db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1", 1).Scan(&name); err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
	if name != "ada" {
		t.Fatalf("name = %q", name)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)
}

// libpq opens a *sql.DB with lib/pq over the plugin's dialer.
func libpq(t *testing.T, bf *bigfoot.StrictVerifier, dsn string) *sql.DB {
	t.Helper()
	c, err := pq.NewConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.Dialer(bfpg.For(bf))
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLibpqQueryRow(t *testing.T) {
	bf := bigfoot.New(t)
	db := libpq(t, bf, "postgres://app:pw@db:5432/appdb?sslmode=disable")
	bfpg.For(bf).Auth(bfpg.MD5, "pw")
	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})

	var name string
	run(t, bf, func(ctx context.Context) {
		if err := db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1", 1).Scan(&name); err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
	if name != "ada" {
		t.Fatalf("name = %q", name)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)
}

func TestLibpqTypesTxCopyAndErrors(t *testing.T) {
	bf := bigfoot.New(t)
	db := libpq(t, bf, "postgres://app@db:5432/appdb?sslmode=disable")
	pg := bfpg.For(bf)
	when := time.Date(2024, time.May, 6, 7, 8, 9, 500000000, time.UTC)
	pg.ExpectQuery("SELECT id, ok, price, at, raw FROM items", bfsql.Rows{Columns: []string{"id", "ok", "price", "at", "raw"},
		Values: [][]any{{int64(1), true, bfpg.Numeric("9.99"), when, []byte("hi")}}})
	pg.ExpectExec("INSERT INTO items (id) VALUES ($1)", bfsql.Result{}, bigfoot.Raises(bfpg.UniqueViolation("items_pkey")))
	pg.ExpectCopyFrom("items")

	var (
		id    int64
		ok    bool
		price string
		at    time.Time
		raw   []byte
		err   error
	)
	run(t, bf, func(ctx context.Context) {
		if err := db.QueryRowContext(ctx, "SELECT id, ok, price, at, raw FROM items").Scan(&id, &ok, &price, &at, &raw); err != nil {
			t.Fatal(err)
		}
		tx, e := db.BeginTx(ctx, nil)
		if e != nil {
			t.Fatal(e)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO items (id) VALUES ($1)", 1)
		tx.Rollback()
		tx, e = db.BeginTx(ctx, nil)
		if e != nil {
			t.Fatal(e)
		}
		stmt, e := tx.Prepare(pq.CopyIn("items", "id", "name"))
		if e != nil {
			t.Fatal(e)
		}
		for _, r := range [][]any{{1, "ada"}, {2, "b\tob"}} {
			if _, e := stmt.Exec(r...); e != nil {
				t.Fatal(e)
			}
		}
		if _, e := stmt.Exec(); e != nil {
			t.Fatal(e)
		}
		stmt.Close()
		if e := tx.Commit(); e != nil {
			t.Fatal(e)
		}
		db.Close()
	})
	var pqErr *pq.Error
	if id != 1 || !ok || price != "9.99" || !at.Equal(when) || string(raw) != "hi" || !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		t.Fatalf("scanned %v %v %v %v %q, err %v", id, ok, price, at, raw, err)
	}
	pg.AssertConnect("app", "appdb")
	pg.AssertQuery("SELECT id, ok, price, at, raw FROM items")
	pg.AssertBegin("BEGIN READ WRITE")
	pg.AssertExec("INSERT INTO items (id) VALUES ($1)", 1)
	pg.AssertRollback()
	pg.AssertBegin("BEGIN READ WRITE")
	pg.AssertCopyFrom("items", []string{"id", "name"}, [][]any{{1, "ada"}, {2, "b\tob"}})
	pg.AssertCommit()
}

// Concurrent queries through a pool take the scripts that match them;
// their order is not fixed, so they are asserted in any order.
func TestPgxpoolConcurrentQueries(t *testing.T) {
	bf := bigfoot.New(t)
	cfg, err := pgxpool.ParseConfig("postgres://app@db:5432/appdb?pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DialFunc = bfpg.For(bf).DialContext
	cfg.ConnConfig.LookupFunc = bfpg.For(bf).LookupHost
	const n = 8
	for i := range n {
		bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"user" + strconv.Itoa(i)}}})
	}
	got := make([]string, n)
	var conns int
	run(t, bf, func(ctx context.Context) {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := pool.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", i).Scan(&got[i]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		conns = int(pool.Stat().TotalConns())
	})
	for _, g := range got {
		if !strings.HasPrefix(g, "user") {
			t.Fatalf("got %q", got)
		}
	}
	bf.InAnyOrder(func() {
		for range conns {
			bfpg.For(bf).AssertConnect("app", "appdb")
		}
		for i := range n {
			bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", i)
		}
	})
}

func TestLibpqSCRAM(t *testing.T) {
	bf := bigfoot.New(t)
	db := libpq(t, bf, "postgres://app:s3cret@db:5432/appdb?sslmode=disable")
	bfpg.For(bf).Auth(bfpg.SCRAM, "s3cret")
	run(t, bf, func(ctx context.Context) {
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
	bfpg.For(bf).AssertConnect("app", "appdb")
}

// Concurrent executions of one statement with different parameters take
// the scripts of their parameters.
func TestScriptsMatchedByArguments(t *testing.T) {
	bf := bigfoot.New(t)
	cfg, err := pgxpool.ParseConfig("postgres://app@db:5432/appdb?pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DialFunc = bfpg.For(bf).DialContext
	cfg.ConnConfig.LookupFunc = bfpg.For(bf).LookupHost
	const n = 6
	q := "SELECT name FROM users WHERE id = $1"
	for i := range n {
		bfpg.For(bf).ExpectQueryArgs(q, []any{i}, bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"user" + strconv.Itoa(i)}}})
	}
	bfpg.For(bf).ExpectExecArgs("DELETE FROM users WHERE id = $1", []any{bigfoot.Any()}, bfsql.Result{RowsAffected: 1})
	got := make([]string, n)
	var conns int
	run(t, bf, func(ctx context.Context) {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := pool.QueryRow(ctx, q, i).Scan(&got[i]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, err := pool.Exec(ctx, "DELETE FROM users WHERE id = $1", 42); err != nil {
			t.Error(err)
		}
		conns = int(pool.Stat().TotalConns())
	})
	for i, g := range got {
		if g != "user"+strconv.Itoa(i) {
			t.Fatalf("execution %d got %q", i, g)
		}
	}
	bf.InAnyOrder(func() {
		for range conns {
			bfpg.For(bf).AssertConnect("app", "appdb")
		}
		for i := range n {
			bfpg.For(bf).AssertQuery(q, i)
		}
	})
	bfpg.For(bf).AssertExec("DELETE FROM users WHERE id = $1", 42)
}
