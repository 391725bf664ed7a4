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

// Helper does nothing: the fake has no call sites to hide.
func (f *Reporter) Helper() {}

// Errorf records a failure.
func (f *Reporter) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// Fatalf records a fatal failure and ends the goroutine.
func (f *Reporter) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
	f.mu.Unlock()
	runtime.Goexit()
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
