//go:build bigfoot_overlay

package sqlclients

// pgx's database/sql driver with no seam: the code opens its DB with
// sql.Open("pgx", dsn) at package level, as applications do. These tests
// run under
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./...
//
// where every *sql.DB takes its connections inside a sandbox from
// bf.SQL(): pgx never dials, never authenticates, never speaks its wire
// protocol.

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/guard"
	"github.com/jackc/pgx/v5/stdlib"
)

const pgxDSN = "postgres://bank:s3cret@db.internal:5432/bank?sslmode=verify-full"

// bankDB is the code's own handle, opened when the package loads.
var bankDB = func() *sql.DB {
	db, err := sql.Open("pgx", pgxDSN)
	if err != nil {
		panic(err)
	}
	return db
}()

// deposit is a repository function with a transaction on pgx.
func deposit(ctx context.Context, account int64, cents int64, ref string) (balance int64, err error) {
	tx, err := bankDB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, "INSERT INTO ledger (account, cents, ref) VALUES ($1, $2, $3)", account, cents, ref); err != nil {
		return 0, err
	}
	if err = tx.QueryRowContext(ctx, "UPDATE accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance", cents, account).Scan(&balance); err != nil {
		return 0, err
	}
	return balance, tx.Commit()
}

func TestPgxStdlibTransparent(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("built with the tag but not the overlay")
	}
	if _, ok := bankDB.Driver().(*stdlib.Driver); !ok {
		t.Fatalf("bankDB's driver is %T, want pgx's", bankDB.Driver())
	}
	bf := bigfoot.New(t)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("query", bfsql.Rows{Columns: []string{"balance"}, Values: [][]any{{1250}}}).
		Expect("commit", nil).
		Expect("begin", nil).
		Expect("exec", nil, bigfoot.Raises(errDuplicateRef)).
		Expect("rollback", nil).
		Expect("close", nil)

	var balance int64
	var err, dup error
	bf.Sandbox(func() {
		ctx := context.Background()
		balance, err = deposit(ctx, 7, 250, "inv-1")
		_, dup = deposit(ctx, 7, 250, "inv-1")
	})

	if err != nil || balance != 1250 {
		t.Fatalf("deposit = %d, %v", balance, err)
	}
	if !errors.Is(dup, errDuplicateRef) {
		t.Fatalf("second deposit = %v, want the duplicate reference", dup)
	}
	bf.SQL().AssertConnect(pgxDSN) // the DSN the code gave sql.Open
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO ledger (account, cents, ref) VALUES ($1, $2, $3)", 7, 250, "inv-1")
	bf.SQL().AssertQuery("UPDATE accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance", 250, 7)
	bf.SQL().AssertCommit()
	bf.SQL().AssertBegin()
	bf.SQL().AssertExec("INSERT INTO ledger (account, cents, ref) VALUES ($1, $2, $3)", 7, 250, "inv-1")
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

// Without bf.SQL(), pgx dials as it always does, and inside a sandbox the
// dial meets the socket layer: here a session that refuses it. (The DSN
// names an address, so pgx does not look a name up first.)
func TestPgxStdlibWithoutSQLDialsTheSocketLayer(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://bank@192.0.2.10:5432/bank?connect_timeout=5&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bf := bigfoot.New(t)
	refused := errors.New("connection refused")
	bf.Socket().NewSession().Expect("connect", nil, bigfoot.Raises(refused))
	bf.Sandbox(func() { err = db.PingContext(context.Background()) })
	if !errors.Is(err, refused) {
		t.Fatalf("Ping = %v, want the scripted refusal", err)
	}
	bf.Socket().AssertConnect("192.0.2.10", 5432)
}

var errDuplicateRef = errors.New(`ERROR: duplicate key value violates unique constraint "ledger_ref_key" (SQLSTATE 23505)`)
