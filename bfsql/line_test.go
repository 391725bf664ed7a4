package bfsql_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// lineAfter returns file:line of the line after its caller's.
func lineAfter() string {
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line+1)
}

// Every typed assertion's failure points at the test's line, not at
// bfsql's: each exported method marks itself a helper. (Fatalf ends the
// goroutine, so each closure notes its line before asserting.)
func TestFailedAssertionPointsAtTheTestLine(t *testing.T) {
	ft := bftest.New(t)
	p := bfsql.For(core.New(ft))
	for name, assert := range map[string]func(want *string){
		"AssertConnect": func(want *string) {
			*want = lineAfter()
			p.AssertConnect("app")
		},
		"AssertBegin": func(want *string) {
			*want = lineAfter()
			p.AssertBegin()
		},
		"AssertQuery": func(want *string) {
			*want = lineAfter()
			p.AssertQuery("SELECT 1", 1)
		},
		"AssertExec": func(want *string) {
			*want = lineAfter()
			p.AssertExec("DELETE FROM t")
		},
		"AssertCommit": func(want *string) {
			*want = lineAfter()
			p.AssertCommit()
		},
		"AssertRollback": func(want *string) {
			*want = lineAfter()
			p.AssertRollback()
		},
		"AssertClose": func(want *string) {
			*want = lineAfter()
			p.AssertClose()
		},
	} {
		var want string
		ft.Run(func() { assert(&want) })
		lines := ft.Lines()
		if len(lines) == 0 || lines[len(lines)-1] != want {
			t.Errorf("%s's failure points at %q, want %q", name, lines, want)
		}
	}
}
