package record

// Proof that the code record writes from the Postgres fixtures is right:
// each fixture (captured by capture_pg_test.go from the real server) is
// decoded and emitted through record's exported API into a Go test that
// runs the same scenario code, which is written into a module of its own
// and run offline under `bigfoot test` (transparent mode: the client
// dials the recorded address and bfpg answers). It must pass and print
// what the real server gave; with one argument changed it must fail with
// bfpg's unmocked-statement message, and with one call less name the
// script left unused.

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/record"
)

// pgReplayDSN is the DSN of the emitted tests: the recorded address and
// login, with no password (bfpg trusts logins unless the test sets Auth).
const pgReplayDSN = "postgres://bigfoot@127.0.0.1:5432/bigfoot"

// pgScenarioImports are the imports of the scenario code copied into the
// emitted tests.
var pgScenarioImports = []string{"context", "database/sql", "errors", "fmt", "net", "strings", "testing", "time",
	"github.com/jackc/pgx/v5", "github.com/jackc/pgx/v5/pgconn", "github.com/lib/pq"}

// pgScenarioSource returns the source of the scenarios and their types,
// from capture_pg_test.go, so that the replay runs the recorded code.
func pgScenarioSource(t *testing.T) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "capture_pg_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, decl := range f.Decls {
		keep := false
		switch d := decl.(type) {
		case *ast.FuncDecl:
			keep = strings.HasPrefix(d.Name.Name, "scenario")
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == "pgDialFunc" {
					keep = true
				}
			}
		}
		if keep {
			if err := printer.Fprint(&b, fset, decl); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n\n")
		}
	}
	if !strings.Contains(b.String(), "func scenarioPGX(") || !strings.Contains(b.String(), "func scenarioPQ(") {
		t.Fatal("capture_pg_test.go has no scenarioPGX and scenarioPQ")
	}
	return b.String()
}

// pgEmitTest writes the test the recording of fixture name gives, as
// the tool will: setup, script, the sandbox running the code, assertions.
func pgEmitTest(t *testing.T, name string, lookupID int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pgFixtureDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := new(record.Transcript)
	if err := json.Unmarshal(b, tr); err != nil {
		t.Fatal(err)
	}
	// Both runs are the one fixture: every field equal, none a matcher
	// but the secrets and what the decoder writes as one.
	code, err := record.Emit("bf", tr, tr, nil)
	if err != nil {
		t.Fatalf("emit %s: %v", name, err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "pg", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]bool{"github.com/bigfoot-go/bigfoot": true}
	for _, imp := range append(code.Imports, pgScenarioImports...) {
		imports[imp] = true
	}
	var src strings.Builder
	src.WriteString("package emitted\n\nimport (\n")
	for imp := range imports {
		src.WriteString("\t" + strconv.Quote(imp) + "\n")
	}
	src.WriteString(")\n\n")
	fn, call := "TestRecordedPGX", "scenarioPGX(ctx, "+strconv.Quote(pgReplayDSN)+", nil, "+strconv.Itoa(lookupID)+")"
	if name == "pq" {
		fn, call = "TestRecordedPQ", "scenarioPQ(ctx, "+strconv.Quote(pgReplayDSN+"?sslmode=disable")+", nil, "+strconv.Itoa(lookupID)+")"
	}
	src.WriteString("func " + fn + "(t *testing.T) {\n\tbf := bigfoot.New(t)\n")
	for _, l := range append(code.Setup, code.Script...) {
		src.WriteString(l + "\n")
	}
	src.WriteString("\tvar got string\n\tvar err error\n\tbf.Sandbox(func() {\n" +
		"\t\tctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)\n\t\tdefer cancel()\n" +
		"\t\tgot, err = " + call + "\n\t})\n" +
		"\tif err != nil {\n\t\tt.Fatalf(\"the code under test: %v\", err)\n\t}\n" +
		"\tif want := " + strconv.Quote(string(want)) + "; got != want {\n\t\tt.Errorf(\"the code got\\n%s\\nthe real server gave\\n%s\", got, want)\n\t}\n")
	for _, l := range code.Assert {
		src.WriteString(l + "\n")
	}
	src.WriteString("}\n\n" + pgScenarioSource(t))
	out, err := format.Source([]byte(src.String()))
	if err != nil {
		t.Fatalf("the emitted test does not parse: %v\n%s", err, src.String())
	}
	return string(out)
}

// pgRunEmitted runs src as the only test of a module of its own under
// bigfoot test, and returns its output and whether it passed.
func pgRunEmitted(t *testing.T, src string) (string, bool) {
	t.Helper()
	dir := newModule(t, "emitted", []string{"bfpg"}, []string{"github.com/jackc/pgx/v5 v5.7.6", "github.com/lib/pq v1.12.3"},
		map[string]string{"emitted_test.go": src})
	out, err := bigfoot(t, dir, []string{"GOFLAGS=-mod=mod -buildvcs=false", "BIGFOOT_PG_DSN="}, "test", "-count=1", "-v", ".")
	return out, err == nil
}

// pgNoSecrets fails when src holds the password or any authentication
// message the fixture's client sent.
func pgNoSecrets(t *testing.T, name, src string) {
	t.Helper()
	for _, s := range []string{"bigfoot-record-secret", "SCRAM", "n,,n=", "md5", "c=biws", "Auth("} {
		if strings.Contains(src, s) {
			t.Errorf("the code emitted from %s holds %q", name, s)
		}
	}
}

func TestEmitPG(t *testing.T) {
	for _, name := range []string{"pgx", "pq"} {
		t.Run(name, func(t *testing.T) {
			src := pgEmitTest(t, name, 1)
			pgNoSecrets(t, name, src)
			out, ok := pgRunEmitted(t, src)
			if !ok || !strings.Contains(out, "--- PASS: TestRecorded") {
				t.Fatalf("the emitted test failed under bigfoot test:\n%s\n\nthe test:\n%s", out, src)
			}
			// The code under test changed: it looks another row up.
			out, ok = pgRunEmitted(t, pgEmitTest(t, name, 2))
			if ok || !strings.Contains(out, "--- FAIL: TestRecorded") ||
				!strings.Contains(out, "no script matches these arguments") || !strings.Contains(out, `WHERE id = $1" with args []any{"2"}`) {
				t.Fatalf("with another argument, the emitted test did not fail with bfpg's unmocked message:\n%s", out)
			}
			if name != "pgx" {
				return
			}
			// One call less: the script it leaves is reported.
			out, ok = pgRunEmitted(t, pgEmitTest(t, name, 0))
			if ok || !strings.Contains(out, "scripted step(s) were never used") ||
				!strings.Contains(out, `ExpectQueryArgs("SELECT name FROM pg_items WHERE id = $1", []any{1}`) {
				t.Fatalf("with one call less, the emitted test did not fail naming the unused script:\n%s", out)
			}
		})
	}
}
