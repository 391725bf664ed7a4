package sqlbench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"
)

// BenchmarkFloor measures database/sql alone, on a driver that does
// nothing, in the shapes of BenchmarkExec and BenchmarkQueryRow: what
// every library here pays through database/sql before its own work
// (pgxmock, through pgx's API, does not pay it).
func BenchmarkFloor(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("Exec/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				db := sql.OpenDB(nopConnector{})
				for i := range n {
					if _, err := db.ExecContext(ctx, insert, i, "ev"); err != nil {
						b.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
		b.Run(fmt.Sprintf("QueryRow/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			ctx := context.Background()
			for b.Loop() {
				db := sql.OpenDB(nopConnector{})
				var name string
				for i := range n {
					if err := db.QueryRowContext(ctx, sel, i).Scan(&name); err != nil {
						b.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			perQuery(b, n, start)
		})
	}
}

// nopConnector opens connections that answer every statement at once:
// an exec affects one row, a query returns one row ("ada").
type nopConnector struct{}

// Connect returns a fresh connection.
func (nopConnector) Connect(context.Context) (driver.Conn, error) { return &nopConn{}, nil }

// Driver returns nil: database/sql asks for it only for sql.DB.Driver.
func (nopConnector) Driver() driver.Driver { return nil }

// nopConn is a connection that answers every statement at once.
type nopConn struct{ rows nopRows }

var errNoPrepare = errors.New("nopConn: prepared statements and transactions are not used by the benchmark")

// Prepare is not reached: nopConn implements QueryerContext and ExecerContext.
func (*nopConn) Prepare(string) (driver.Stmt, error) { return nil, errNoPrepare }

// Close does nothing.
func (*nopConn) Close() error { return nil }

// Begin is not reached: the benchmark opens no transaction.
func (*nopConn) Begin() (driver.Tx, error) { return nil, errNoPrepare }

// QueryContext returns the connection's one-row result, rewound.
func (c *nopConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	c.rows.done = false // database/sql serializes a connection's calls
	return &c.rows, nil
}

// ExecContext reports one row affected.
func (*nopConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

// nopRows is a one-row, one-column result.
type nopRows struct{ done bool }

var nopColumns = []string{"name"}

// Columns names the one column.
func (*nopRows) Columns() []string { return nopColumns }

// Close does nothing.
func (*nopRows) Close() error { return nil }

// Next returns the row once, then io.EOF.
func (r *nopRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = "ada"
	return nil
}
