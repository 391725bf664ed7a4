package guard_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// stackDriver is a database/sql driver outside package guard whose
// connector dials as the overlay's dial hook would decide it (guard.Dial),
// so that a refused dial is seen from inside database/sql.
type stackDriver struct{}

func (stackDriver) Open(dsn string) (driver.Conn, error) {
	return stackConnector{dsn}.Connect(context.Background())
}

func (stackDriver) OpenConnector(dsn string) (driver.Connector, error) {
	return stackConnector{dsn}, nil
}

type stackConnector struct{ addr string }

func (c stackConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if d, _, err := guard.Dial(ctx, "tcp", c.addr); d == guard.Answer {
		return nil, err
	}
	return stackConn{}, nil // let through: the test dials nothing for real
}

func (stackConnector) Driver() driver.Driver { return stackDriver{} }

type stackConn struct{}

func (stackConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (stackConn) Close() error                        { return nil }
func (stackConn) Begin() (driver.Tx, error)           { return nil, errors.New("no transactions") }

var registerStackDriver sync.Once

// TestSQLDriverDialDecidedAsSQL: a dial a database/sql driver makes while
// database/sql opens a connection is an sql call: refused at error naming
// the driver, with the test the context belongs to failed; let through at
// sql=warn and counted as an sql call.
func TestSQLDriverDialDecidedAsSQL(t *testing.T) {
	registerStackDriver.Do(func() { sql.Register("guard-stack-test", stackDriver{}) })
	db, err := sql.Open("guard-stack-test", "192.0.2.1:5432")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	ft := bftest.New(t)
	v := core.New(ft)
	remove, _ := guard.SetTestLevel(ft.Name(), guard.KindSQL, guard.LevelError, "Guard(sql=error)")
	err = db.PingContext(core.WithSandbox(context.Background(), v))
	remove()
	var g *core.GuardedCallError
	if !errors.As(err, &g) || g.Plugin != "sql" || g.Op != "connect" || g.Network != "tcp" || g.Address != "192.0.2.1:5432" {
		t.Fatalf("at error: %v, want the sql refusal", err)
	}
	for _, want := range []string{
		"bigfoot: sql connect tcp 192.0.2.1:5432 refused: a *sql.DB opens a connection outside every sandbox (driver github.com/bigfoot-go/bigfoot/guard_test), and the firewall refuses its dial: ",
		`bigfoot.AllowDial(t, "192.0.2.1:5432")`, "bigfoot.Guard(t, bigfoot.GuardSQL, bigfoot.Warn)", `bf.SQL().NewSession().Expect("connect", nil)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(ft.All(), "bigfoot: sql connect tcp 192.0.2.1:5432 refused") {
		t.Errorf("the test whose context the connection carried did not fail: %q", ft.All())
	}

	const call = "sql connect tcp 192.0.2.1:5432 (driver github.com/bigfoot-go/bigfoot/guard_test)"
	count := func() int {
		for _, w := range guard.Warnings() {
			if w.Kind == guard.KindSQL && w.Call == call {
				return w.Count
			}
		}
		return 0
	}
	before := count()
	remove, _ = guard.SetTestLevel(ft.Name(), guard.KindSQL, guard.LevelWarn, "Guard(sql=warn)")
	err = db.PingContext(core.WithSandbox(context.Background(), v))
	remove()
	if err != nil {
		t.Fatalf("at warn: %v", err)
	}
	if n := count() - before; n != 1 {
		t.Errorf("warn counted %d connections, want 1: %+v", n, guard.Warnings())
	}
}
