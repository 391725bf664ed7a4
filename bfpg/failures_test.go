package bfpg_test

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfpg"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func mustContain(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message lacks %q:\n%s", p, msg)
		}
	}
}

// here returns file:line of the caller's line plus off.
func here(off int) string {
	_, file, ln, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(ln+off)
}

// fixesParse checks that every fix block of msg parses as Go statements,
// and that there is at least one.
func fixesParse(t *testing.T, msg string) {
	t.Helper()
	parts := strings.Split(msg, "\nfix:")
	if len(parts) < 2 {
		t.Fatalf("message has no fix:\n%s", msg)
	}
	for _, p := range parts[1:] {
		p = strings.TrimPrefix(p, " assert them after the sandbox, in this order:")
		p = strings.TrimPrefix(p, " make the code under test perform them, delete them, or mark them optional:")
		var lines []string
		for _, l := range strings.Split(strings.TrimPrefix(p, "\n"), "\n") {
			if !strings.HasPrefix(l, "\t") {
				break
			}
			lines = append(lines, l[1:])
		}
		src := "package p\nfunc _() {\n" + strings.Join(lines, "\n") + "\n}\n"
		if _, err := parser.ParseFile(token.NewFileSet(), "fix.go", src, 0); err != nil || len(lines) == 0 {
			t.Errorf("fix does not parse as Go (%v):\n%s", err, strings.Join(lines, "\n"))
		}
	}
}

// session runs fn on a pgx connection to bf's plugin, inside a sandbox,
// and returns what fn returned; the connection's own failure is returned too.
func session(bf *bigfoot.StrictVerifier, fn func(ctx context.Context, c *pgx.Conn) error) (err error) {
	cfg, _ := pgx.ParseConfig("postgres://app:pw@db:5432/appdb")
	cfg.DialFunc = bfpg.For(bf).DialContext
	cfg.LookupFunc = bfpg.For(bf).LookupHost
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, e := pgx.ConnectConfig(ctx, cfg)
		if e != nil {
			err = e
			return
		}
		defer c.Close(ctx)
		err = fn(ctx, c)
	})
	return err
}

func TestUnscriptedQueryFailsWithTheFix(t *testing.T) {
	ft := bftest.New(t)
	var err error
	var site string
	ft.Run(func() {
		bf := bigfoot.New(ft)
		err = session(bf, func(ctx context.Context, c *pgx.Conn) error {
			var n int
			site = here(1)
			return c.QueryRow(ctx, "SELECT count(*) FROM users WHERE active = $1", true).Scan(&n)
		})
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "XX000" || !strings.Contains(pgErr.Hint, "ExpectQuery") {
		t.Fatalf("the code got %#v", err)
	}
	msg := strings.Join(ft.Errors(), "\n")
	mustContain(t, msg, `bigfoot: unmocked pg call "query": Describe of query "SELECT count(*) FROM users WHERE active = $1"`,
		`on pg connection 1 to db:5432 (user "app", database "appdb")`,
		`bfpg.For(bf).ExpectQuery("SELECT count(*) FROM users WHERE active = $1", bfsql.Rows{`,
		"called at "+site)
	fixesParse(t, ft.Errors()[0])
	// The connection itself was still recorded, and left unasserted.
	mustContain(t, ft.All(), `bfpg.For(bf).AssertConnect("app", "appdb")`)
}

func TestNearMissNamesTheByte(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfpg.For(bf).ExpectExec("UPDATE users SET name = $1 WHERE id = $2", bfsql.Result{RowsAffected: 1})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "UPDATE users SET name = $1 WHERE  id = $2", "ada", 1)
			return err
		})
	})
	mustContain(t, ft.All(), "query text differs at byte 33: the script has 'i', the client sent a space",
		`bfpg.For(bf).ExpectExec("UPDATE users SET name = $1 WHERE  id = $2", bfsql.Result{RowsAffected: 1})`,
		"bfpg.For(bf).ExpectExec(\"UPDATE users SET name = $1 WHERE id = $2\", bfsql.Result{RowsAffected: 1}) registered at")
	fixesParse(t, ft.Errors()[0])
}

func TestWrongAssertionNamesTheByteAndTheFix(t *testing.T) {
	ft := bftest.New(t)
	var line string
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfpg.For(bf).ExpectQuery("SELECT name FROM users WHERE id = $1", bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			var s string
			return c.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", 1).Scan(&s)
		})
		bfpg.For(bf).AssertConnect("app", "appdb")
		line = here(1)
		bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $2", 1)
	})
	if len(ft.Fatals()) != 1 {
		t.Fatalf("fatals: %q", ft.Fatals())
	}
	msg := ft.Fatals()[0]
	mustContain(t, msg, "field query (first difference at byte 35: expected '2', got '1')",
		`bfpg.For(bf).AssertQuery("SELECT name FROM users WHERE id = $1", 1)`)
	fixesParse(t, msg)
	_ = line
}

func TestWrongArgumentIsShownAsSent(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfpg.For(bf).ExpectExec("DELETE FROM users WHERE id = $1", bfsql.Result{RowsAffected: 1})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "DELETE FROM users WHERE id = $1", 7)
			return err
		})
		bfpg.For(bf).AssertConnect("app", "appdb")
		bfpg.For(bf).AssertExec("DELETE FROM users WHERE id = $1", 8)
	})
	mustContain(t, ft.All(), "field args", `[]any{8}`, `[]any{"7"}`, `bfpg.For(bf).AssertExec("DELETE FROM users WHERE id = $1", 7)`)
	fixesParse(t, ft.Fatals()[0])
}

func TestUnassertedAndUnusedFailAtCleanup(t *testing.T) {
	ft := bftest.New(t)
	var site string
	ft.Run(func() {
		bf := bigfoot.New(ft)
		site = here(2)
		bfpg.For(bf).ExpectQuery("SELECT 1", bfsql.Rows{Columns: []string{"one"}, Values: [][]any{{1}}}).
			ExpectExec("VACUUM", bfsql.Result{})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			var n int
			return c.QueryRow(ctx, "SELECT 1").Scan(&n)
		})
	})
	msg := ft.All()
	mustContain(t, msg, "2 recorded interaction(s) were never asserted", `bfpg.For(bf).AssertConnect("app", "appdb")`,
		`bfpg.For(bf).AssertQuery("SELECT 1")`, `pg: bfpg.For(bf).ExpectExec("VACUUM", bfsql.Result{RowsAffected: 0}) registered at `+site)
	fixesParse(t, msg)
}

func TestWrongPasswordFailsBothWays(t *testing.T) {
	for _, m := range []bfpg.AuthMethod{bfpg.Cleartext, bfpg.MD5, bfpg.SCRAM} {
		t.Run(m.String(), func(t *testing.T) {
			ft := bftest.New(t)
			var err error
			ft.Run(func() {
				bf := bigfoot.New(ft)
				bfpg.For(bf).Auth(m, "right")
				err = session(bf, func(context.Context, *pgx.Conn) error { return nil })
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
				t.Fatalf("the code got %v", err)
			}
			mustContain(t, ft.All(), `bigfoot: pg authentication failed for user "app" (database "appdb")`, `bfpg.For(bf).Auth(bfpg.SCRAM, "secret")`)
			fixesParse(t, ft.Errors()[0])
		})
	}
}

func TestMisusesStopTheTestAtTheirLine(t *testing.T) {
	cases := map[string]struct {
		script func(bf *bigfoot.StrictVerifier)
		want   []string
	}{
		"scram without password": {func(bf *bigfoot.StrictVerifier) { bfpg.For(bf).Auth(bfpg.SCRAM, "") },
			[]string{"SCRAM-SHA-256 needs the password", `bfpg.For(bf).Auth(bfpg.SCRAM, "secret")`}},
		"short row": {func(bf *bigfoot.StrictVerifier) {
			bfpg.For(bf).ExpectQuery("SELECT a, b FROM t", bfsql.Rows{Columns: []string{"a", "b"}, Values: [][]any{{1}}})
		}, []string{"row 0 of the scripted bfsql.Rows has 1 value(s) but there are 2 column(s)"}},
		"unencodable value": {func(bf *bigfoot.StrictVerifier) {
			bfpg.For(bf).ExpectQuery("SELECT a FROM t", bfsql.Rows{Columns: []string{"a"}, Values: [][]any{{struct{}{}}}})
		}, []string{`pg step "query" returns bfsql.Rows of values the pg server encodes`, `struct {} (row 0, column "a")`}},
		"mixed column": {func(bf *bigfoot.StrictVerifier) {
			bfpg.For(bf).ExpectQuery("SELECT a FROM t", bfsql.Rows{Columns: []string{"a"}, Values: [][]any{{1}, {"x"}}})
		}, []string{`column "a" holds int8 values in earlier rows and a string (text) in row 1`}},
		"bad numeric": {func(bf *bigfoot.StrictVerifier) {
			bfpg.For(bf).ExpectQuery("SELECT a FROM t", bfsql.Rows{Columns: []string{"a"}, Values: [][]any{{bfpg.Numeric("1,5")}}})
		}, []string{`bfpg.Numeric("1,5") in row 0 is not a decimal`, `bfpg.Numeric("12.50")`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() { c.script(bigfoot.New(ft)) })
			if len(ft.Fatals()) != 1 {
				t.Fatalf("fatals: %q", ft.Fatals())
			}
			mustContain(t, ft.Fatals()[0], c.want...)
			fixesParse(t, ft.Fatals()[0])
		})
	}
}

func TestDialOutsideTheSandboxIsRefused(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		_, err = bfpg.For(bf).DialContext(context.Background(), "tcp", "db:5432")
	})
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) {
		t.Fatalf("err = %v", err)
	}
	mustContain(t, ft.All(), "bigfoot: pg dial tcp db:5432 refused: no sandbox is open", "bf.Sandbox(func() {")
	fixesParse(t, ft.Errors()[0])
}

func TestConnectionUsedAfterTheSandboxIsRefused(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		cfg, _ := pgx.ParseConfig("postgres://app@db:5432/appdb")
		cfg.DialFunc = bfpg.For(bf).DialContext
		cfg.LookupFunc = bfpg.For(bf).LookupHost
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var c *pgx.Conn
		bf.Sandbox(func() { c, err = pgx.ConnectConfig(ctx, cfg) })
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "SELECT 1")
	})
	if err == nil {
		t.Fatal("a query after the sandbox succeeded")
	}
	mustContain(t, ft.All(), "bigfoot: pg Query on pg connection 1 to db:5432 refused: no sandbox is open")
}

func TestChangedColumnsOfACachedStatement(t *testing.T) {
	ft := bftest.New(t)
	var err2 error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		q := "SELECT v FROM t WHERE id = $1"
		bfpg.For(bf).ExpectQuery(q, bfsql.Rows{Columns: []string{"v"}, Values: [][]any{{int64(1)}}}).
			ExpectQuery(q, bfsql.Rows{Columns: []string{"v"}, Values: [][]any{{"one"}}})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			var a int64
			var b string
			c.QueryRow(ctx, q, 1).Scan(&a)
			err2 = c.QueryRow(ctx, q, 2).Scan(&b)
			return nil
		})
	})
	if err2 == nil {
		t.Fatal("the second execution succeeded with changed columns")
	}
	mustContain(t, ft.All(), `bigfoot: pg statement "SELECT v FROM t WHERE id = $1" was prepared with columns (int8) but the script taken for this execution (registered at `,
		") has (text)")
}

// A statement cached with typed columns may be answered later with no
// rows (or only NULLs), whose columns no value types: a real server does
// that too, so it is no changed result type.
func TestZeroRowsOfACachedStatement(t *testing.T) {
	bf := bigfoot.New(t)
	q := "SELECT v FROM t WHERE id = $1"
	bfpg.For(bf).ExpectQuery(q, bfsql.Rows{Columns: []string{"v"}, Values: [][]any{{int64(1)}}}).
		ExpectQuery(q, bfsql.Rows{Columns: []string{"v"}}).
		ExpectQuery(q, bfsql.Rows{Columns: []string{"v"}, Values: [][]any{{nil}}})
	var a int64
	var none, null *int64
	var errNone, errNull error
	err := session(bf, func(ctx context.Context, c *pgx.Conn) error {
		if err := c.QueryRow(ctx, q, 1).Scan(&a); err != nil {
			return err
		}
		errNone = c.QueryRow(ctx, q, 2).Scan(&none)
		errNull = c.QueryRow(ctx, q, 3).Scan(&null)
		return nil
	})
	if err != nil || a != 1 || !errors.Is(errNone, pgx.ErrNoRows) || errNull != nil || null != nil {
		t.Fatalf("got %d (%v), then %v, then %v (%v); want 1, then no rows, then NULL", a, err, errNone, null, errNull)
	}
	bfpg.For(bf).AssertConnect("app", "appdb")
	bfpg.For(bf).AssertQuery(q, 1)
	bfpg.For(bf).AssertQuery(q, 2)
	bfpg.For(bf).AssertQuery(q, 3)
}

func TestSecondPluginIsAnError(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	bfpg.For(bf)
	if _, err := bfpg.NewPlugin(bf); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("err = %v", err)
	}
}

func TestArgumentScriptNamesItsArgumentsWhenUnused(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfpg.For(bf).ExpectQueryArgs("SELECT name FROM users WHERE id = $1", []any{1}, bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}})
		session(bf, func(ctx context.Context, c *pgx.Conn) error {
			var s string
			return c.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", 2).Scan(&s)
		})
	})
	mustContain(t, ft.All(), `unmocked pg call "query": query "SELECT name FROM users WHERE id = $1" with args []any{"2"}`,
		"no script matches these arguments (1 left for this statement with other arguments)",
		`bfpg.For(bf).ExpectQueryArgs("SELECT name FROM users WHERE id = $1", []any{1}, bfsql.Rows{Columns: []string{"name"}, Values: [][]any{{"ada"}}}) registered at`)
	fixesParse(t, ft.Errors()[0])
}

// lineReporter is a fake test that remembers where Fatalf points, as
// testing.T would print it: the first frame not marked by Helper.
type lineReporter struct {
	helpers map[string]bool
	line    string
}

func (r *lineReporter) Helper() {
	pc, _, _, _ := runtime.Caller(1)
	r.helpers[runtime.FuncForPC(pc).Name()] = true
}
func (r *lineReporter) Errorf(string, ...any) {}
func (r *lineReporter) Name() string          { return "TestLine" }
func (r *lineReporter) Fatalf(string, ...any) {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !r.helpers[f.Function] && !strings.Contains(f.Function, "bigfoot/core.") {
			r.line = f.File + ":" + strconv.Itoa(f.Line)
			return
		}
		if !more {
			return
		}
	}
}

func TestMisusePointsAtTheTestLine(t *testing.T) {
	for name, misuse := range map[string]func(*bfpg.Plugin) string{
		"ExpectQuery": func(p *bfpg.Plugin) string {
			line := here(1)
			p.ExpectQuery("SELECT a FROM t", bfsql.Rows{Columns: []string{"a"}, Values: [][]any{{1, 2}}})
			return line
		},
		"ExpectQueryArgs": func(p *bfpg.Plugin) string {
			line := here(1)
			p.ExpectQueryArgs("SELECT a FROM t", []any{1}, bfsql.Rows{Columns: []string{"a"}, Values: [][]any{{struct{}{}}}})
			return line
		},
		"Auth": func(p *bfpg.Plugin) string {
			line := here(1)
			p.Auth(bfpg.SCRAM, "")
			return line
		},
		"Serve": func(p *bfpg.Plugin) string {
			line := here(1)
			p.Serve("not a rule ::: [")
			return line
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := &lineReporter{helpers: map[string]bool{}}
			want := misuse(bfpg.For(core.New(r)))
			if r.line != want {
				t.Fatalf("the misuse points at %s, want %s", r.line, want)
			}
		})
	}
}

func TestFailedAssertionPointsAtTheTestLine(t *testing.T) {
	r := &lineReporter{helpers: map[string]bool{}}
	v := core.New(r)
	p := bfpg.For(v)
	for name, assert := range map[string]func() string{
		"AssertQuery":    func() string { line := here(0); p.AssertQuery("SELECT 1"); return line },
		"AssertExec":     func() string { line := here(0); p.AssertExec("DELETE FROM t"); return line },
		"AssertConnect":  func() string { line := here(0); p.AssertConnect("app", "db"); return line },
		"AssertBegin":    func() string { line := here(0); p.AssertBegin("begin"); return line },
		"AssertCommit":   func() string { line := here(0); p.AssertCommit(); return line },
		"AssertRollback": func() string { line := here(0); p.AssertRollback(); return line },
		"AssertCopyFrom": func() string { line := here(0); p.AssertCopyFrom("t", []string{"a"}, nil); return line },
	} {
		r.line = ""
		if want := assert(); r.line != want {
			t.Errorf("%s's failure points at %s, want %s", name, r.line, want)
		}
	}
}
