// Package faketb provides a fake testing.TB that records failures instead of
// failing the real test, so bigfoot's own tests can check that a misuse or a
// failed guarantee fails a test, and with which message.
package faketb

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TB records Errorf and Fatalf calls and cleanup functions. Fatalf ends the
// calling goroutine with runtime.Goexit, as testing.T does, so code under
// Run stops where a real test would.
type TB struct {
	testing.TB // the real test, for anything not overridden (Name, TempDir...)

	mu       sync.Mutex
	errors   []string
	fatals   []string
	cleanups []func()
}

// New returns a fake bound to the real test t.
func New(t testing.TB) *TB { return &TB{TB: t} }

// Helper does nothing: the fake has no call sites to hide.
func (f *TB) Helper() {}

// Errorf records a failure.
func (f *TB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// Error records a failure.
func (f *TB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }

// Fatalf records a fatal failure and ends the goroutine.
func (f *TB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
	f.mu.Unlock()
	runtime.Goexit()
}

// Fatal records a fatal failure and ends the goroutine.
func (f *TB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// Failed reports whether any failure was recorded.
func (f *TB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors)+len(f.fatals) > 0
}

// Cleanup records fn; RunCleanups runs it.
func (f *TB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// Run runs body on a new goroutine, as a test function, then the recorded
// cleanups in reverse order, and waits for both.
func (f *TB) Run(body func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
	}()
	<-done
	f.RunCleanups()
}

// RunCleanups runs and forgets the recorded cleanups, last first.
func (f *TB) RunCleanups() {
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
func (f *TB) Errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// Fatals returns the recorded Fatalf messages.
func (f *TB) Fatals() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fatals...)
}

// All returns every recorded message, errors first, joined by blank lines.
func (f *TB) All() string {
	return strings.Join(append(f.Errors(), f.Fatals()...), "\n\n")
}
