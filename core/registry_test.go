package core

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// namedReporter is the least Reporter: a name for the registry's entry.
type namedReporter struct{ name string }

func (namedReporter) Helper()               {}
func (namedReporter) Errorf(string, ...any) {}
func (namedReporter) Fatalf(string, ...any) {}
func (r namedReporter) Name() string        { return r.name }

// TestRegistryDropsDeadSandboxes makes many verifiers, each with a
// sandbox, and checks that the registry keeps about as many entries as
// verifiers still alive, not one per verifier ever made: a benchmark that
// makes a verifier per op must not grow the heap the collector marks.
func TestRegistryDropsDeadSandboxes(t *testing.T) {
	const rounds, perRound = 5, 2000
	// Earlier tests' verifiers are garbage too: collect them first, so
	// that when the registry sweeps depends on this test's alone.
	runtime.GC()
	for range rounds {
		for range perRound {
			v := New(nil)
			v.Sandbox(func() {})
			if err := v.VerifyAll(); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC() // the label sets are unreachable: their weak pointers read nil
	}
	registry.mu.RLock()
	n := len(registry.byLabel)
	registry.mu.RUnlock()
	if n > 2*perRound+64 {
		t.Fatalf("the registry holds %d entries after %d verifiers, each dropped; want at most %d", n, rounds*perRound, 2*perRound+64)
	}
}

// TestRegistryKeepsLeftoverGoroutines checks the other side: a goroutine
// a sandbox left behind keeps its sandbox known, by name and as closed,
// after its verifier has verified and gone and many sweeps have run.
func TestRegistryKeepsLeftoverGoroutines(t *testing.T) {
	v := New(namedReporter{"TestLeftover"})
	ask, answer := make(chan struct{}), make(chan Owner)
	defer close(ask)
	v.Sandbox(func() {
		go func() {
			for range ask {
				answer <- SandboxOwner(context.Background())
			}
		}()
	})
	if err := v.VerifyAll(); err != nil {
		t.Fatal(err)
	}
	v = nil
	for range 3 * 2000 {
		w := New(nil)
		w.Sandbox(func() {})
		w.VerifyAll()
	}
	runtime.GC()
	runtime.GC()
	for range 200 { // more verifiers after the collection: sweeps run
		w := New(nil)
		w.Sandbox(func() {})
		w.VerifyAll()
	}
	select {
	case ask <- struct{}{}:
	case <-time.After(5 * time.Second):
		t.Fatal("the leftover goroutine does not answer")
	}
	var o Owner
	select {
	case o = <-answer:
	case <-time.After(5 * time.Second):
		t.Fatal("the leftover goroutine does not answer")
	}
	if o.Name != "TestLeftover" || !o.Closed || o.Open || o.Via != "goroutine" {
		t.Fatalf("the leftover goroutine's owner = %+v, want the closed sandbox of TestLeftover", o)
	}
}
