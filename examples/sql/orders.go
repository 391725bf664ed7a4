// Package orders is a small repository over database/sql, the kind of
// code bigfoot's SQL plugin is for: queries with arguments, a lookup that
// can find nothing, and an order written in one transaction.
//
// Its tests (orders_test.go) script the database with bf.SQL(), hand the
// repository bf.SQL().Open(dsn) (the seam), and assert every statement
// the repository sent, with its arguments, transaction included.
// transparent_test.go runs the same repository on a *sql.DB the code
// opened itself with sql.Open, under
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./examples/...
package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Order is an order with its lines.
type Order struct {
	ID       int64
	Customer string
	Placed   time.Time
	Lines    []Line
}

// Line is one line of an order.
type Line struct {
	SKU      string
	Quantity int
	Price    float64
}

// ErrNotFound is returned for an order the database does not have.
var ErrNotFound = errors.New("orders: not found")

// Repository reads and writes orders in DB.
type Repository struct {
	DB *sql.DB
}

// Place writes o and its lines in one transaction and returns the new
// order's id. Any failure rolls the transaction back.
func (r *Repository) Place(ctx context.Context, o Order) (id int64, err error) {
	tx, err := r.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("orders: begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx, "INSERT INTO orders (customer, placed) VALUES ($1, $2)", o.Customer, o.Placed)
	if err != nil {
		return 0, fmt.Errorf("orders: insert order: %w", err)
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, err
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO order_lines (order_id, sku, quantity, price) VALUES ($1, $2, $3, $4)")
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, l := range o.Lines {
		if _, err = stmt.ExecContext(ctx, id, l.SKU, l.Quantity, l.Price); err != nil {
			return 0, fmt.Errorf("orders: insert line %s: %w", l.SKU, err)
		}
	}
	if err = tx.Commit(); err != nil {
		return 0, fmt.Errorf("orders: commit: %w", err)
	}
	return id, nil
}

// Get returns the order id with its lines, or ErrNotFound.
func (r *Repository) Get(ctx context.Context, id int64) (Order, error) {
	o := Order{ID: id}
	err := r.DB.QueryRowContext(ctx, "SELECT customer, placed FROM orders WHERE id = $1", id).Scan(&o.Customer, &o.Placed)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, ErrNotFound
	}
	if err != nil {
		return Order{}, err
	}
	rows, err := r.DB.QueryContext(ctx, "SELECT sku, quantity, price FROM order_lines WHERE order_id = $1 ORDER BY sku", id)
	if err != nil {
		return Order{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.SKU, &l.Quantity, &l.Price); err != nil {
			return Order{}, err
		}
		o.Lines = append(o.Lines, l)
	}
	return o, rows.Err()
}

// Total returns what the order costs.
func (o Order) Total() float64 {
	var t float64
	for _, l := range o.Lines {
		t += float64(l.Quantity) * l.Price
	}
	return t
}
