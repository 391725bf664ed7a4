package bftest_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// lineAfter returns file:line of the line after its caller's.
func lineAfter() string {
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line+1)
}

// failHere fails ft as a helper would, through another helper.
func failHere(ft *bftest.Reporter, fatal bool) {
	ft.Helper()
	inner(ft, fatal)
}

func inner(ft *bftest.Reporter, fatal bool) {
	ft.Helper()
	if fatal {
		ft.Fatalf("fatal %d", 1)
	}
	ft.Errorf("error %d", 2)
}

func TestLinesPassOverHelpers(t *testing.T) {
	ft := bftest.New(t)
	var errLine, fatalLine string
	ft.Run(func() {
		errLine = lineAfter()
		failHere(ft, false)
		fatalLine = lineAfter()
		failHere(ft, true)
		t.Error("Fatalf did not end the goroutine")
	})
	got := ft.Lines()
	if len(got) != 2 || got[0] != errLine || got[1] != fatalLine {
		t.Errorf("Lines() = %q, want [%q %q]", got, errLine, fatalLine)
	}
	if ft.All() != "error 2\n\nfatal 1" {
		t.Errorf("All() = %q", ft.All())
	}
}

// Without Helper, a failure points at the function that reported it.
func TestLinesWithoutHelper(t *testing.T) {
	ft := bftest.New(t)
	want := lineAfter()
	ft.Errorf("x")
	if got := ft.Lines(); len(got) != 1 || got[0] != want {
		t.Errorf("Lines() = %q, want [%q]", got, want)
	}
}

// A failed assertion of the kit's own verifier points at the test's line:
// the verifier marks its frames as helpers.
func TestVerifierFailurePointsAtTheTest(t *testing.T) {
	ft := bftest.New(t)
	src := &core.Source{Plugin: "kv", Name: "get", Fields: []string{"key"}}
	var want string
	ft.Run(func() {
		v := core.New(ft)
		want = lineAfter()
		v.Fail(v.CheckValues(src, core.String("k")))
	})
	if got := ft.Lines(); len(got) != 1 || got[0] != want || !strings.Contains(want, "bftest_test.go:") {
		t.Errorf("Lines() = %q, want [%q]\n%s", got, want, ft.All())
	}
}
