package bfpg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgxConfig is the set-up a test writes once: the code's config, with the
// plugin as its dial function.
func pgxConfig(t *testing.T, bf *bigfoot.StrictVerifier, dsn string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DialFunc = bfpg.For(bf).DialContext
	cfg.LookupFunc = bfpg.For(bf).LookupHost
	return cfg
}

func TestPgxQueryRow(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db.internal:5432/appdb")
	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})

	var name string
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", 1).Scan(&name); err != nil {
			t.Fatal(err)
		}
	})

	if name != "ada" {
		t.Fatalf("name = %q", name)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)
}

func run(t *testing.T, bf *bigfoot.StrictVerifier, fn func(ctx context.Context)) {
	t.Helper()
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		fn(ctx)
	})
}

func connect(ctx context.Context, t *testing.T, cfg *pgx.ConnConfig) *pgx.Conn {
	t.Helper()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestPgxTypesTextAndBinary(t *testing.T) {
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			bf := bigfoot.New(t)
			cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
			cfg.DefaultQueryExecMode = mode
			ts := time.Date(2024, time.March, 4, 5, 6, 7, 123456000, time.UTC)
			day := time.Date(2024, time.March, 4, 0, 0, 0, 0, time.UTC)
			id := bfpg.MustUUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
			q := "SELECT * FROM things WHERE id = $1"
			script := q
			if mode == pgx.QueryExecModeSimpleProtocol {
				script = "SELECT * FROM things WHERE id =  '7' " // pgx interpolates the argument itself
			}
			bfpg.For(bf).ExpectQuery(script, bfsql.Rows{
				Columns: []string{"i2", "i4", "i8", "f8", "n", "t", "b", "by", "u", "d", "ts", "j", "jb", "ai", "as", "null"},
				Values: [][]any{{int16(2), int32(4), int64(8), 1.5, bfpg.Numeric("-1234.5678"), "text", true, []byte{0, 1, 2},
					id, bfpg.Date(day), ts, bfpg.JSON(`{"a":1}`), bfpg.JSONB(`{"b":[1,2]}`), []int64{1, 2, 3}, []string{"x", `y"z`}, nil}},
			})
			var (
				i2   int16
				i4   int32
				i8   int64
				f8   float64
				n    string
				s    string
				b    bool
				by   []byte
				u    [16]byte
				d    time.Time
				tsz  time.Time
				j    map[string]any
				jb   map[string]any
				ai   []int64
				as   []string
				null *string
			)
			run(t, bf, func(ctx context.Context) {
				conn := connect(ctx, t, cfg)
				defer conn.Close(ctx)
				err := conn.QueryRow(ctx, q, 7).Scan(&i2, &i4, &i8, &f8, &n, &s, &b, &by, &u, &d, &tsz, &j, &jb, &ai, &as, &null)
				if err != nil {
					t.Fatal(err)
				}
			})
			if i2 != 2 || i4 != 4 || i8 != 8 || f8 != 1.5 || n != "-1234.5678" || s != "text" || !b || string(by) != "\x00\x01\x02" ||
				u != id || !d.Equal(day) || !tsz.Equal(ts) || j["a"] != float64(1) || len(jb["b"].([]any)) != 2 ||
				len(ai) != 3 || ai[2] != 3 || len(as) != 2 || as[1] != `y"z` || null != nil {
				t.Fatalf("scanned %v %v %v %v %v %v %v %v %v %v %v %v %v %v %v %v", i2, i4, i8, f8, n, s, b, by, u, d, tsz, j, jb, ai, as, null)
			}
			bfpg.For(bf).AssertConnect("app", "appdb")
			if mode == pgx.QueryExecModeSimpleProtocol {
				bfpg.For(bf).AssertQuery(script)
				return
			}
			bfpg.For(bf).AssertQuery(q, 7)
		})
	}
}

func TestPgxUniqueViolation(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
	q := "INSERT INTO users (name) VALUES ($1)"
	bfpg.For(bf).ExpectExec(q, bfsql.Result{}, bigfoot.Raises(bfpg.UniqueViolation("users_name_key")))
	var err error
	run(t, bf, func(ctx context.Context) {
		conn := connect(ctx, t, cfg)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, q, "ada")
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" || pgErr.ConstraintName != "users_name_key" {
		t.Fatalf("err = %#v", err)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertExec(q, "ada")
}

func TestPgxTransactionBatchAndStatementCache(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
	pg := bfpg.For(bf)
	pg.ExpectExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", bfsql.Result{RowsAffected: 1}).
		ExpectExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", bfsql.Result{RowsAffected: 1}).
		ExpectQuery("SELECT balance FROM accounts WHERE id = $1", bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{int64(90)}}}).
		ExpectQuery("SELECT balance FROM accounts WHERE id = $1", bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{int64(110)}}})
	var a, b int64
	var tag pgconn.CommandTag
	run(t, bf, func(ctx context.Context) {
		conn := connect(ctx, t, cfg)
		defer conn.Close(ctx)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			if tag, err = tx.Exec(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", -10, 2)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		batch := &pgx.Batch{}
		batch.Queue("SELECT balance FROM accounts WHERE id = $1", 1).QueryRow(func(r pgx.Row) error { return r.Scan(&a) })
		batch.Queue("SELECT balance FROM accounts WHERE id = $1", 2).QueryRow(func(r pgx.Row) error { return r.Scan(&b) })
		if err := conn.SendBatch(ctx, batch).Close(); err != nil {
			t.Fatal(err)
		}
	})
	if a != 90 || b != 110 || tag.RowsAffected() != 1 || !tag.Update() {
		t.Fatalf("a, b, tag = %d, %d, %q", a, b, tag)
	}
	pg.AssertConnect("app", "appdb")
	pg.AssertBegin("begin")
	pg.AssertExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1)
	pg.AssertExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", -10, 2)
	pg.AssertCommit()
	pg.AssertQuery("SELECT balance FROM accounts WHERE id = $1", 1)
	pg.AssertQuery("SELECT balance FROM accounts WHERE id = $1", 2)
}

func TestPgxFailedTransactionRollsBack(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
	pg := bfpg.For(bf)
	pg.ExpectExec("INSERT INTO t VALUES ($1)", bfsql.Result{}, bigfoot.Raises(&bfpg.Error{Code: "23503", Message: "foreign key violation"}))
	var err, commitErr error
	run(t, bf, func(ctx context.Context) {
		conn := connect(ctx, t, cfg)
		defer conn.Close(ctx)
		tx, e := conn.Begin(ctx)
		if e != nil {
			t.Fatal(e)
		}
		_, err = tx.Exec(ctx, "INSERT INTO t VALUES ($1)", 1)
		commitErr = tx.Commit(ctx)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" || !errors.Is(commitErr, pgx.ErrTxCommitRollback) {
		t.Fatalf("err = %v, commit = %v", err, commitErr)
	}
	pg.AssertConnect("app", "appdb")
	pg.AssertBegin("begin")
	pg.AssertExec("INSERT INTO t VALUES ($1)", 1)
	pg.AssertCommit()
}

func TestPgxCopyFrom(t *testing.T) {
	bf := bigfoot.New(t)
	cfg := pgxConfig(t, bf, "postgres://app@db:5432/appdb")
	pg := bfpg.For(bf)
	pg.ExpectCopyFrom("users")
	var n int64
	run(t, bf, func(ctx context.Context) {
		conn := connect(ctx, t, cfg)
		defer conn.Close(ctx)
		var err error
		n, err = conn.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "name"},
			pgx.CopyFromRows([][]any{{1, "ada"}, {2, "bob"}}))
		if err != nil {
			t.Fatal(err)
		}
	})
	if n != 2 {
		t.Fatalf("copied %d rows", n)
	}
	pg.AssertConnect("app", "appdb")
	pg.AssertCopyFrom("users", []string{"id", "name"}, [][]any{{1, "ada"}, {2, "bob"}})
}

func TestPgxAuthentication(t *testing.T) {
	for _, m := range []bfpg.AuthMethod{bfpg.Cleartext, bfpg.MD5, bfpg.SCRAM} {
		t.Run(m.String(), func(t *testing.T) {
			bf := bigfoot.New(t)
			cfg := pgxConfig(t, bf, "postgres://app:s3cret@db:5432/appdb")
			bfpg.For(bf).Auth(m, "s3cret")
			run(t, bf, func(ctx context.Context) {
				conn := connect(ctx, t, cfg)
				conn.Close(ctx)
			})
			bfpg.For(bf).AssertConnect("app", "appdb")
		})
	}
}
