// Package core is the engine of bigfoot: the verifier, its timeline of
// interactions, the typed errors, matchers, and the two kinds of script that
// plugins build on (ordered sessions, optionally with a state machine, and
// matched queues for request/response plugins). It depends on the standard
// library only and knows no plugin and no front-door name: plugins inside and
// outside the project use the same exported API. Most users reach it through
// package bigfoot.
package core

import (
	"errors"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Reporter is what a verifier needs of a test: testing.TB satisfies it, and
// so does package bftest's fake, with which plugin authors test their
// failure paths.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Name() string
}

// Host is anything that carries a verifier: *Verifier itself, and the front
// door's *bigfoot.StrictVerifier. Plugin constructors accept a Host.
type Host interface {
	Core() *Verifier
}

// Verifier owns one timeline shared by all its plugins, the scripts, and
// the three guarantees: every call was scripted, every interaction was
// asserted, every required step was used.
type Verifier struct {
	r Reporter // nil in manual mode

	tl timeline

	// mu guards the fields below it. It is never held while calling a
	// plugin, a matcher or a reporter-supplied function.
	mu       sync.Mutex
	plugins  []*pluginSlot // a verifier has a few: a list costs less than a map
	scripts  []script
	live     []*Session // bound sessions with required steps left; Session.liveIdx indexes it
	failures []error    // failures of intercepted calls, in order
	repeats  map[string]*repeat
	onExit   []func()
	onVerify []func() error
	verified bool

	arenaMu sync.Mutex // guards arena
	arena   []byte     // copies of scripted bytes (Step.Bytes)

	anyOrder   int                           // depth of InAnyOrder blocks (test goroutine only)
	sandboxes  atomic.Int32                  // open Sandbox calls; changed under registry.mu
	labels     atomic.Pointer[sandboxLabels] // made by the first Sandbox call
	labelsOnce sync.Once
}

// repeat counts a failure reported more than once (a client retrying).
type repeat struct {
	text  string
	count int
}

// script is what the verifier checks at VerifyAll: a session or a queue.
type script interface {
	finish() (unused []UnusedStep, note string)
}

// New returns a verifier. With a non-nil r, failures of intercepted calls
// fail that test (Errorf) and failed assertions stop it (Fatalf); the caller
// arranges for VerifyAtCleanup to run at cleanup. With r nil (manual use)
// every failure is only returned as an error.
func New(r Reporter) *Verifier {
	return &Verifier{r: r}
}

// Core returns v, so that *Verifier is a Host.
func (v *Verifier) Core() *Verifier { return v }

// Reporter returns the test the verifier is bound to, or a reporter that
// does nothing in manual mode, so that a typed assertion helper can always
// write v.Reporter().Helper() on its failure path.
func (v *Verifier) Reporter() Reporter {
	if v.r == nil {
		return nopReporter{}
	}
	return v.r
}

// Bound reports whether v is bound to a test.
func (v *Verifier) Bound() bool { return v.r != nil }

// Name names v in messages: the test's name, or "a manual verifier".
func (v *Verifier) Name() string {
	if v.r == nil {
		return "a manual verifier"
	}
	return v.r.Name()
}

type nopReporter struct{}

func (nopReporter) Helper()               {}
func (nopReporter) Errorf(string, ...any) {}
func (nopReporter) Fatalf(string, ...any) {}
func (nopReporter) Name() string          { return "a manual verifier" }

// pluginSlot holds one plugin of a verifier; once makes creation happen
// exactly once, outside the verifier's lock.
type pluginSlot struct {
	key  any // the plugin's *Key
	once sync.Once
	p    any
	name string
}

// slotOf returns the slot of key, or nil. Call with v.mu held.
func (v *Verifier) slotOf(key any) *pluginSlot {
	for _, s := range v.plugins {
		if s.key == key {
			return s
		}
	}
	return nil
}

// Key identifies one kind of plugin on a verifier and gives typed access to
// it. Declare one per plugin package:
//
//	var key = core.NewKey[*Plugin]("kv", "kv.For(bf)")
//
// Each verifier holds at most one plugin per key.
type Key[P any] struct{ name, accessor string }

// NewKey returns a new key; name names the plugin in messages, and
// accessor is the Go expression with which a test reaches it.
func NewKey[P any](name, accessor string) *Key[P] { return &Key[P]{name: name, accessor: accessor} }

// Name returns the plugin name given to NewKey.
func (k *Key[P]) Name() string { return k.name }

func (v *Verifier) slot(key any, name string) (s *pluginSlot, fresh bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s = v.slotOf(key)
	if s == nil {
		s = &pluginSlot{key: key, name: name}
		v.plugins = append(v.plugins, s)
		fresh = true
	}
	return s, fresh
}

// Of returns h's plugin for k, creating it with create on first use.
// create runs outside the verifier's lock, so it may register scripts,
// hooks and sources on the verifier; it runs once even when goroutines race.
func (k *Key[P]) Of(h Host, create func(*Verifier) P) P {
	v := h.Core()
	s, _ := v.slot(k, k.name)
	s.once.Do(func() { s.p = create(v) })
	p, _ := s.p.(P)
	return p
}

// New creates h's plugin for k with create. A second plugin of the kind
// returns an error wrapping ErrPluginExists.
func (k *Key[P]) New(h Host, create func(*Verifier) P) (P, error) {
	v := h.Core()
	s, fresh := v.slot(k, k.name)
	if !fresh {
		var zero P
		return zero, &PluginExistsError{Plugin: k.name, Accessor: k.accessor}
	}
	s.once.Do(func() { s.p = create(v) })
	p, _ := s.p.(P)
	return p, nil
}

// Get returns h's plugin for k and whether the test has used it (created
// it). Transparent-mode hooks use it for the layer rule: a layer answers
// only when the test used its plugin.
func (k *Key[P]) Get(h Host) (P, bool) {
	v := h.Core()
	v.mu.Lock()
	s := v.slotOf(k)
	v.mu.Unlock()
	var zero P
	if s == nil {
		return zero, false
	}
	s.once.Do(func() {}) // wait for a create in progress
	p, ok := s.p.(P)
	if !ok {
		return zero, false
	}
	return p, true
}

// OnSandboxExit registers fn to run at the end of every sandbox of v, while
// the sandbox is still open: for a plugin that waits for work the code's own
// goroutines are finishing, or checks what the sandbox left behind (a
// response body never closed).
func (v *Verifier) OnSandboxExit(fn func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.onExit = append(v.onExit, fn)
}

// OnVerify registers fn to run in VerifyAll, before the scripts are checked
// for unused steps (so a hook may still fill in what their messages show);
// the error it returns joins what VerifyAll returns and, at cleanup, fails
// the test.
func (v *Verifier) OnVerify(fn func() error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.onVerify = append(v.onVerify, fn)
}

// Record appends an interaction to the timeline and returns it. values are
// copied; they must follow src.Fields in order.
func (v *Verifier) Record(src *Source, values ...Value) *Interaction {
	return v.tl.record(src, values)
}

// Report records the failure of an intercepted call and fails the bound test
// with Errorf, which is safe from any goroutine. The call itself should also
// return err to the code under test. A failure whose text was already
// reported (a client retrying) is counted, not printed again; VerifyAll
// says how often it happened. It reports whether the failure was recorded:
// false once verification has run (the test may be over).
func (v *Verifier) Report(err error) bool {
	site := CallSite()
	text := Bound(err.Error())
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verified {
		return false
	}
	if r := v.repeats[text]; r != nil {
		r.count++
		return true
	}
	if v.repeats == nil {
		v.repeats = map[string]*repeat{}
	}
	v.repeats[text] = &repeat{text: text, count: 1}
	v.failures = append(v.failures, err)
	if v.r != nil {
		if site != "" {
			v.r.Errorf("%s\ncalled at %s", text, site)
		} else {
			v.r.Errorf("%s", text)
		}
	}
	return true
}

// Misuse reports a mistake in how the test uses bigfoot (a misspelt step, a
// returns of the wrong type...). Bound to a test it stops the test with
// Fatalf; in manual mode it panics with err, which is the typed error. The
// caller marks itself with v.Reporter().Helper() first.
func (v *Verifier) Misuse(err error) {
	if v.r != nil {
		v.r.Helper()
		v.r.Fatalf("%s", Bound(err.Error()))
		return
	}
	panic(err)
}

// Fail reports a failed assertion and returns err; Fail(nil) returns nil.
// Bound to a test it stops the test with Fatalf (assertions run on the test
// goroutine). A typed assertion helper is
//
//	func (p *Plugin) AssertClose() error {
//		err := p.v.CheckValues(Close)
//		if err != nil {
//			p.v.Reporter().Helper() // the failure points at the test's line
//		}
//		return p.v.Fail(err)
//	}
//
// Helper is called only on failure: it costs more than a passing assertion.
func (v *Verifier) Fail(err error) error {
	if err != nil && v.r != nil {
		v.r.Helper()
		v.r.Fatalf("%s", Bound(err.Error()))
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
		defer v.exitSandbox()
		fn()
	})
}

// exitSandbox runs the plugins' exit hooks, then waits for steps the
// code's goroutines are still taking. Hooks come first: closing a pooled
// connection is what lets its close step be taken.
func (v *Verifier) exitSandbox() {
	var buf [4]func() // a hook per plugin: most verifiers have few
	v.mu.Lock()
	hooks := append(buf[:0], v.onExit...)
	v.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	v.settle()
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
	err := v.CheckInteraction(src, fields)
	if err != nil {
		v.Reporter().Helper()
	}
	return v.Fail(err)
}

// CheckInteraction is AssertInteraction without reporting: it asserts the
// interaction on success and returns the failure, leaving it to the caller.
func (v *Verifier) CheckInteraction(src *Source, fields Fields) error {
	if src == nil {
		return &InvalidAssertionError{Reason: "the source is nil",
			Fix: names.Verifier + ".AssertInteraction(socket.Recv, " + names.Package + ".Fields{...}) // name the kind of interaction, as each plugin package exports it"}
	}
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
	err := v.CheckValues(src, values...)
	if err != nil {
		v.Reporter().Helper()
	}
	return v.Fail(err)
}

// CheckValues is AssertValues without reporting. Typed assertion helpers are
// built on it (see Fail): it does not allocate when the assertion holds.
func (v *Verifier) CheckValues(src *Source, values ...Value) error {
	if src == nil {
		return &InvalidAssertionError{Reason: "the source is nil", Fix: "// pass the plugin's exported source, e.g. socket.Recv"}
	}
	if err := v.checkAssertion(src, values); err != nil {
		return err
	}
	t := &v.tl
	t.mu.Lock()
	defer t.mu.Unlock() // a matcher may panic: never leave the timeline locked
	var in *Interaction
	if v.anyOrder > 0 {
		in = t.extend().find(src, values)
	} else if next := t.next(); next != nil && next.Source == src && matchAll(values, next.Values) {
		in = next
	}
	if in != nil {
		t.markAsserted(in)
		return nil
	}
	return v.mismatch(src, values)
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
	for i := range values {
		// A plain value (the common case) is told by its kind alone,
		// without isWildcard's call.
		if x := &values[i]; x.k() != kindMatcher || !x.isWildcard() {
			return nil
		}
	}
	e := &AllWildcardAssertionError{Source: src}
	v.tl.mu.Lock()
	defer v.tl.mu.Unlock()
	if next := v.tl.next(); next != nil && next.Source == src {
		e.Next = next
	}
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
				if !t.asserted(in) {
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
// reported to a bound test) and what OnVerify hooks found. Later intercepted
// calls fail without a test to report to.
func (v *Verifier) VerifyAll() error {
	var scriptBuf [4]script     // most verifiers have few scripts
	var hookBuf [4]func() error // and a hook or two
	v.mu.Lock()
	v.verified = true
	scripts := append(scriptBuf[:0], v.scripts...)
	failures := append([]error(nil), v.failures...)
	hooks := append(hookBuf[:0], v.onVerify...)
	var repeated []string
	for _, r := range v.repeats {
		if r.count > 1 {
			repeated = append(repeated, r.text)
		}
	}
	v.mu.Unlock()

	for _, h := range hooks {
		if err := h(); err != nil {
			failures = append(failures, err)
		}
	}
	var unused []UnusedStep
	var notes []string
	for _, s := range scripts {
		steps, note := s.finish()
		unused = append(unused, steps...)
		if note != "" && !contains(notes, note) {
			notes = append(notes, note)
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
		if in := t.at(i); !t.asserted(in) {
			left = append(left, in)
		}
	}
	t.mu.Unlock()
	forgetSandbox(v)
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
	if len(repeated) > 0 {
		sort.Strings(repeated)
		v.mu.Lock()
		for _, text := range repeated {
			failures = append(failures, &RepeatedFailureError{Text: text, Count: v.repeats[text].count})
		}
		v.mu.Unlock()
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
	if err == nil || v.r == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs := joined.Unwrap()
		if len(errs) <= reported {
			return
		}
		err = errors.Join(errs[reported:]...)
	}
	v.r.Errorf("%s", Bound(err.Error()))
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

func (v *Verifier) addScript(s script) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.scripts = append(v.scripts, s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
