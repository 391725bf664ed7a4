package orders_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	orders "github.com/bigfoot-go/bigfoot/examples/sql"
)

const dsn = "postgres://shop@db.internal/shop"

var placed = time.Date(2025, time.June, 1, 9, 30, 0, 0, time.UTC)

func TestPlaceWritesTheOrderInOneTransaction(t *testing.T) {
	bf := bigfoot.New(t)
	repo := &orders.Repository{DB: bf.SQL().Open(dsn)}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", bfsql.Result{LastInsertID: 7, RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("close", nil)

	var id int64
	var err error
	bf.Sandbox(func() {
		id, err = repo.Place(context.Background(), orders.Order{Customer: "acme", Placed: placed, Lines: []orders.Line{
			{SKU: "bolt", Quantity: 100, Price: 0.05},
			{SKU: "nut", Quantity: 100, Price: 0.03},
		}})
	})

	if err != nil || id != 7 {
		t.Fatalf("Place = %d, %v", id, err)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO orders (customer, placed) VALUES ($1, $2)", "acme", placed)
	bf.SQL().AssertExec("INSERT INTO order_lines (order_id, sku, quantity, price) VALUES ($1, $2, $3, $4)", 7, "bolt", 100, 0.05)
	bf.SQL().AssertExec("INSERT INTO order_lines (order_id, sku, quantity, price) VALUES ($1, $2, $3, $4)", 7, "nut", 100, 0.03)
	bf.SQL().AssertCommit()
	bf.SQL().AssertClose()
}

// checkViolation is what a Postgres driver returns for a CHECK constraint.
type checkViolation struct{ Constraint string }

func (e *checkViolation) Error() string {
	return `new row for relation "order_lines" violates check constraint "` + e.Constraint + `"`
}

func TestPlaceRollsBackWhenALineFails(t *testing.T) {
	bf := bigfoot.New(t)
	repo := &orders.Repository{DB: bf.SQL().Open(dsn)}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", bfsql.Result{LastInsertID: 8, RowsAffected: 1}).
		Expect("exec", nil, bigfoot.Raises(&checkViolation{Constraint: "quantity_positive"})).
		Expect("rollback", nil).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		_, err = repo.Place(context.Background(), orders.Order{Customer: "acme", Placed: placed,
			Lines: []orders.Line{{SKU: "bolt", Quantity: -1, Price: 0.05}}})
	})

	var cv *checkViolation
	if !errors.As(err, &cv) || cv.Constraint != "quantity_positive" {
		t.Fatalf("Place = %v, want the check violation", err)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO orders (customer, placed) VALUES ($1, $2)", "acme", placed)
	bf.SQL().AssertExec("INSERT INTO order_lines (order_id, sku, quantity, price) VALUES ($1, $2, $3, $4)", 8, "bolt", -1, 0.05)
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

func TestGetReadsTheOrderAndItsLines(t *testing.T) {
	bf := bigfoot.New(t)
	repo := &orders.Repository{DB: bf.SQL().Open(dsn)}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"customer", "placed"}, Values: [][]any{{"acme", placed}}}).
		Expect("query", bfsql.Rows{Columns: []string{"sku", "quantity", "price"}, Values: [][]any{
			{"bolt", 100, 0.05},
			{"nut", 100, 0.03},
		}}).
		Expect("query", bfsql.Rows{Columns: []string{"customer", "placed"}}).
		Expect("close", nil)

	var o orders.Order
	var err, missing error
	bf.Sandbox(func() {
		o, err = repo.Get(context.Background(), 7)
		_, missing = repo.Get(context.Background(), 9)
	})

	if err != nil || o.Customer != "acme" || !o.Placed.Equal(placed) || len(o.Lines) != 2 || o.Total() != 8 {
		t.Fatalf("Get(7) = %+v, %v", o, err)
	}
	if !errors.Is(missing, orders.ErrNotFound) {
		t.Fatalf("Get(9) = %v, want ErrNotFound", missing)
	}
	bf.SQL().AssertConnect(dsn)
	bf.SQL().AssertQuery("SELECT customer, placed FROM orders WHERE id = $1", 7)
	bf.SQL().AssertQuery("SELECT sku, quantity, price FROM order_lines WHERE order_id = $1 ORDER BY sku", 7)
	bf.SQL().AssertQuery("SELECT customer, placed FROM orders WHERE id = $1", 9)
	bf.SQL().AssertClose()
}
