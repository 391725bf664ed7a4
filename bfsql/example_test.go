package bfsql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
)

// A repository function scripted and asserted, in the manual form; in a
// test, bigfoot.New(t) does the same with VerifyAll run at cleanup.
func Example() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("postgres://app@db/app")
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"Ada"}}}).
		Expect("close", nil)

	var name string
	var err error
	bf.Sandbox(func() {
		err = db.QueryRowContext(context.Background(), "SELECT name FROM users WHERE id = $1", 1).Scan(&name)
	})
	fmt.Println(name, err)

	fmt.Println(bf.SQL().AssertConnect("postgres://app@db/app"))
	fmt.Println(bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1", 1)) // an int matches the int64 the driver got
	fmt.Println(bf.SQL().AssertClose())
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// Ada <nil>
	// <nil>
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}

// A transaction: begin, the statements inside it, commit. A second
// connection, opened while the first is busy, would take a second session.
func ExampleSession_Expect() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("app.db")
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", bfsql.Result{LastInsertID: 42, RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 3}).
		Expect("commit", nil).
		Expect("close", nil)

	var id int64
	bf.Sandbox(func() {
		tx, _ := db.Begin()
		res, _ := tx.Exec("INSERT INTO orders (customer) VALUES (?)", "acme")
		id, _ = res.LastInsertId()
		tx.Exec("INSERT INTO order_items (order_id, sku) SELECT ?, sku FROM cart", id)
		tx.Commit()
	})
	fmt.Println("order", id)

	bf.SQL().AssertConnect("app.db")
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO orders (customer) VALUES (?)", "acme")
	bf.SQL().AssertExec("INSERT INTO order_items (order_id, sku) SELECT ?, sku FROM cart", 42)
	bf.SQL().AssertCommit()
	bf.SQL().AssertClose()
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// order 42
	// VerifyAll: <nil>
}

// A script can refuse to run: a commit with no begin before it is not
// something a connection can do.
func ExampleSession_Expect_invalidState() {
	defer func() {
		var ise *bigfoot.InvalidStateError
		if err, _ := recover().(error); errors.As(err, &ise) {
			fmt.Println(ise)
		}
	}()
	bf := bigfoot.NewStrictVerifier() // bound to a test, the test stops instead
	bf.SQL().NewSession().Expect("connect", nil).Expect("commit", nil)
	// Output:
	// 'commit' called in state 'connected'; valid from: [in_transaction]
}

// bigfoot.Raises makes a step's call fail with the error of the test's
// choice; the call is still recorded and asserted.
func ExampleSession_Expect_raises() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("postgres://app@db/app")
	duplicate := errors.New(`pq: duplicate key value violates unique constraint "users_email_key"`)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("exec", nil, bigfoot.Raises(duplicate)).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		_, err = db.Exec("INSERT INTO users (email) VALUES ($1)", "ada@example.com")
	})
	fmt.Println(errors.Is(err, duplicate))

	bf.SQL().AssertConnect("postgres://app@db/app")
	bf.SQL().AssertExec("INSERT INTO users (email) VALUES ($1)", "ada@example.com")
	bf.SQL().AssertClose()
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// true
	// VerifyAll: <nil>
}

// Arguments compare as the driver received them: database/sql passes an
// int as int64 and a named argument by name; a matcher stands for a value
// the test cannot know.
func ExamplePlugin_AssertQuery() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("sqlserver://app@db")
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id"}}).
		Expect("close", nil)

	bf.Sandbox(func() {
		rows, err := db.Query("SELECT id FROM jobs WHERE owner = @owner AND tries < @max", sql.Named("owner", "ada"), sql.Named("max", 3))
		if err == nil {
			rows.Close()
		}
	})

	bf.SQL().AssertConnect("sqlserver://app@db")
	fmt.Println(bf.SQL().AssertQuery("SELECT id FROM jobs WHERE owner = @owner AND tries < @max",
		sql.Named("owner", bigfoot.Any()), sql.Named("max", 3)))
	bf.SQL().AssertClose()
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// <nil>
	// VerifyAll: <nil>
}

// A query nobody scripted fails at once, and the fix is the session to
// paste, with the statement beside its Expect.
func ExamplePlugin_NewSession() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("postgres://app@db/app")
	var err error
	bf.Sandbox(func() {
		var n int
		err = db.QueryRow("SELECT count(*) FROM users").Scan(&n)
	})
	_, fix, _ := strings.Cut(err.Error(), "fix:\n")
	fmt.Println(fix)
	// Output:
	// 	// script one session per connection database/sql opens, before the sandbox:
	// 	bf.SQL().NewSession().
	// 		Expect("connect", nil).
	// 		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{1}}}). // "SELECT count(*) FROM users"
	// 		Expect("close", nil)
}
