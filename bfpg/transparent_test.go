//go:build bigfoot_overlay

package bfpg_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/jackc/pgx/v5"
	_ "github.com/lib/pq"
)

// userName is code with no seam: it connects with pgx's defaults.
func userName(ctx context.Context, dsn string, id int) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var name string
	err = conn.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", id).Scan(&name)
	return name, err
}

func TestTransparentPgx(t *testing.T) {
	bf := bigfoot.New(t)
	bfpg.For(bf).Serve("db.internal:5432").Auth(bfpg.SCRAM, "s3cret")
	bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})

	var name string
	var err error
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		name, err = userName(ctx, "postgres://app:s3cret@db.internal:5432/appdb", 1)
	})
	if err != nil || name != "ada" {
		t.Fatalf("userName = %q, %v", name, err)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)
}

func TestTransparentLibpq(t *testing.T) {
	bf := bigfoot.New(t)
	bfpg.For(bf).Serve("10.0.0.5:5432")
	bfpg.For(bf).ExpectExec("DELETE FROM sessions WHERE expired", bfsql.Result{RowsAffected: 4})

	var n int64
	bf.Sandbox(func() {
		db, err := sql.Open("postgres", "postgres://app@10.0.0.5:5432/appdb?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := db.Exec("DELETE FROM sessions WHERE expired")
		if err != nil {
			t.Fatal(err)
		}
		n, _ = res.RowsAffected()
	})
	if n != 4 {
		t.Fatalf("rows affected = %d", n)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertExec("DELETE FROM sessions WHERE expired")
}

// The layer rule: an address the test did not name goes on to the socket
// plugin, which has no session for it; a test that never used the plugin
// is not answered by it either.
func TestTransparentOtherAddressesGoToTheSocketLayer(t *testing.T) {
	for name, setup := range map[string]func(bf *bigfoot.StrictVerifier){
		"another address": func(bf *bigfoot.StrictVerifier) { bfpg.For(bf).Serve("db.internal:5432") },
		"plugin unused":   func(*bigfoot.StrictVerifier) {},
	} {
		t.Run(name, func(t *testing.T) {
			ft := bftest.New(t)
			var err error
			ft.Run(func() {
				bf := bigfoot.New(ft)
				setup(bf)
				bf.Sandbox(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_, err = userName(ctx, "postgres://app@10.9.9.9:5432/appdb?sslmode=disable", 1)
				})
			})
			if err == nil || !strings.Contains(ft.All(), `unmocked socket call "connect"`) {
				t.Fatalf("err = %v; failures:\n%s", err, ft.All())
			}
		})
	}
}
