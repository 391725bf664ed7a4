//go:build bigfoot_overlay

package orders_test

// The repository on a *sql.DB the program opened itself with sql.Open,
// as main would, and no seam: under
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./examples/...
//
// bf.SQL() answers the DB's connections inside the sandbox, whatever its
// driver; the driver itself is never called.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	orders "github.com/bigfoot-go/bigfoot/examples/sql"
)

// production stands for the Postgres driver the program links: any call
// into it from a test is a failure.
type production struct{}

func (production) Open(string) (driver.Conn, error) {
	return nil, errors.New("the production driver was called from a test")
}

var registered = func() bool { sql.Register("production-postgres", production{}); return true }()

// shopDB is the program's database, opened as main opens it.
var shopDB = func() *sql.DB {
	_ = registered
	db, err := sql.Open("production-postgres", "postgres://shop@db.internal/shop")
	if err != nil {
		panic(err)
	}
	return db
}()

func TestGetOnTheProgramsOwnDB(t *testing.T) {
	bf := bigfoot.New(t)
	repo := &orders.Repository{DB: shopDB}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"customer", "placed"}}).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() { _, err = repo.Get(context.Background(), 404) })

	if !errors.Is(err, orders.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	bf.SQL().AssertConnect("postgres://shop@db.internal/shop")
	bf.SQL().AssertQuery("SELECT customer, placed FROM orders WHERE id = $1", 404)
	bf.SQL().AssertClose()
}
