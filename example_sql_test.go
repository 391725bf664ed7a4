package bigfoot_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
)

// userEmail is code under test: it receives its *sql.DB.
func userEmail(ctx context.Context, db *sql.DB, id int) (string, error) {
	var email string
	err := db.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", id).Scan(&email)
	return email, err
}

// bf.SQL() scripts the connections of a *sql.DB: here the DB the plugin
// opens, handed to the code (under bigfoot test, also the DBs the code
// opens itself). An empty result is sql.ErrNoRows, as from a real driver.
func ExampleStrictVerifier_SQL() {
	bf := bigfoot.NewStrictVerifier()
	db := bf.SQL().Open("postgres://app@db.internal/app")
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"email"}, Values: [][]any{{"ada@example.com"}}}).
		Expect("query", bfsql.Rows{Columns: []string{"email"}}).
		Expect("close", nil)

	ctx := context.Background()
	bf.Sandbox(func() {
		email, err := userEmail(ctx, db, 1)
		fmt.Println(email, err)
		_, err = userEmail(ctx, db, 2)
		fmt.Println(err == sql.ErrNoRows)
	})

	bf.SQL().AssertConnect("postgres://app@db.internal/app")
	bf.SQL().AssertQuery("SELECT email FROM users WHERE id = $1", 1)
	bf.SQL().AssertQuery("SELECT email FROM users WHERE id = $1", 2)
	bf.SQL().AssertClose()
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// ada@example.com <nil>
	// true
	// VerifyAll: <nil>
}
