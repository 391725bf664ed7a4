package core

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

// slowCaller is what Caller must return: runtime.Callers at the same depth.
//
//go:noinline
func slowCaller(skip int) uintptr {
	var pcs [1]uintptr
	runtime.Callers(skip+3, pcs[:])
	return pcs[0]
}

// Shapes of callers: a plugin's Expect that the compiler may inline into
// the test, one it may not, and chains of both.

func inlinedExpect(skip int) (fast, slow uintptr) { return Caller(skip), slowCaller(skip) }

//go:noinline
func framedExpect(skip int) (fast, slow uintptr) { return Caller(skip), slowCaller(skip) }

func inlinedWrapper(skip int) (uintptr, uintptr) { return framedExpect(skip) }

//go:noinline
func framedWrapper(skip int) (uintptr, uintptr) { return inlinedExpect(skip) }

//go:noinline
func recurse(depth, skip int) (uintptr, uintptr) {
	if depth == 0 {
		return framedExpect(skip)
	}
	return recurse(depth-1, skip)
}

func checkSame(t *testing.T, what string, fast, slow uintptr) {
	t.Helper()
	if SiteOf(fast) != SiteOf(slow) || fast != slow {
		t.Errorf("%s: Caller gave %#x (%s), runtime.Callers %#x (%s)", what, fast, SiteOf(fast), slow, SiteOf(slow))
	}
}

func TestCallerMatchesRuntimeCallers(t *testing.T) {
	for round := 0; round < 3; round++ { // the first round fills the cache, the others read it
		for skip := 0; skip <= 3; skip++ {
			f, s := inlinedExpect(skip)
			checkSame(t, "inlined", f, s)
			f, s = framedExpect(skip)
			checkSame(t, "framed", f, s)
			f, s = inlinedWrapper(skip)
			checkSame(t, "inlined wrapper", f, s)
			f, s = framedWrapper(skip)
			checkSame(t, "framed wrapper", f, s)
			for depth := 0; depth < 4; depth++ {
				f, s = recurse(depth, skip)
				checkSame(t, "recursion", f, s)
			}
		}
	}
}

func TestCallerInGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				for skip := 0; skip <= 2; skip++ {
					if f, s := framedWrapper(skip); f != s {
						errs <- SiteOf(f) + " != " + SiteOf(s)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// A direct-mapped cache overwrites on collision: many distinct sites
// through one slot stay correct.
func TestCallerCacheCollisions(t *testing.T) {
	for i := range callerCache {
		callerCache[i].Store(&callerSite{key: [callerKeyLen]uintptr{1, 2, 3, 4}, pc: 42})
	}
	defer func() {
		for i := range callerCache {
			callerCache[i].Store(nil)
		}
	}()
	f, s := framedExpect(0)
	checkSame(t, "after filling the cache with another key", f, s)
}

//go:noinline
func captureBoth() (Stack, []uintptr) {
	st := CaptureStack()
	pcs := make([]uintptr, 24)
	return st, pcs[:runtime.Callers(1, pcs)]
}

func inlinedCapture() (Stack, []uintptr) { return captureBoth() }

func TestCaptureStackExpandsAsCallers(t *testing.T) {
	st, pcs := inlinedCapture()
	// Both start at captureBoth. The physical walk also meets wrapper
	// frames that runtime.Callers elides (testing's gowrap): compare the
	// frames up to the test function.
	got, want := frameNames(st.pcs[:st.n]), frameNames(pcs)
	if len(got) < 3 || len(want) < 3 {
		t.Fatalf("CaptureStack: %v\nruntime.Callers: %v", got, want)
	}
	for i := 0; i < 3; i++ {
		if got[i] != want[i] {
			t.Fatalf("frame %d: CaptureStack %q, runtime.Callers %q\n%v\n%v", i, got[i], want[i], got, want)
		}
	}
	if !strings.HasSuffix(got[1], ".inlinedCapture") {
		t.Fatalf("the inlined frame is missing: %v", got)
	}
	// Site picks the test file's frame: captureBoth's line of CaptureStack.
	if site := st.Site(); !strings.Contains(site, "callers_test.go:") {
		t.Errorf("Site: %q", site)
	}
}

func frameNames(pcs []uintptr) []string {
	var out []string
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		out = append(out, f.Function)
		if !more {
			return out
		}
	}
}

func BenchmarkCaller(b *testing.B) {
	b.Run("Caller", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = Caller(0)
		}
	})
	b.Run("runtime.Callers", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = slowCaller(0)
		}
	})
	b.Run("CaptureStack", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = CaptureStack()
		}
	})
}

//go:noinline
func sharedFrom() *Stack { return SharedStack() }

func TestSharedStackInterns(t *testing.T) {
	var got []*Stack
	for i := 0; i < 3; i++ {
		got = append(got, sharedFrom())
	}
	if got[0] != got[1] || got[1] != got[2] {
		t.Errorf("equal stacks not shared: %p %p %p", got[0], got[1], got[2])
	}
	other := SharedStack() // another site
	if other == got[0] || other.Site() == got[0].Site() {
		t.Errorf("different sites share a stack: %s, %s", other.Site(), got[0].Site())
	}
	if !strings.Contains(got[0].Site(), "callers_test.go:") {
		t.Errorf("Site: %q", got[0].Site())
	}
}

func BenchmarkSharedStack(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = sharedFrom()
	}
}
