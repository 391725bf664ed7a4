// Package core is the engine of bigfoot: the verifier, its timeline of
// interactions, the typed errors, matchers, and the scripted-session state
// machine that stateful plugins build on. It depends on the standard library
// only and imports no plugin; plugins inside and outside the project use the
// same API. Most users reach it through package bigfoot.
package core

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Host is anything that carries a verifier: *Verifier itself, and the front
// door's *bigfoot.StrictVerifier. Plugin constructors accept a Host.
type Host interface {
	Core() *Verifier
}

// Verifier owns one timeline shared by all its plugins, the scripted sessions,
// and the three guarantees: every call was scripted, every interaction was
// asserted, every required step was used.
type Verifier struct {
	tb testing.TB // nil in manual mode

	tl timeline

	mu         sync.Mutex
	plugins    map[any]any
	sessions   []*Session
	live       []*Session // bound sessions with required steps left; Session.liveIdx indexes it
	failures   []error    // failures of intercepted calls, in order
	verified   bool
	anyOrder   int            // depth of InAnyOrder blocks (test goroutine only)
	sandboxes  atomic.Int32   // open Sandbox calls; changed under registry.mu
	labels     *sandboxLabels // made by the first Sandbox call
	labelsOnce sync.Once
}

// New returns a verifier. With a non-nil tb, failures of intercepted calls
// fail that test (t.Errorf) and failed assertions stop it (t.Fatalf); the
// caller arranges for VerifyAll to run at cleanup. With tb nil (manual use)
// every failure is only returned as an error.
func New(tb testing.TB) *Verifier {
	return &Verifier{tb: tb, plugins: map[any]any{}}
}

// Core returns v, so that *Verifier is a Host.
func (v *Verifier) Core() *Verifier { return v }

// TB returns the test the verifier is bound to, or nil in manual mode.
func (v *Verifier) TB() testing.TB { return v.tb }

// AddPlugin registers p under key (one plugin of each kind per verifier). A
// second registration returns an error wrapping ErrPluginExists.
func (v *Verifier) AddPlugin(key any, name string, p any) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.plugins[key]; ok {
		return fmt.Errorf("%w: a %s plugin is already registered; each verifier has at most one.\n"+
			"fix: reuse the first one (bf.Socket() returns it) instead of creating another", ErrPluginExists, name)
	}
	v.plugins[key] = p
	return nil
}

// PluginOrCreate returns the plugin under key, creating it with create on first use.
func (v *Verifier) PluginOrCreate(key any, create func() any) any {
	v.mu.Lock()
	defer v.mu.Unlock()
	p, ok := v.plugins[key]
	if !ok {
		p = create()
		v.plugins[key] = p
	}
	return p
}

// Record appends an interaction to the timeline and returns it. values are
// copied; they must follow src.Fields in order.
func (v *Verifier) Record(src *Source, values ...Value) *Interaction {
	return v.tl.record(src, values)
}

// Report records the failure of an intercepted call and fails the bound test
// with t.Errorf, which is safe from any goroutine. The call itself should also
// return err to the code under test.
func (v *Verifier) Report(err error) {
	site := callerOutsideBigfoot()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.failures = append(v.failures, err)
	// After verification the test may be over; t.Errorf would then panic.
	if v.tb != nil && !v.verified {
		if site != "" {
			v.tb.Errorf("%v\ncalled at %s", err, site)
		} else {
			v.tb.Errorf("%v", err)
		}
	}
}

// callerOutsideBigfoot returns file:line of the innermost caller that is
// neither bigfoot nor the standard library: the code under test or the test
// whose call failed. t.Errorf shows bigfoot's own line, and t.Helper cannot
// mark the frames in between (net/http, bufio), so the message says it. It
// is "" when every frame is the standard library's (net/http's own
// goroutines). Only failure paths pay for it.
func callerOutsideBigfoot() string {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		pkg := f.Function
		if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
			pkg = pkg[:i+1] + strings.SplitN(pkg[i+1:], ".", 2)[0]
		} else {
			pkg = strings.SplitN(pkg, ".", 2)[0]
		}
		ours := pkg == "github.com/bigfoot-go/bigfoot" || pkg == "github.com/bigfoot-go/bigfoot/core" ||
			pkg == "github.com/bigfoot-go/bigfoot/socket"
		// A standard library path has no dot in its first element.
		std := !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".")
		if f.Function != "" && !ours && !std {
			return f.File + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return ""
		}
	}
}

// Misuse reports a mistake in how the test uses bigfoot (a misspelt step, a
// returns of the wrong type...). Bound to a test it stops the test with
// t.Fatalf; in manual mode it panics with err, which is the typed error.
func (v *Verifier) Misuse(err error) {
	if v.tb != nil {
		v.tb.Helper()
		v.tb.Fatalf("%v", err)
		return
	}
	panic(err)
}

// Fail reports a failed assertion and returns err. Bound to a test it stops
// the test with t.Fatalf (assertions run on the test goroutine). Assertion
// helpers call t.Helper() and then Fail only when a check failed: Helper
// costs far more than a passing assertion.
func (v *Verifier) Fail(err error) error {
	if v.tb != nil {
		v.tb.Helper()
		v.tb.Fatalf("%v", err)
	}
	return err
}

// InSandbox reports whether a Sandbox call is open on v.
func (v *Verifier) InSandbox() bool { return v.sandboxes.Load() > 0 }

// Sandbox runs fn with v's plugins intercepting: the Go form of Python's
// `with bigfoot:`. Calls made while it is open are answered from the scripts
// and recorded; assertions come after it returns. Sandboxes may be entered
// again later, and nested.
func (v *Verifier) Sandbox(fn func()) {
	runSandbox(v, func() {
		defer v.settle()
		fn()
	})
}

// SettleTimeout bounds how long a sandbox waits, as it closes, for steps
// that the code's own goroutines are still taking (see Spec.Settle). A test
// whose code does all its work before the sandbox function returns never
// waits; a session whose Settle step never comes costs this much once, and
// verification then reports the step unused.
const SettleTimeout = 100 * time.Millisecond

// settle waits for sessions whose only required steps left are Settle steps.
func (v *Verifier) settle() {
	var buf [8]*Session
	v.mu.Lock()
	sessions := append(buf[:0], v.live...)
	v.mu.Unlock()
	var timer *time.Timer
	for _, s := range sessions {
		if len(s.spec.Settle) == 0 {
			continue
		}
		for {
			wake := s.settling(s.spec.Settle)
			if wake == nil {
				break
			}
			if timer == nil {
				timer = time.NewTimer(SettleTimeout)
				defer timer.Stop()
			}
			select {
			case <-wake:
			case <-timer.C:
				return
			}
		}
	}
}

// InAnyOrder runs fn, in which assertions match any unasserted interaction
// rather than the next one in order: for calls made by goroutines whose
// order is not fixed.
func (v *Verifier) InAnyOrder(fn func()) {
	v.anyOrder++
	defer func() { v.anyOrder-- }()
	fn()
}

// Fields maps field names to expected values or matchers, for AssertInteraction.
type Fields map[string]any

// AssertInteraction asserts the next unasserted interaction (any unasserted
// one inside InAnyOrder): it must come from src and match every field src
// declares. Values may be matchers. On success the interaction is asserted; on
// failure the error is returned and, bound to a test, the test stops.
func (v *Verifier) AssertInteraction(src *Source, fields Fields) error {
	if err := v.CheckInteraction(src, fields); err != nil {
		if v.tb != nil {
			v.tb.Helper()
		}
		return v.Fail(err)
	}
	return nil
}

// CheckInteraction is AssertInteraction without reporting: it asserts the
// interaction on success and returns the failure, leaving it to the caller.
func (v *Verifier) CheckInteraction(src *Source, fields Fields) error {
	var missing, unknown []string
	values := make([]Value, len(src.Fields))
	for i, f := range src.Fields {
		x, ok := fields[f]
		if !ok {
			missing = append(missing, f)
			continue
		}
		values[i] = ValueOf(x)
	}
	for f := range fields {
		if !contains(src.Fields, f) {
			unknown = append(unknown, f)
		}
	}
	if missing != nil || unknown != nil {
		sort.Strings(unknown)
		return &MissingAssertionFieldsError{Source: src, Missing: missing, Unknown: unknown}
	}
	return v.CheckValues(src, values...)
}

// AssertValues is AssertInteraction with the values given positionally, in
// src.Fields order.
func (v *Verifier) AssertValues(src *Source, values ...Value) error {
	if err := v.CheckValues(src, values...); err != nil {
		if v.tb != nil {
			v.tb.Helper()
		}
		return v.Fail(err)
	}
	return nil
}

// CheckValues is AssertValues without reporting. Typed assertion helpers are
// built on it: it does not allocate when the assertion holds. A typed helper
// reads
//
//	if err := v.CheckValues(src, values...); err != nil {
//		if tb := v.TB(); tb != nil {
//			tb.Helper()
//		}
//		return v.Fail(err)
//	}
func (v *Verifier) CheckValues(src *Source, values ...Value) error {
	if err := v.checkAssertion(src, values); err != nil {
		return err
	}
	t := &v.tl
	t.mu.Lock()
	var in *Interaction
	if v.anyOrder > 0 {
		in = t.extend().find(src, values)
	} else if next := t.next(); next != nil && next.Source == src && matchAll(values, next.Values) {
		in = next
	}
	if in != nil {
		in.asserted = true
		t.mu.Unlock()
		return nil
	}
	err := v.mismatch(src, values)
	t.mu.Unlock()
	return err
}

func (v *Verifier) checkAssertion(src *Source, values []Value) error {
	if v.InSandbox() {
		return &AssertionInsideSandboxError{Source: src}
	}
	if len(values) != len(src.Fields) {
		// Positional callers name fields by position; say which are missing.
		return &MissingAssertionFieldsError{Source: src, Missing: src.Fields[min(len(values), len(src.Fields)):]}
	}
	if len(values) == 0 {
		return nil
	}
	for _, x := range values {
		if !x.isWildcard() {
			return nil
		}
	}
	e := &AllWildcardAssertionError{Source: src}
	v.tl.mu.Lock()
	if next := v.tl.next(); next != nil && next.Source == src {
		e.Next = next
	}
	v.tl.mu.Unlock()
	return e
}

// mismatch builds the error for an assertion that matched nothing. Call with v.tl.mu held.
func (v *Verifier) mismatch(src *Source, want []Value) error {
	t := &v.tl
	e := &InteractionMismatchError{Source: src, Expected: append([]Value(nil), want...), InAnyOrder: v.anyOrder > 0}
	e.Actual = t.next()
	if e.InAnyOrder {
		// Show the closest candidate: the first unasserted one of the same source.
		if q := t.extend().bySource[src]; q != nil {
			for _, in := range q.items[q.head:] {
				if !in.asserted {
					e.Actual = in
					break
				}
			}
		}
	}
	if e.Actual != nil && e.Actual.Source == src {
		for i, f := range src.Fields {
			if !want[i].matches(e.Actual.Values[i]) {
				e.Diffs = append(e.Diffs, FieldDiff{Field: f, Expected: want[i], Actual: e.Actual.Values[i]})
			}
		}
	}
	e.Remaining, e.More = t.remaining(10)
	return e
}

// VerifyAll checks that every recorded interaction was asserted and every
// required step used, releases calls still waiting on a script, and returns
// what failed: *UnassertedInteractionsError, *UnusedMocksError, both in a
// *VerificationError, joined with the failures of intercepted calls (already
// reported to a bound test). Later intercepted calls fail without a test to report to.
func (v *Verifier) VerifyAll() error {
	v.mu.Lock()
	v.verified = true
	sessions := append([]*Session(nil), v.sessions...)
	failures := append([]error(nil), v.failures...)
	v.mu.Unlock()

	var unused []UnusedStep
	var notes []string
	for _, s := range sessions {
		steps, wasBound := s.finish()
		unused = append(unused, steps...)
		if n := s.spec.UnusedNote; n != nil && len(steps) > 0 {
			if text := n(!wasBound); text != "" && !contains(notes, text) {
				notes = append(notes, text)
			}
		}
	}
	var unusedErr *UnusedMocksError
	if len(unused) > 0 {
		unusedErr = &UnusedMocksError{Steps: unused, Notes: notes}
	}

	t := &v.tl
	t.mu.Lock()
	var left []*Interaction
	for i := t.cursor; i < t.n; i++ {
		if in := t.at(i); !in.asserted {
			left = append(left, in)
		}
	}
	t.mu.Unlock()
	var unassertedErr *UnassertedInteractionsError
	if len(left) > 0 {
		unassertedErr = &UnassertedInteractionsError{Interactions: left}
	}

	var verr error
	switch {
	case unassertedErr != nil && unusedErr != nil:
		verr = &VerificationError{Unasserted: unassertedErr, Unused: unusedErr}
	case unassertedErr != nil:
		verr = unassertedErr
	case unusedErr != nil:
		verr = unusedErr
	}
	if verr == nil {
		return errors.Join(failures...)
	}
	return errors.Join(append(failures, verr)...)
}

// VerifyAtCleanup is what the front door registers with t.Cleanup: it runs
// VerifyAll and fails the test with what the failures of intercepted calls
// (already reported) did not already say.
func (v *Verifier) VerifyAtCleanup() {
	v.mu.Lock()
	reported := len(v.failures)
	v.mu.Unlock()
	err := v.VerifyAll()
	if err == nil || v.tb == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs := joined.Unwrap()
		if len(errs) <= reported {
			return
		}
		err = errors.Join(errs[reported:]...)
	}
	v.tb.Errorf("%v", err)
}

// Interactions returns a snapshot of the timeline, for tools and debugging.
func (v *Verifier) Interactions() []*Interaction {
	t := &v.tl
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*Interaction, t.n)
	for i := range out {
		out[i] = t.at(i)
	}
	return out
}

// setLive adds s to, or removes it from, the sessions the sandbox settles.
// Callers may hold s.mu: the lock order is session, then verifier.
func (v *Verifier) setLive(s *Session, live bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case live && s.liveIdx < 0:
		s.liveIdx = len(v.live)
		v.live = append(v.live, s)
	case !live && s.liveIdx >= 0:
		last := v.live[len(v.live)-1]
		v.live[s.liveIdx] = last
		last.liveIdx = s.liveIdx
		v.live[len(v.live)-1] = nil
		v.live = v.live[:len(v.live)-1]
		s.liveIdx = -1
	}
}

func (v *Verifier) addSession(s *Session) {
	v.mu.Lock()
	v.sessions = append(v.sessions, s)
	v.mu.Unlock()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
