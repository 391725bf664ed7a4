package sqlbench

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/pashagolub/pgxmock/v4"
)

var sizes = []int{1, 100, 1_000, 10_000}

const (
	insert = "INSERT INTO events (id, name) VALUES ($1, $2)"
	sel    = "SELECT name FROM users WHERE id = $1"
)

// perQuery reports the timed ns per statement, for n statements per op,
// and the process's CPU time per statement (every thread, the garbage
// collector's included) since start: on a shared machine wall time also
// counts the time other processes held the cores, CPU time does not.
func perQuery(b *testing.B, n int, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/query")
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/query")
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExec: n execs with two arguments, each expected, made through
// database/sql (pgx's own API for pgxmock) and checked, then the
// connection closed and every expectation verified. A fresh verifier (or
// mock) per op.
func BenchmarkExec(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("bigfoot/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				s := bf.SQL().NewSession().Expect("connect", nil)
				for range n {
					s.Expect("exec", bfsql.Result{RowsAffected: 1})
				}
				s.Expect("close", nil)
				db := bf.SQL().Open("bench")
				bf.Sandbox(func() {
					for i := range n {
						if _, err := db.ExecContext(ctx, insert, i, "ev"); err != nil {
							b.Fatal(err)
						}
					}
				})
				bf.SQL().AssertConnect("bench")
				for i := range n {
					if err := bf.SQL().AssertExec(insert, i, "ev"); err != nil {
						b.Fatal(err)
					}
				}
				bf.SQL().AssertClose()
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
		b.Run(fmt.Sprintf("go-sqlmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					mock.ExpectExec(insert).WithArgs(i, "ev").WillReturnResult(sqlmock.NewResult(0, 1))
				}
				mock.ExpectClose()
				for i := range n {
					if _, err := db.ExecContext(ctx, insert, i, "ev"); err != nil {
						b.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
		b.Run(fmt.Sprintf("pgxmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				mock, err := pgxmock.NewConn(pgxmock.QueryMatcherOption(pgxmock.QueryMatcherEqual))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					mock.ExpectExec(insert).WithArgs(i, "ev").WillReturnResult(pgxmock.NewResult("INSERT", 1))
				}
				mock.ExpectClose()
				for i := range n {
					if _, err := mock.Exec(ctx, insert, i, "ev"); err != nil {
						b.Fatal(err)
					}
				}
				if err := mock.Close(ctx); err != nil {
					b.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
	}
}

// BenchmarkQueryRow: n single-row queries with one argument, scanned into
// a string, as BenchmarkExec.
func BenchmarkQueryRow(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("bigfoot/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			rows := bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				s := bf.SQL().NewSession().Expect("connect", nil)
				for range n {
					s.Expect("query", rows)
				}
				s.Expect("close", nil)
				db := bf.SQL().Open("bench")
				bf.Sandbox(func() {
					var name string
					for i := range n {
						if err := db.QueryRowContext(ctx, sel, i).Scan(&name); err != nil {
							b.Fatal(err)
						}
					}
				})
				bf.SQL().AssertConnect("bench")
				for i := range n {
					if err := bf.SQL().AssertQuery(sel, i); err != nil {
						b.Fatal(err)
					}
				}
				bf.SQL().AssertClose()
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
		b.Run(fmt.Sprintf("go-sqlmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					mock.ExpectQuery(sel).WithArgs(i).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("ada"))
				}
				mock.ExpectClose()
				var name string
				for i := range n {
					if err := db.QueryRowContext(ctx, sel, i).Scan(&name); err != nil {
						b.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
		b.Run(fmt.Sprintf("pgxmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
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
				if err := mock.Close(ctx); err != nil {
					b.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
	}
}
