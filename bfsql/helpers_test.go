package bfsql_test

import (
	"go/parser"
	"go/token"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

const dsn = "postgres://app@db.internal/app"

func mustContain(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message lacks %q:\n%s", p, msg)
		}
	}
}

// line returns file:line of the line after the caller's, for messages
// that point at a registration.
func line(t *testing.T) string {
	t.Helper()
	_, file, ln, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(ln+1)
}

// parses fails t unless code parses as Go statements.
func parses(t *testing.T, code string) {
	t.Helper()
	src := "package p\nfunc _() {\n" + code + "\n}\n"
	if _, err := parser.ParseFile(tokenSet(), "fix.go", src, 0); err != nil {
		t.Errorf("fix does not parse as Go: %v\n%s", err, code)
	}
}

// fixOf returns the fix block of a message: the indented lines after "fix:".
func fixOf(t *testing.T, msg string) string {
	t.Helper()
	_, after, ok := strings.Cut(msg, "\nfix:\n")
	if !ok {
		t.Fatalf("message has no fix block:\n%s", msg)
	}
	var lines []string
	for _, l := range strings.Split(after, "\n") {
		if !strings.HasPrefix(l, "\t") {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	return strings.Join(lines, "\n")
}

// run runs body against a fake test with a bound verifier, with a bound
// on time: nothing may hang.
func run(t *testing.T, body func(bf *bigfoot.StrictVerifier)) *bftest.Reporter {
	t.Helper()
	ft := bftest.New(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ft.Run(func() { body(bigfoot.New(ft)) })
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the fake test did not finish in 10s")
	}
	return ft
}

func tokenSet() *token.FileSet { return token.NewFileSet() }

func strconvItoa(n int) string { return strconv.Itoa(n) }

func quote(s string) string { return strconv.Quote(s) }
