package pgbench

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/jackc/pgx/v5"
	"github.com/pashagolub/pgxmock/v4"
)

var sizes = []int{1, 100, 1_000}

const sel = "SELECT name FROM users WHERE id = $1"

// cpu returns the process's CPU time (user and system, every thread).
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, n int, start time.Duration) {
	per := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/query")
	b.ReportMetric(float64((cpu()-start).Nanoseconds())/per, "cpu-ns/query")
}

// BenchmarkQueryRow: N pgx QueryRows (one argument, one row scanned into
// a string) per verifier (or mock), each scripted, executed and asserted,
// then every expectation verified; a fresh verifier (or mock) per op.
//
//   - bfpg: a real *pgx.Conn over bfpg.For(bf).DialContext: the handshake,
//     the extended protocol with pgx's statement cache, binary rows; then
//     AssertConnect, N AssertQuery and VerifyAll.
//   - pgxmock v4.9.0 with QueryMatcherEqual: the same QueryRows through
//     pgxmock's own PgxConnIface, N ExpectQuery(...).WithArgs(i), then
//     ExpectationsWereMet.
func BenchmarkQueryRow(b *testing.B) {
	base, err := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rows := bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("bfpg/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpu()
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				pg := bfpg.For(bf)
				cfg := base.Copy()
				cfg.DialFunc, cfg.LookupFunc = pg.DialContext, pg.LookupHost
				for range n {
					pg.ExpectQuery(sel, rows)
				}
				var failed error
				bf.Sandbox(func() {
					conn, err := pgx.ConnectConfig(ctx, cfg)
					if err != nil {
						failed = err
						return
					}
					defer conn.Close(ctx)
					var name string
					for i := range n {
						if err := conn.QueryRow(ctx, sel, i).Scan(&name); err != nil {
							failed = err
							return
						}
					}
				})
				if failed != nil {
					b.Fatal(failed)
				}
				if err := pg.AssertConnect("app", "appdb"); err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := pg.AssertQuery(sel, i); err != nil {
						b.Fatal(err)
					}
				}
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, n, start)
		})
		b.Run(fmt.Sprintf("pgxmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpu()
			for b.Loop() {
				mock, err := pgxmock.NewConn(pgxmock.QueryMatcherOption(pgxmock.QueryMatcherEqual))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					mock.ExpectQuery(sel).WithArgs(i).WillReturnRows(pgxmock.NewRows([]string{"name"}).AddRow("ada"))
				}
				mock.ExpectClose()
				var name string
				for i := range n {
					if err := mock.QueryRow(ctx, sel, i).Scan(&name); err != nil {
						b.Fatal(err)
					}
				}
				mock.Close(ctx)
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, n, start)
		})
	}
}

// TestBothAnswerTheSame keeps the benchmark honest: both sides scan the
// scripted value.
func TestBothAnswerTheSame(t *testing.T) {
	bf := bigfoot.New(t)
	cfg, _ := pgx.ParseConfig("postgres://app@db.internal:5432/appdb")
	cfg.DialFunc, cfg.LookupFunc = bfpg.For(bf).DialContext, bfpg.For(bf).LookupHost
	bfpg.For(bf).ExpectQuery(sel, bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})
	var got string
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, sel, 1).Scan(&got); err != nil {
			t.Fatal(err)
		}
	})
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery(sel, 1)

	mock, err := pgxmock.NewConn(pgxmock.QueryMatcherOption(pgxmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectQuery(sel).WithArgs(1).WillReturnRows(pgxmock.NewRows([]string{"name"}).AddRow("ada"))
	var fromMock string
	if err := mock.QueryRow(context.Background(), sel, 1).Scan(&fromMock); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
	if got != "ada" || fromMock != "ada" {
		t.Fatalf("bfpg %q, pgxmock %q", got, fromMock)
	}
}
