package bfpg_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// userName is code under test: it takes its pgx config from the caller.
func exampleUserName(ctx context.Context, cfg *pgx.ConnConfig, id int) (string, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var name string
	err = conn.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", id).Scan(&name)
	return name, err
}

// A pgx QueryRow: the plugin is the config's dial function, scripts one
// line and asserts two. In a test, bigfoot.New(t) replaces
// NewStrictVerifier and the assertions fail the test themselves.
func Example() {
	bf := bigfoot.NewStrictVerifier()
	cfg, _ := pgx.ParseConfig("postgres://app:s3cret@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost

	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})

	var name string
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		name, _ = exampleUserName(ctx, cfg, 1)
	})

	fmt.Println(name)
	fmt.Println(bfpg.For(bf).AssertConnect("app", "appdb"))
	fmt.Println(bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1))
	fmt.Println(bf.VerifyAll())
	// Output:
	// ada
	// <nil>
	// <nil>
	// <nil>
}

// A unique violation: the client sees Postgres's own error, SQLSTATE and all.
func ExamplePlugin_ExpectExec() {
	bf := bigfoot.NewStrictVerifier()
	cfg, _ := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost

	bfpg.For(bf).ExpectExec("INSERT INTO users (name) VALUES ($1)", bfsql.Result{},
		bigfoot.Raises(bfpg.UniqueViolation("users_name_key")))

	var err error
	bf.Sandbox(func() {
		ctx := context.Background()
		conn, cerr := pgx.ConnectConfig(ctx, cfg)
		if cerr != nil {
			panic(cerr)
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "INSERT INTO users (name) VALUES ($1)", "ada")
	})

	var pgErr *pgconn.PgError
	fmt.Println(errors.As(err, &pgErr), pgErr.Code, pgErr.ConstraintName)
	bfpg.For(bf).AssertConnect("app", "appdb")
	fmt.Println(bfpg.For(bf).AssertExec("INSERT INTO users (name) VALUES ($1)", "ada"))
	// Output:
	// true 23505 users_name_key
	// <nil>
}

// SCRAM-SHA-256, Postgres's default: the server runs the exchange with the
// password the test names, nonces and proofs included.
func ExamplePlugin_Auth() {
	bf := bigfoot.NewStrictVerifier()
	cfg, _ := pgx.ParseConfig("postgres://app:s3cret@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost
	bfpg.For(bf).Auth(bfpg.SCRAM, "s3cret")

	bf.Sandbox(func() {
		ctx := context.Background()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			panic(err)
		}
		conn.Close(ctx)
	})
	fmt.Println(bfpg.For(bf).AssertConnect("app", "appdb"))
	// Output: <nil>
}

// Transactions are answered by the server; the statements inside are scripted.
func ExamplePlugin_AssertBegin() {
	bf := bigfoot.NewStrictVerifier()
	cfg, _ := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost
	bfpg.For(bf).ExpectExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", bfsql.Result{RowsAffected: 1})

	bf.Sandbox(func() {
		ctx := context.Background()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			panic(err)
		}
		defer conn.Close(ctx)
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1)
			return err
		})
		if err != nil {
			panic(err)
		}
	})
	pg := bfpg.For(bf)
	fmt.Println(pg.AssertConnect("app", "appdb"), pg.AssertBegin("begin"),
		pg.AssertExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1), pg.AssertCommit())
	// Output: <nil> <nil> <nil> <nil>
}

// pgx's CopyFrom: the rows are recorded as sent and asserted as Go values.
func ExamplePlugin_ExpectCopyFrom() {
	bf := bigfoot.NewStrictVerifier()
	cfg, _ := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost
	bfpg.For(bf).ExpectCopyFrom("users")

	var n int64
	bf.Sandbox(func() {
		ctx := context.Background()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			panic(err)
		}
		defer conn.Close(ctx)
		n, _ = conn.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{1, "ada"}, {2, "bob"}}))
	})
	fmt.Println(n)
	bfpg.For(bf).AssertConnect("app", "appdb")
	fmt.Println(bfpg.For(bf).AssertCopyFrom("users", []string{"id", "name"}, [][]any{{1, "ada"}, {2, "bob"}}))
	// Output:
	// 2
	// <nil>
}
