package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The overlay directory holds database/sql's patched sql.go and the two
// added files too (see overlayNames).
func init() {
	overlayNames = append(overlayNames, "database_sql_sql.go", "database_sql_bigfoot_connhook.go", "database_sql_bigfoot_openhook.go")
}

func sqlPatch(t *testing.T, fn string) hookPatch {
	t.Helper()
	for _, p := range sqlPatches {
		if p.Func == fn {
			return p
		}
	}
	t.Fatalf("no entry for %s in sqlPatches", fn)
	return hookPatch{}
}

// TestSQLEntriesInTable checks that both entries are in the table, for
// the one file they patch, under the names guard links to.
func TestSQLEntriesInTable(t *testing.T) {
	want := map[string]string{
		"database/sql.(*DB).conn": "bigfootSetConnHook",
		"database/sql.Open":       "bigfootSetOpenHook",
	}
	for _, p := range hookPatches {
		if setter, ok := want[p.funcName()]; ok {
			if p.HookSetter != setter || p.File != "sql.go" {
				t.Errorf("%s: setter %s in %s, want %s in sql.go", p.funcName(), p.HookSetter, p.File, setter)
			}
			delete(want, p.funcName())
		}
	}
	for fn := range want {
		t.Errorf("the table has no entry for %s", fn)
	}
}

// TestSQLPatchFails feeds the entries synthetic sql.go files in which
// their functions are missing or have changed.
func TestSQLPatchFails(t *testing.T) {
	const suffix = "; this Go version is not supported by this version of bigfoot"
	const prefix = "bigfoot: cannot patch /goroot/src/database/sql/sql.go for Go version go1.99.0: "
	conn, open := sqlPatch(t, "conn"), sqlPatch(t, "Open")
	connSig := prefix + "function database/sql.(*DB).conn has an unexpected signature: "
	openSig := prefix + "function database/sql.Open has an unexpected signature: "
	for _, tt := range []struct {
		name string
		p    hookPatch
		src  string
		want string
	}{
		{"conn/missing", conn, "package sql\n\ntype DB struct{}\n\nfunc (db *DB) Conn() {}\n",
			prefix + "function database/sql.(*DB).conn not found" + suffix},
		{"conn/renamed receiver", conn, "package sql\n\nimport \"context\"\n\ntype DB struct{}\n\nfunc (d *DB) conn(ctx context.Context, strategy connReuseStrategy) (*driverConn, error) { return nil, nil }\n",
			connSig + "receiver is named d, want db" + suffix},
		{"conn/other parameters", conn, "package sql\n\nimport \"context\"\n\ntype DB struct{}\n\nfunc (db *DB) conn(ctx context.Context) (*driverConn, error) { return nil, nil }\n",
			connSig + "parameters are [ctx] [context.Context], want (ctx context.Context, strategy connReuseStrategy)" + suffix},
		{"conn/other results", conn, "package sql\n\nimport \"context\"\n\ntype DB struct{}\n\nfunc (db *DB) conn(ctx context.Context, strategy connReuseStrategy) (*driverConn, bool, error) { return nil, false, nil }\n",
			connSig + "results are [*driverConn bool error], want (*driverConn, error)" + suffix},
		{"Open/missing", open, "package sql\n\nfunc OpenDB(c driver.Connector) *DB { return nil }\n",
			prefix + "function database/sql.Open not found" + suffix},
		{"Open/renamed parameter", open, "package sql\n\nfunc Open(driverName, dsn string) (*DB, error) { return nil, nil }\n",
			openSig + "parameters are [driverName dsn] [string string], want (driverName, dataSourceName string)" + suffix},
		{"Open/already patched", open, "package sql\n\nvar bigfootOpenHook func()\n",
			prefix + "it already mentions bigfootOpenHook" + suffix},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := patchFile("/goroot/src/database/sql/sql.go", []byte(tt.src), "go1.99.0", []hookPatch{tt.p})
			if err == nil {
				t.Fatalf("patchFile succeeded:\n%s", out)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestSQLOpenCallsOpenDB checks, in the installed source, what the Open
// entry relies on: Open makes its DBs with OpenDB, which the inserted
// statement shadows, and does not declare an OpenDB of its own.
func TestSQLOpenCallsOpenDB(t *testing.T) {
	_, _, srcs := installedSources(t)
	f, err := parser.ParseFile(token.NewFileSet(), "sql.go", srcs["database/sql/sql.go"], parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	open := sqlPatch(t, "Open")
	fn := findFunc(f, &open)
	if fn == nil {
		t.Fatal("no Open in database/sql/sql.go")
	}
	calls, decls := 0, 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "OpenDB" {
				calls++
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == "OpenDB" {
					decls++
				}
			}
		}
		return true
	})
	if calls == 0 || decls != 0 {
		t.Errorf("Open calls OpenDB %d times and assigns it %d times; the Open entry needs calls and no assignment", calls, decls)
	}
}

// TestSQLPatchCompiles compiles the patched database/sql with the overlay
// and vets a program that links to both setters: the statements and the
// added files must type-check against the installed Go's package, which
// parsing alone cannot tell.
func TestSQLPatchCompiles(t *testing.T) {
	in := testInputs(t)
	in.Patches = sqlPatches
	overlay, err := buildOverlay(t.TempDir(), in)
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	files := map[string]string{
		"go.mod": "module sqlhookprog\n\ngo 1.25\n",
		"main.go": `package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	_ "unsafe"
)

//go:linkname setConnHook database/sql.bigfootSetConnHook
func setConnHook(h func(ctx context.Context, db *sql.DB) (connect func() (driver.Conn, error)))

//go:linkname setOpenHook database/sql.bigfootSetOpenHook
func setOpenHook(h func(db *sql.DB, dsn string))

type drv struct{}

func (drv) Open(string) (driver.Conn, error) { panic("the real driver was called") }

type conn struct{}

func (conn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (conn) Close() error                         { return nil }
func (conn) Begin() (driver.Tx, error)            { return nil, driver.ErrSkip }
func (conn) Ping(context.Context) error           { return nil }

func main() {
	var opened string
	hooked := 0
	setOpenHook(func(db *sql.DB, dsn string) { opened = dsn })
	setConnHook(func(ctx context.Context, db *sql.DB) func() (driver.Conn, error) {
		return func() (driver.Conn, error) { hooked++; return conn{}, nil }
	})
	sql.Register("never", drv{})
	db, err := sql.Open("never", "never://db")
	if err != nil {
		panic(err)
	}
	if err := db.Ping(); err != nil {
		panic(err)
	}
	fmt.Println(opened, hooked, db.Stats().OpenConnections)
	db.Close()
}
`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	cmd := exec.Command("go", "run", "-overlay="+overlay, ".")
	cmd.Dir, cmd.Env = mod, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run under the overlay: %v\n%s", err, out)
	}
	// The DSN reached the Open hook, the Ping's connection came from the
	// conn hook, and the driver's Open was never called.
	if got := strings.TrimSpace(string(out)); got != "never://db 1 1" {
		t.Errorf("program printed %q, want %q", got, "never://db 1 1")
	}
}
