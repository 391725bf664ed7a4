package sqlclients

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/jmoiron/sqlx"
)

// Account is a row of accounts, as sqlx maps it.
type Account struct {
	ID      int64     `db:"id"`
	Owner   string    `db:"owner"`
	Balance int64     `db:"balance"`
	Opened  time.Time `db:"opened"`
}

// accountStore is a repository on sqlx, with a transaction.
type accountStore struct{ db *sqlx.DB }

func (s *accountStore) get(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, "SELECT id, owner, balance, opened FROM accounts WHERE id = $1", id)
	return a, err
}

// transfer moves amount from one account to another, logging the
// transfer, all in one transaction.
func (s *accountStore) transfer(ctx context.Context, from, to, amount int64) (err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var balance int64
	if err = tx.GetContext(ctx, &balance, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", from); err != nil {
		return err
	}
	if balance < amount {
		return errInsufficient
	}
	if _, err = tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, from); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, to); err != nil {
		return err
	}
	if _, err = tx.NamedExecContext(ctx, "INSERT INTO transfers (from_id, to_id, amount) VALUES (:from, :to, :amount)",
		map[string]any{"from": from, "to": to, "amount": amount}); err != nil {
		return err
	}
	return tx.Commit()
}

var errInsufficient = errors.New("insufficient funds")

const pgDSN = "postgres://bank@db.internal/bank?sslmode=disable"

func TestSqlxRepositoryWithATransaction(t *testing.T) {
	bf := bigfoot.New(t)
	store := &accountStore{db: sqlx.NewDb(bf.SQL().Open(pgDSN), "postgres")}
	opened := time.Date(2020, time.January, 2, 0, 0, 0, 0, time.UTC)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id", "owner", "balance", "opened"}, Values: [][]any{{1, "ada", 500, opened}}}).
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{500}}}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id", "owner", "balance", "opened"}}).
		Expect("close", nil)

	var a Account
	var errGet, errTransfer, errMissing error
	bf.Sandbox(func() {
		ctx := context.Background()
		a, errGet = store.get(ctx, 1)
		errTransfer = store.transfer(ctx, 1, 2, 200)
		_, errMissing = store.get(ctx, 3)
	})

	if errGet != nil || a != (Account{ID: 1, Owner: "ada", Balance: 500, Opened: opened}) {
		t.Fatalf("get = %+v, %v", a, errGet)
	}
	if errTransfer != nil {
		t.Fatalf("transfer: %v", errTransfer)
	}
	if !errors.Is(errMissing, sql.ErrNoRows) {
		t.Fatalf("get(3) = %v, want sql.ErrNoRows", errMissing)
	}
	bf.SQL().AssertConnect(pgDSN)
	bf.SQL().AssertQuery("SELECT id, owner, balance, opened FROM accounts WHERE id = $1", 1)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", 1)
	bf.SQL().AssertExec("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 200, 1)
	bf.SQL().AssertExec("UPDATE accounts SET balance = balance + $1 WHERE id = $2", 200, 2)
	bf.SQL().AssertExec("INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3)", 1, 2, 200)
	bf.SQL().AssertCommit()
	bf.SQL().AssertQuery("SELECT id, owner, balance, opened FROM accounts WHERE id = $1", 3)
	bf.SQL().AssertClose()
}

func TestSqlxRollsBackOnInsufficientFunds(t *testing.T) {
	bf := bigfoot.New(t)
	store := &accountStore{db: sqlx.NewDb(bf.SQL().Open(pgDSN), "postgres")}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{50}}}).
		Expect("rollback", nil).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() { err = store.transfer(context.Background(), 1, 2, 200) })

	if !errors.Is(err, errInsufficient) {
		t.Fatalf("transfer = %v", err)
	}
	bf.SQL().AssertConnect(pgDSN)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", 1)
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}
