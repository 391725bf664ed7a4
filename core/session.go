package core

import (
	"os"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Spec describes a plugin's ordered scripts: its steps, the state machine
// they move through (if the plugin has states), and what each step's returns
// value must be. A Spec with no Initial state has no state machine: any
// step may follow any other.
type Spec struct {
	Plugin  string // e.g. "socket"
	Initial string // the state a session starts in, e.g. "disconnected"; "" for none
	Steps   []StepSpec
	// StateErrors gives, per state, the error a real implementation returns
	// for a call made in it (net.ErrClosed for "closed"); InvalidStateError
	// wraps it so errors.Is keeps working.
	StateErrors map[string]error
	// UnusedNote, if set, adds a note to an UnusedMocksError that lists steps
	// of this plugin; unbound tells whether the session was never taken.
	UnusedNote func(unbound bool) string
	// Settle lists steps that the code's own goroutines may still be taking
	// just after the sandbox function returns (net/http closes a connection
	// from its read loop after the body's EOF). Before the sandbox closes it
	// waits, up to SettleTimeout, for bound sessions whose only required
	// steps left are Settle steps.
	Settle []string
	// Accessor is the Go expression that reaches the plugin from a test,
	// e.g. "bf.Socket()", used in generated fixes.
	Accessor string
}

// StepSpec is one step a script may contain.
type StepSpec struct {
	Name string   // e.g. "recv"
	From []string // states the step may be taken from (ignored without a state machine)
	To   string   // the state after it
	// Returns says in Go terms what the step's returns value must be, e.g.
	// "[]byte"; Example is a valid returns value as Go code, e.g. `[]byte("pong")`.
	Returns string
	Example string
	// Check reports whether returns fits the step.
	Check func(returns any) bool
	// Copy, if set, returns a copy of returns that the caller can no
	// longer change; without it a []byte is copied (see Step.Bytes) and
	// other values kept.
	Copy func(returns any) any
}

func (sp *Spec) step(name string) *StepSpec {
	for i := range sp.Steps {
		if sp.Steps[i].Name == name {
			return &sp.Steps[i]
		}
	}
	return nil
}

func (sp *Spec) stateless() bool { return sp.Initial == "" }

// Step is one scripted step of a session.
type Step struct {
	Name     string
	Returns  any   // what the call returns (checked against the StepSpec)
	Err      error // when set, the call returns this error instead (bigfoot.Raises)
	Optional bool  // may be passed over, and is not required at verification

	pc       uintptr // where Expect was called; turned into file:line only on failure
	used     bool
	bytes    []byte // the copy of a []byte Returns, see Bytes
	hasBytes bool
}

// Site returns the file:line where the step was registered.
func (st *Step) Site() string { return SiteOf(st.pc) }

// Bytes returns the step's copy of a []byte returns value, made when the
// step was registered: later changes to the caller's slice do not reach
// it. Plugins read scripted bytes with it rather than from Returns.
func (st *Step) Bytes() ([]byte, bool) { return st.bytes, st.hasBytes }

// StepOption modifies a step registered with Expect; see Raises and
// Optional. It is a small value, not a function, so that passing options
// does not allocate.
type StepOption struct {
	raises   error
	optional bool
}

// Raises makes the step's call return err instead of its returns value.
func Raises(err error) StepOption { return StepOption{raises: err} }

// Optional marks the step as not required: a call may pass over it, and it is
// not reported when unused.
func Optional() StepOption { return StepOption{optional: true} }

// ApplyOptions folds opts: the error of the last Raises, and whether any is
// Optional. Plugins with scripts of their own shape read options with it.
func ApplyOptions(opts []StepOption) (raises error, optional bool) {
	for _, o := range opts {
		if o.raises != nil {
			raises = o.raises
		}
		optional = optional || o.optional
	}
	return raises, optional
}

// keepReturns stores returns in st as the step keeps it: a copy the
// caller can no longer change. A []byte is copied into the verifier's arena
// and kept as st.bytes (Step.Bytes), so that scripting bytes costs no
// allocation of its own; Returns keeps the caller's value for its type.
func (v *Verifier) keepReturns(st *Step, sp *StepSpec, x any) {
	if sp.Copy != nil {
		st.Returns = sp.Copy(x)
		return
	}
	st.Returns = x
	if b, ok := x.([]byte); ok && b != nil {
		st.bytes, st.hasBytes = v.copyBytes(b), true
	}
}

// copyBytes copies b into the arena, which grows in chunks.
func (v *Verifier) copyBytes(b []byte) []byte {
	if len(b) > arenaChunk/4 {
		return append([]byte{}, b...)
	}
	v.arenaMu.Lock()
	defer v.arenaMu.Unlock()
	v.reserve(len(b))
	start := len(v.arena)
	v.arena = append(v.arena, b...)
	return v.arena[start:len(v.arena):len(v.arena)]
}

const arenaChunk = 4096

// Sessions hands a plugin's scripted sessions to connections in the order
// the test registered them.
type Sessions struct {
	v    *Verifier
	spec *Spec

	mu   sync.Mutex // guards list and head
	list []*Session
	head int
}

// NewSessions returns the session queue of one plugin on v.
func NewSessions(v *Verifier, spec *Spec) *Sessions {
	return &Sessions{v: v, spec: spec}
}

// New registers a new, empty session at the end of the queue.
func (q *Sessions) New() *Session {
	s := &Session{v: q.v, spec: q.spec, state: q.spec.Initial, liveIdx: -1, stalled: -1}
	s.steps = s.inline[:0]
	s.statesBuf[0] = q.spec.Initial
	s.states = s.statesBuf[:1]
	q.mu.Lock()
	q.list = append(q.list, s)
	s.number = len(q.list)
	q.mu.Unlock()
	q.v.addScript(s)
	return s
}

// Bind takes the next session that no connection has taken yet, or returns
// nil when none is left.
func (q *Sessions) Bind() *Session {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.list) {
		return nil
	}
	s := q.list[q.head]
	q.list[q.head] = nil // the verifier keeps it; the queue need not
	q.head++
	s.mu.Lock()
	s.bound = true
	live := s.requiredLeft > 0
	s.mu.Unlock()
	if live {
		q.v.setLive(s, true)
	}
	return s
}

// Session is one scripted connection: an ordered list of steps and, if the
// plugin has one, the state machine they run through.
type Session struct {
	v      *Verifier
	spec   *Spec
	number int

	// mu guards everything below; calls on one connection are serialized by it.
	mu        sync.Mutex
	steps     []Step
	inline    [4]Step // most scripts are short: no second allocation for them
	next      int     // first step not yet used or passed over
	state     string
	states    []string  // states the script can be in after its last step, for Expect's check
	statesBuf [4]string // backs states for small state machines
	bound     bool
	ended     bool // verification ran: waiting calls give up
	// requiredLeft counts required steps not yet used; a bound session with
	// some left is in the verifier's live set, which the sandbox settles.
	requiredLeft int
	liveIdx      int           // position in the verifier's live set, -1 when not in it (guarded by the verifier's mu)
	stalled      int           // index of a step a waiting call already gave up on, or -1: the stall is paid once
	wake         chan struct{} // closed to wake waiting calls; nil when nobody waits
}

// Expect appends a step to the script. step must be one of the plugin's step
// names and returns must fit it; opts are Raises and Optional. A mistake is
// reported at once (see Verifier.Misuse). It returns s for chaining.
func (s *Session) Expect(step string, returns any, opts ...StepOption) *Session {
	if err := s.add(step, returns, Caller(0), opts); err != nil {
		s.v.Reporter().Helper()
		s.v.Misuse(err)
	}
	return s
}

func (s *Session) add(name string, returns any, pc uintptr, opts []StepOption) error {
	sp := s.spec.step(name)
	if sp == nil {
		return s.unknownStep(name)
	}
	st := Step{Name: name, pc: pc}
	st.Err, st.Optional = ApplyOptions(opts)
	if st.Err == nil && !sp.Check(returns) {
		return &ReturnsTypeError{Plugin: s.spec.Plugin, Step: name, Got: typeName(returns), Want: sp.Returns,
			Fix: "Expect(" + strconv.Quote(name) + ", " + sp.Example + ")"}
	}
	if st.Err == nil {
		s.v.keepReturns(&st, sp, returns)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bound || s.ended {
		state := "bound to a connection"
		if s.ended {
			state = "verified"
		}
		return &ScriptSealedError{Plugin: s.spec.Plugin, Step: name, State: state,
			Fix: s.spec.Accessor + ".NewSession().\n\tExpect(" + strconv.Quote(name) + ", " + sp.Example + ") // script each connection before the code dials"}
	}
	if !s.spec.stateless() {
		if err := s.advanceStates(sp, st.Optional); err != nil {
			return err
		}
	}
	s.steps = append(s.steps, st)
	if !st.Optional {
		s.requiredLeft++
	}
	return nil
}

// advanceStates computes the states the script can be in after a step of
// sp, refusing a step the state machine cannot take. Call with s.mu held.
func (s *Session) advanceStates(sp *StepSpec, optional bool) error {
	// An optional step may also be skipped, keeping the states before it.
	var buf [8]string
	next := buf[:0]
	for _, from := range s.states {
		if contains(sp.From, from) && !contains(next, sp.To) {
			next = append(next, sp.To)
		}
	}
	if len(next) == 0 {
		return &InvalidStateError{Method: sp.Name, State: strings.Join(s.states, "|"), ValidFrom: sortedCopy(sp.From)}
	}
	if optional {
		for _, x := range s.states {
			if !contains(next, x) {
				next = append(next, x)
			}
		}
	}
	if len(next) <= len(s.statesBuf) {
		s.states = s.statesBuf[:copy(s.statesBuf[:], next)]
	} else {
		s.states = append([]string(nil), next...)
	}
	return nil
}

func (s *Session) unknownStep(name string) error {
	valid := make([]string, len(s.spec.Steps))
	for i, sp := range s.spec.Steps {
		valid[i] = sp.Name
	}
	e := &UnknownStepError{Plugin: s.spec.Plugin, Step: name, Valid: valid}
	if best := closest(name, valid); best != "" {
		e.Fix = "Expect(" + strconv.Quote(best) + ", " + s.spec.step(best).Example + ")"
	}
	return e
}

// State returns the session's current state.
func (s *Session) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Any reports whether pred holds for any step of the script, for a
// plugin that prepares differently for some kinds of step.
func (s *Session) Any(pred func(*Step) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.steps {
		if pred(&s.steps[i]) {
			return true
		}
	}
	return false
}

// Number returns the session's 1-based position in its plugin's registration order.
func (s *Session) Number() int { return s.number }

// Call describes an intercepted call to Take.
type Call struct {
	// Accept lists the step names that answer the call; Accept[0] names the call.
	Accept []string
	// Wait makes the call wait while the next step is of another kind, for a
	// read that must not overtake a write another goroutine is about to make.
	// The wait ends after Stall with a StepMismatchError.
	Wait  bool
	Stall time.Duration
	// Patient lists steps a waiting call waits for in the expectation that
	// another goroutine takes them (a read on an idle connection waiting for
	// it to be closed). After Stall, such a wait fails with PatientFix as
	// the fix: the code wants more than the script gives.
	Patient    []string
	PatientFix string
	// Deadline, if set, holds the call's current deadline as Unix
	// nanoseconds (0 for none). A waiting call re-reads it whenever Notify
	// wakes it.
	Deadline *atomic.Int64
	// Quiet lists states in which a call that is not valid there still
	// returns *InvalidStateError but is not a test failure: a read on a
	// connection the code itself closed gets net.ErrClosed, as from a real one.
	Quiet []string
	// On describes the connection, for messages (e.g. "tcp 127.0.0.1:9999").
	On interface{ String() string }
	// Op, Size and Data describe the call for messages, rendered only on
	// failure: "Write of 5 bytes []byte("hello")" (Data set) or
	// "Read(len 4096)" (Size set). A closure would cost an allocation per call.
	Op   string
	Size int
	Data []byte
}

// detail renders what the call carried, for messages.
func (c *Call) detail() string {
	switch {
	case c.Op == "":
		return ""
	case c.Data != nil:
		return c.Op + " of " + strconv.Itoa(len(c.Data)) + " bytes " + Bytes(c.Data).GoString()
	case c.Size > 0:
		return c.Op + "(len " + strconv.Itoa(c.Size) + ")"
	}
	return c.Op
}

// Interrupted is returned by Take when a call that was waiting ended without
// a step: the session was closed under it (State tells) or verification ran.
// It is not a test failure: it is what a real connection does to a blocked read.
type Interrupted struct{ State string }

// Error describes the failure: what happened, what was expected, and the fix.
func (e *Interrupted) Error() string {
	return "bigfoot: call interrupted while waiting; session is now " + e.State
}

// takeState is what one Take keeps between its attempts.
type takeState struct {
	waited  bool
	stallAt time.Time
}

// Take consumes the step that answers c. Before consuming it, and while still
// holding the session, it calls record with the step, so that the timeline
// keeps the order in which calls took their steps; if record returns an error
// (the call cannot use the step as scripted) the step stays unused and the
// error is reported and returned. A panic in record is reported and returned
// as a *PanicError. Failures (wrong state, a step of another kind, nothing
// left) are reported to the verifier and returned. A deadline that passes
// returns os.ErrDeadlineExceeded, unreported.
func (s *Session) Take(c *Call, record func(*Step) error) (*Step, error) {
	var ts takeState
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		st, err, report, wake, until := s.try(c, record, &ts)
		if wake == nil {
			if report {
				s.v.Report(err)
			}
			return st, err
		}
		var timeout <-chan time.Time
		if !until.IsZero() {
			if timer == nil {
				timer = time.NewTimer(time.Until(until))
			} else {
				timer.Reset(time.Until(until))
			}
			timeout = timer.C
		}
		select {
		case <-wake:
		case <-timeout:
		}
		ts.waited = true
	}
}

// try makes one attempt at c. It returns the step or the error (and
// whether to report it), or, when the call must wait, a channel that is
// closed at the session's next change and the time the wait ends.
func (s *Session) try(c *Call, record func(*Step) error, ts *takeState) (st *Step, err error, report bool, wake chan struct{}, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil, &Interrupted{State: "verified"}, false, nil, until
	}
	if err := s.checkState(c); err != nil {
		if ts.waited {
			return nil, &Interrupted{State: s.state}, false, nil, until
		}
		return nil, err, !contains(c.Quiet, s.state), nil, until
	}
	if c.Deadline != nil {
		if d := unixNano(c.Deadline.Load()); !d.IsZero() && !time.Now().Before(d) {
			return nil, os.ErrDeadlineExceeded, false, nil, until
		}
	}
	i, blocker := s.find(c.Accept)
	if i >= 0 {
		st := &s.steps[i]
		if record != nil {
			if err := s.record(st, record); err != nil {
				return nil, err, true, nil, until
			}
		}
		// Optional steps between s.next and i are passed over, unused.
		st.used = true
		s.next = i + 1
		if !s.spec.stateless() {
			s.state = s.spec.step(st.Name).To
		}
		if !st.Optional {
			if s.requiredLeft--; s.requiredLeft == 0 {
				s.v.setLive(s, false)
			}
		}
		s.notifyLocked()
		return st, nil, false, nil, until
	}
	if blocker < 0 {
		return nil, s.exhausted(c), true, nil, until
	}
	if !c.Wait {
		return nil, s.mismatchErr(c, blocker, ""), true, nil, until
	}
	patient := contains(c.Patient, s.steps[blocker].Name)
	if s.stalled == blocker {
		// An earlier call already waited for this step in vain: fail at once.
		return nil, s.stallErr(c, blocker, patient), true, nil, until
	}
	if ts.stallAt.IsZero() && c.Stall > 0 {
		ts.stallAt = time.Now().Add(c.Stall)
	}
	if !ts.stallAt.IsZero() && !time.Now().Before(ts.stallAt) {
		s.stalled = blocker
		return nil, s.stallErr(c, blocker, patient), true, nil, until
	}
	// Wait for the next change: a step taken, a state change, a deadline.
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	until = ts.stallAt
	if c.Deadline != nil {
		if d := unixNano(c.Deadline.Load()); !d.IsZero() && (until.IsZero() || d.Before(until)) {
			until = d
		}
	}
	return nil, nil, false, s.wake, until
}

// record runs a plugin's record callback, turning a panic into an error so
// that neither the session nor the test is left hanging.
func (s *Session) record(st *Step, record func(*Step) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Plugin: s.spec.Plugin, Value: p, Stack: string(debug.Stack())}
		}
	}()
	return record(st)
}

func (s *Session) stallErr(c *Call, blocker int, patient bool) error {
	if patient && c.PatientFix != "" {
		return s.mismatchErr(c, blocker, "the call waited "+c.Stall.String()+" and nothing else took step "+
			strconv.Quote(s.steps[blocker].Name)+": "+c.PatientFix)
	}
	return s.mismatchErr(c, blocker, "the call waited "+c.Stall.String()+" for another goroutine to take step "+
		strconv.Quote(s.steps[blocker].Name)+" first; reorder the script to match the code")
}

// Notify wakes calls waiting on the session so that they look again (after a
// deadline changed, say).
func (s *Session) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyLocked()
}

func (s *Session) notifyLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

// find returns the index of the step that answers a call accepting names,
// passing over optional steps of other kinds, or -1 and the index of the
// first required step in the way (-1 when the script is exhausted).
func (s *Session) find(names []string) (int, int) {
	firstOptional := -1
	for j := s.next; j < len(s.steps); j++ {
		st := &s.steps[j]
		if contains(names, st.Name) {
			return j, -1
		}
		if !st.Optional {
			return -1, j
		}
		if firstOptional < 0 {
			firstOptional = j
		}
	}
	return -1, firstOptional
}

func (s *Session) checkState(c *Call) error {
	if s.spec.stateless() {
		return nil
	}
	for _, name := range c.Accept {
		if sp := s.spec.step(name); sp != nil && contains(sp.From, s.state) {
			return nil
		}
	}
	sp := s.spec.step(c.Accept[0])
	return &InvalidStateError{Method: c.Accept[0], State: s.state, ValidFrom: sortedCopy(sp.From), Err: s.spec.StateErrors[s.state]}
}

func (s *Session) remainingNames() []string {
	var names []string
	for j := s.next; j < len(s.steps); j++ {
		names = append(names, s.steps[j].Name)
	}
	return names
}

func (s *Session) mismatchErr(c *Call, blocker int, why string) error {
	st := &s.steps[blocker]
	sp := s.spec.step(c.Accept[0])
	fix := "// the code made a " + strconv.Quote(c.Accept[0]) + " call where the script has " + strconv.Quote(st.Name) +
		"; script the call before it:\n" +
		"Expect(" + strconv.Quote(c.Accept[0]) + ", " + sp.Example + ")"
	if why != "" {
		fix = "// " + why + "\n" + fix
	}
	e := &StepMismatchError{
		Plugin: s.spec.Plugin, Call: c.Accept[0], Step: st.Name, Site: st.Site(),
		Remaining: s.remainingNames(), Fix: fix,
	}
	if c.On != nil {
		e.On = c.On.String()
	}
	e.Detail = c.detail()
	return e
}

func (s *Session) exhausted(c *Call) error {
	sp := s.spec.step(c.Accept[0])
	on := ""
	if c.On != nil {
		on = "on " + c.On.String()
	}
	if d := c.detail(); d != "" {
		on += " " + d
	}
	return &UnmockedInteractionError{
		Plugin: s.spec.Plugin, Step: c.Accept[0], Call: strings.TrimSpace(on),
		Reason: "session " + strconv.Itoa(s.number) + " has no scripted step left for it (its script: [" + s.allNames() + "])",
		Fix:    "// add the step to the end of session " + strconv.Itoa(s.number) + "'s script:\nExpect(" + strconv.Quote(c.Accept[0]) + ", " + sp.Example + ")",
	}
}

func (s *Session) allNames() string {
	names := make([]string, len(s.steps))
	for i := range s.steps {
		names[i] = s.steps[i].Name
	}
	return strings.Join(names, " ")
}

// settling returns a channel that is closed at the session's next change,
// if the session is bound and everything required left in its script is
// in names; otherwise nil.
func (s *Session) settling(names []string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bound || s.ended {
		return nil
	}
	waiting := false
	for j := s.next; j < len(s.steps); j++ {
		st := &s.steps[j]
		if st.Optional {
			continue
		}
		if !contains(names, st.Name) {
			return nil
		}
		waiting = true
	}
	if !waiting {
		return nil
	}
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

// finish marks the session verified, wakes waiting calls, and returns its
// unused required steps and the plugin's note about them.
func (s *Session) finish() ([]UnusedStep, string) {
	s.mu.Lock()
	s.ended = true
	s.notifyLocked()
	var out []UnusedStep
	for i := range s.steps {
		st := &s.steps[i]
		if !st.used && !st.Optional {
			out = append(out, UnusedStep{Plugin: s.spec.Plugin, Step: st.Name, Session: s.number, Index: i + 1, Site: st.Site(),
				Example: s.spec.step(st.Name).Example})
		}
	}
	bound := s.bound
	s.mu.Unlock()
	note := ""
	if n := s.spec.UnusedNote; n != nil && len(out) > 0 {
		note = n(!bound)
	}
	return out, note
}

func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func sortedCopy(list []string) []string {
	out := append([]string(nil), list...)
	sort.Strings(out)
	return out
}

func typeName(x any) string {
	if x == nil {
		return "nil"
	}
	return reflect.TypeOf(x).String()
}

// closest returns the valid name nearest to name (edit distance at most 3), or "".
func closest(name string, valid []string) string {
	best, bestD := "", 4
	for _, v := range valid {
		if d := editDistance(strings.ToLower(name), v); d < bestD {
			best, bestD = v, d
		}
	}
	return best
}

// Closest returns the name in valid nearest to name (edit distance at most
// 3), or "": for "did you mean" fixes.
func Closest(name string, valid []string) string { return closest(name, valid) }

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
