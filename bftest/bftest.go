// Package bftest provides a fake test for bigfoot's verifier, so that a
// plugin author can check that a misuse or a failed guarantee fails a test,
// and with which message, without failing the real test:
//
//	func TestUnscriptedGet(t *testing.T) {
//		ft := bftest.New(t)
//		ft.Run(func() {
//			bf := bigfoot.New(ft)
//			bf.Sandbox(func() { kv.For(bf).Get("k") })
//		})
//		if !strings.Contains(ft.All(), "unmocked kv call") {
//			t.Errorf("failure not reported:\n%s", ft.All())
//		}
//	}
package bftest

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Reporter is a fake test. It records Errorf and Fatalf calls and cleanup
// functions; Fatalf ends the calling goroutine with runtime.Goexit, as
// testing.T does, so code under Run stops where a real test would. It
// satisfies core.Reporter and bigfoot.TestingT.
type Reporter struct {
	t testing.TB // the real test, for Name

	mu       sync.Mutex // guards the fields below
	errors   []string
	fatals   []string
	lines    []string        // where each failure points, as testing.T would print it
	helpers  map[string]bool // functions that called Helper
	cleanups []func()
}

// New returns a fake named after the real test t; t may be nil.
func New(t testing.TB) *Reporter { return &Reporter{t: t} }

// Name returns the real test's name, or "bftest" without one.
func (f *Reporter) Name() string {
	if f.t == nil {
		return "bftest"
	}
	return f.t.Name()
}

// Helper marks the calling function as a helper, as testing.T's does:
// the line a failure points at (Lines) passes over its frames.
func (f *Reporter) Helper() {
	pc, _, _, ok := runtime.Caller(1)
	if !ok {
		return
	}
	name := runtime.FuncForPC(pc).Name()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.helpers == nil {
		f.helpers = map[string]bool{}
	}
	f.helpers[name] = true
}

// Errorf records a failure.
func (f *Reporter) Errorf(format string, args ...any) {
	line := f.line()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.lines = append(f.lines, line)
}

// Fatalf records a fatal failure and ends the goroutine.
func (f *Reporter) Fatalf(format string, args ...any) {
	line := f.line()
	f.mu.Lock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
	f.lines = append(f.lines, line)
	f.mu.Unlock()
	runtime.Goexit()
}

// line returns file:line of the first frame above Errorf or Fatalf whose
// function did not call Helper: where testing.T would say the failure is.
func (f *Reporter) line() string {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		fr, more := frames.Next()
		if !f.helpers[fr.Function] {
			return fr.File + ":" + strconv.Itoa(fr.Line)
		}
		if !more {
			return ""
		}
	}
}

// Lines returns, for every recorded failure in the order it was reported
// (Errorf and Fatalf alike), the file:line testing.T would print before
// it: the first frame whose function did not call Helper. A plugin tests
// with it that its failures point at the test's line.
func (f *Reporter) Lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

// Failed reports whether any failure was recorded.
func (f *Reporter) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors)+len(f.fatals) > 0
}

// Cleanup records fn; Run runs it after the body, as a test's cleanup.
func (f *Reporter) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// Run runs body on a new goroutine, as a test function, then the recorded
// cleanups in reverse order, and waits for both.
func (f *Reporter) Run(body func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
	}()
	<-done
	f.RunCleanups()
}

// RunCleanups runs and forgets the recorded cleanups, last first, each on
// its own goroutine so that a Fatalf in one does not skip the others.
func (f *Reporter) RunCleanups() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		done := make(chan struct{})
		go func() { defer close(done); fns[i]() }()
		<-done
	}
}

// Errors returns the recorded Errorf messages.
func (f *Reporter) Errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// Fatals returns the recorded Fatalf messages.
func (f *Reporter) Fatals() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fatals...)
}

// All returns every recorded message, errors first, joined by blank lines.
func (f *Reporter) All() string {
	return strings.Join(append(f.Errors(), f.Fatals()...), "\n\n")
}
