package bfsql_test

import (
	"context"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
)

// TestEveryStatementKeepsItsOwnArgumentsAndRows runs enough statements on
// one connection to cross every block the plugin cuts steps and rows from,
// with 0 to 3 arguments (a step holds up to two itself) and []byte
// arguments the code reuses, and checks that each statement got its own
// rows and that the timeline kept each one's arguments.
func TestEveryStatementKeepsItsOwnArgumentsAndRows(t *testing.T) {
	const n = 150
	bf := bigfoot.NewStrictVerifier()
	s := bf.SQL().NewSession().Expect("connect", nil)
	for i := range n {
		if i%2 == 0 {
			s.Expect("query", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{i}}})
		} else {
			s.Expect("exec", bfsql.Result{RowsAffected: int64(i)})
		}
	}
	s.Expect("close", nil)
	db := bf.SQL().Open("storage")
	ctx := context.Background()
	args := func(i int, buf []byte) []any {
		all := []any{i, buf, "x"}
		return all[:i%4]
	}
	buf := []byte("reused")
	bf.Sandbox(func() {
		for i := range n {
			buf[0] = byte('a' + i%26)
			if i%2 == 0 {
				var got int
				if err := db.QueryRowContext(ctx, "q", args(i, buf)...).Scan(&got); err != nil {
					t.Fatalf("query %d: %v", i, err)
				}
				if got != i {
					t.Fatalf("query %d scanned %d: the rows of another step", i, got)
				}
			} else {
				res, err := db.ExecContext(ctx, "e", args(i, buf)...)
				if err != nil {
					t.Fatalf("exec %d: %v", i, err)
				}
				if ra, _ := res.RowsAffected(); ra != int64(i) {
					t.Fatalf("exec %d: RowsAffected %d", i, ra)
				}
			}
		}
	})
	bf.SQL().AssertConnect("storage")
	for i := range n {
		b := []byte("reused")
		b[0] = byte('a' + i%26)
		var err error
		if i%2 == 0 {
			err = bf.SQL().AssertQuery("q", args(i, b)...)
		} else {
			err = bf.SQL().AssertExec("e", args(i, b)...)
		}
		if err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
	}
	bf.SQL().AssertClose()
	if err := bf.VerifyAll(); err != nil {
		t.Fatal(err)
	}
	// The recorded arguments are the driver's: int64, and the []byte as it was.
	in := bf.Core().Interactions()[1+5]
	if got, ok := in.Field("args").(bfsql.Args); !ok || len(got) != 1 || got[0] != int64(5) {
		t.Fatalf("statement 5's args = %#v", in.Field("args"))
	}
	in = bf.Core().Interactions()[1+6]
	if got, ok := in.Field("args").(bfsql.Args); !ok || len(got) != 2 || string(got[1].([]byte)) != "geused" {
		t.Fatalf("statement 6's args = %#v", in.Field("args"))
	}
	in = bf.Core().Interactions()[1+7] // more arguments than a step holds itself
	if got, ok := in.Field("args").(bfsql.Args); !ok || len(got) != 3 || got[0] != int64(7) || string(got[1].([]byte)) != "heused" || got[2] != "x" {
		t.Fatalf("statement 7's args = %#v", in.Field("args"))
	}
	in = bf.Core().Interactions()[1+4]
	if got, ok := in.Field("args").(bfsql.Args); !ok || got != nil {
		t.Fatalf("statement 4's args = %#v, want bfsql.Args(nil)", in.Field("args"))
	}
}

// TestStatementCostStaysSmall bounds the allocations one statement costs,
// scripted, run through database/sql and asserted: database/sql's own
// (two for an exec, six for a single-row query) and none of the plugin's.
// (Arguments stay below 256, whose int64 boxes Go keeps ready: a larger
// one costs an allocation as database/sql converts it, with any driver.)
func TestStatementCostStaysSmall(t *testing.T) {
	ctx := context.Background()
	op := func(n int, query bool) {
		bf := bigfoot.NewStrictVerifier()
		s := bf.SQL().NewSession().Expect("connect", nil)
		rows := bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}
		for range n {
			if query {
				s.Expect("query", rows)
			} else {
				s.Expect("exec", bfsql.Result{RowsAffected: 1})
			}
		}
		s.Expect("close", nil)
		db := bf.SQL().Open("cost")
		bf.Sandbox(func() {
			var name string
			for i := range n {
				var err error
				if query {
					err = db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1", i%100).Scan(&name)
				} else {
					_, err = db.ExecContext(ctx, "INSERT INTO events (id, name) VALUES ($1, $2)", i%100, "ev")
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		})
		bf.SQL().AssertConnect("cost")
		for i := range n {
			if query {
				bf.SQL().AssertQuery("SELECT name FROM users WHERE id = $1", i%100)
			} else {
				bf.SQL().AssertExec("INSERT INTO events (id, name) VALUES ($1, $2)", i%100, "ev")
			}
		}
		bf.SQL().AssertClose()
		if err := bf.VerifyAll(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		query bool
		max   float64 // allocations per statement
	}{{"exec", false, 2.2}, {"query", true, 6.2}} {
		small := testing.AllocsPerRun(20, func() { op(100, c.query) })
		large := testing.AllocsPerRun(20, func() { op(300, c.query) })
		if per := (large - small) / 200; per > c.max {
			t.Errorf("%s: %.2f allocations per statement, want at most %.1f", c.name, per, c.max)
		} else {
			t.Logf("%s: %.2f allocations per statement; %.0f per verifier of 100", c.name, per, small)
		}
	}
}

// foreign is a matcher of another library's (gomock's shape): it sees the
// recorded arguments as bfsql.Args.
type foreign struct{ n int }

func (f foreign) Matches(x any) bool {
	a, ok := x.(bfsql.Args)
	return ok && len(a) == f.n
}
func (f foreign) String() string { return "has " + strconvItoa(f.n) + " arguments" }

// TestRecordedArgumentsAnswerEveryForm checks the forms that see the
// recorded arguments other than through AssertExec: a plain bfsql.Args in
// the generic form, a foreign matcher, InAnyOrder, and the mismatch
// message, which shows them as Go code.
func TestRecordedArgumentsAnswerEveryForm(t *testing.T) {
	ft := run(t, func(bf *bigfoot.StrictVerifier) {
		s := bf.SQL().NewSession().Expect("connect", nil)
		for range 4 {
			s.Expect("exec", bfsql.Result{RowsAffected: 1})
		}
		s.Expect("close", nil)
		db := bf.SQL().Open("forms")
		bf.Sandbox(func() {
			for i := range 4 {
				if _, err := db.Exec("e", i, "x"); err != nil {
					t.Errorf("exec %d: %v", i, err)
				}
			}
		})
		bf.SQL().AssertConnect("forms")
		if err := bf.AssertInteraction(bfsql.Exec, bigfoot.Fields{"query": "e", "args": bfsql.Args{int64(0), "x"}}); err != nil {
			t.Errorf("plain Args: %v", err)
		}
		if err := bf.AssertInteraction(bfsql.Exec, bigfoot.Fields{"query": "e", "args": foreign{2}}); err != nil {
			t.Errorf("foreign matcher: %v", err)
		}
		bf.InAnyOrder(func() {
			if err := bf.SQL().AssertExec("e", 3, "x"); err != nil {
				t.Errorf("in any order: %v", err)
			}
		})
		bf.SQL().AssertExec("e", 2, "y") // fails: the message shows what was recorded
	})
	fatals := ft.Fatals()
	if len(fatals) != 1 {
		t.Fatalf("want one failed assertion, got %d:\n%s", len(fatals), ft.All())
	}
	mustContain(t, fatals[0], `[]any{int64(2), "x"}`, `AssertExec("e", int64(2), "x")`)
	parses(t, fixOf(t, fatals[0]))
}
