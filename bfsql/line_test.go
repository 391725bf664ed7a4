package bfsql_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
)

// lineReporter is a fake test that remembers where Fatalf points, as
// testing.T prints it: the first frame no Helper call marked (core's
// frames are marked by core itself).
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
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
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

// lineAfter returns file:line of the line after its caller's.
func lineAfter() string {
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line+1)
}

// Every typed assertion's failure points at the test's line, not at
// bfsql's: each exported method marks itself a helper.
func TestFailedAssertionPointsAtTheTestLine(t *testing.T) {
	r := &lineReporter{helpers: map[string]bool{}}
	p := bfsql.For(core.New(r))
	for name, assert := range map[string]func() string{
		"AssertConnect": func() string {
			line := lineAfter()
			p.AssertConnect("app")
			return line
		},
		"AssertBegin": func() string {
			line := lineAfter()
			p.AssertBegin()
			return line
		},
		"AssertQuery": func() string {
			line := lineAfter()
			p.AssertQuery("SELECT 1", 1)
			return line
		},
		"AssertExec": func() string {
			line := lineAfter()
			p.AssertExec("DELETE FROM t")
			return line
		},
		"AssertCommit": func() string {
			line := lineAfter()
			p.AssertCommit()
			return line
		},
		"AssertRollback": func() string {
			line := lineAfter()
			p.AssertRollback()
			return line
		},
		"AssertClose": func() string {
			line := lineAfter()
			p.AssertClose()
			return line
		},
	} {
		r.line = ""
		if want := assert(); r.line != want {
			t.Errorf("%s's failure points at %q, want %q", name, r.line, want)
		}
	}
}
