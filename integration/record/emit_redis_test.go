package record

// The proof that the Redis decoder's code is right for real client
// traffic: the committed fixtures (two captured runs of each scenario)
// go through record.Emit, and the code becomes a test, in a module of
// its own, that runs each scenario's own source inside the sandbox
// against the recorded address. Run offline under `bigfoot test`
// (transparent mode: bfredis serves the address), it must pass; with
// one argument of the code under test changed, it must fail with
// bfredis's usual message.

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	_ "github.com/bigfoot-go/bigfoot/bfredis" // the emitted tests' plugin: required here so that `go mod download` fetches what they need
	"github.com/bigfoot-go/bigfoot/record"
)

// redisScenarioSource returns the Go source of the named declarations of
// capture_redis_test.go, the code under test that the emitted tests run.
func redisScenarioSource(t *testing.T, names ...string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "capture_redis_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var b bytes.Buffer
	for _, d := range f.Decls {
		name := ""
		switch d := d.(type) {
		case *ast.FuncDecl:
			name = d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				if star, ok := d.Recv.List[0].Type.(*ast.StarExpr); ok {
					if id, ok := star.X.(*ast.Ident); ok && id.Name == "redisResults" {
						name = "redisResults" // its methods come with it
					}
				}
			}
			if d.Recv != nil && name != "redisResults" {
				continue
			}
		case *ast.GenDecl:
			if len(d.Specs) == 1 {
				switch s := d.Specs[0].(type) {
				case *ast.TypeSpec:
					name = s.Name.Name
				case *ast.ValueSpec:
					name = s.Names[0].Name
				}
			}
		}
		if want[name] {
			delete(want, name)
			if name == "redisResults" {
				want[name] = true // the type and each method
			}
			if err := printer.Fprint(&b, fset, d); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n\n")
		}
	}
	delete(want, "redisResults")
	if len(want) > 0 {
		t.Fatalf("capture_redis_test.go has no declaration of %v", want)
	}
	return b.String()
}

// redisEmittedTest is what the tool's emitter writes for one scenario: a
// test function with the setup and script lines, the sandbox that runs the
// code under test, and the assertions, and a check that the code got what
// it got from the real server.
func redisEmittedTest(t *testing.T, name, fn string, imports map[string]bool) string {
	t.Helper()
	a := readTranscript(t, filepath.Join(redisFixtureDir, name+".a.json"), "TestCaptureRedis")
	b := readTranscript(t, filepath.Join(redisFixtureDir, name+".b.json"), "TestCaptureRedis")
	code, err := record.Emit("bf", a, b, nil)
	if err != nil {
		t.Fatalf("%s: Emit: %v", name, err)
	}
	for _, imp := range code.Imports {
		imports[imp] = true
	}
	want, err := os.ReadFile(filepath.Join("testdata", "redis", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	addr := a.Conns[0].Address
	var s strings.Builder
	s.WriteString("func TestRedis_" + name + "(t *testing.T) {\n\tbf := bigfoot.New(t)\n")
	for _, l := range append(code.Setup, code.Script...) {
		s.WriteString("\t" + l + "\n")
	}
	s.WriteString("\tvar got string\n\tbf.Sandbox(func() {\n\t\tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)\n\t\tdefer cancel()\n")
	s.WriteString("\t\tgot = " + fn + "(ctx, " + strconv.Quote(addr) + ")\n\t})\n")
	for _, l := range code.Assert {
		s.WriteString("\t" + l + "\n")
	}
	s.WriteString("\tif want := " + strconv.Quote(string(want)) + "; got != want {\n\t\tt.Errorf(\"the code got\\n%s\\nthe recording got\\n%s\", got, want)\n\t}\n}\n\n")
	return s.String()
}

// redisEmittedModule writes the emitted tests of every scenario, and the
// code under test, into a module of their own, and returns its
// directory; change rewrites the code under test (nil for none).
func redisEmittedModule(t *testing.T, change func(string) string) string {
	t.Helper()
	imports := map[string]bool{"context": true, "testing": true, "time": true, "github.com/bigfoot-go/bigfoot": true}
	var tests strings.Builder
	fns := []string{"redisResults", "redisDialer"}
	for _, sc := range redisScenarios {
		tests.WriteString(redisEmittedTest(t, sc.name, sc.fn, imports))
		fns = append(fns, sc.fn)
	}
	var paths []string
	for imp := range imports {
		paths = append(paths, strconv.Quote(imp))
	}
	sort.Strings(paths)
	src := "package emitted\n\nimport (\n" + strings.Join(paths, "\n") + "\n)\n\n" + tests.String()
	formatted, err := format.Source([]byte(src))
	if err != nil {
		t.Fatalf("the emitted test does not parse: %v\n%s", err, src)
	}
	under := redisScenarioSource(t, fns...)
	if change != nil {
		under = change(under)
	}
	code := "package emitted\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"fmt\"\n\t\"net\"\n\t\"strings\"\n\t\"time\"\n\n\t\"github.com/redis/go-redis/v9\"\n)\n\n" + under
	codeFormatted, err := format.Source([]byte(code))
	if err != nil {
		t.Fatalf("the code under test does not parse: %v\n%s", err, code)
	}
	return newModule(t, "example.com/emitted", []string{"bfredis"}, []string{"github.com/redis/go-redis/v9 v9.23.0"},
		map[string]string{"emitted_test.go": string(formatted), "code_test.go": string(codeFormatted)})
}

// runBigfootTest runs `bigfoot test` in dir, offline: the module proxy is
// off, so everything comes from the module cache.
func runBigfootTest(t *testing.T, dir string) (string, error) {
	t.Helper()
	return bigfoot(t, dir, []string{"GOPROXY=off", "BIGFOOT_REDIS_ADDR=", "GOWORK=off"}, "test", "-count=1", "-v", ".")
}

func TestEmittedRedisPassesOffline(t *testing.T) {
	dir := redisEmittedModule(t, nil)
	out, err := runBigfootTest(t, dir)
	if err != nil {
		t.Fatalf("the emitted test failed: %v\n%s", err, out)
	}
	for _, sc := range redisScenarios {
		if !strings.Contains(out, "--- PASS: TestRedis_"+sc.name+" ") {
			t.Errorf("TestRedis_%s did not pass:\n%s", sc.name, out)
		}
	}
	src, err := os.ReadFile(filepath.Join(dir, "emitted_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{redisACLPass, "AUTH", "HELLO", "SETINFO"} {
		if strings.Contains(string(src), secret) {
			t.Errorf("the emitted code holds %q:\n%s", secret, src)
		}
	}
}

func TestEmittedRedisFailsOnAChangedArgument(t *testing.T) {
	dir := redisEmittedModule(t, func(src string) string {
		const from = `c.Set(ctx, "bf:rec:k", "v1", time.Minute)`
		if !strings.Contains(src, from) {
			t.Fatalf("the basic scenario no longer has %s", from)
		}
		return strings.Replace(src, from, `c.Set(ctx, "bf:rec:k", "v2", time.Minute)`, 1)
	})
	out, err := runBigfootTest(t, dir)
	if err == nil {
		t.Fatalf("the emitted test passed with a changed argument:\n%s", out)
	}
	if os.Getenv("BIGFOOT_SHOW_EMITTED") != "" {
		t.Logf("bigfoot test of the changed code:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestRedis_basic ",
		`unexpected command SET bf:rec:k v2 ex 60 on 127.0.0.1:6399 (db 0)`,
		`bfredis.For(bf).Expect("SET", "bf:rec:k", "v2", "ex", "60")`,
		"--- PASS: TestRedis_tx ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}
