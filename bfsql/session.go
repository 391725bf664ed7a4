package bfsql

import (
	"database/sql/driver"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
)

// The step names, as Expect takes them.
const (
	StepConnect  = "connect"
	StepBegin    = "begin"
	StepQuery    = "query"
	StepExec     = "exec"
	StepCommit   = "commit"
	StepRollback = "rollback"
	StepClose    = "close"
)

// kind is a step name as a small integer: the hot path compares kinds,
// not strings.
type kind uint8

const (
	kConnect kind = iota
	kBegin
	kQuery
	kExec
	kCommit
	kRollback
	kClose
	numKinds
)

var kindNames = [numKinds]string{StepConnect, StepBegin, StepQuery, StepExec, StepCommit, StepRollback, StepClose}

// String returns the step name of the kind.
func (k kind) String() string { return kindNames[k] }

// kindOf returns the kind of a step name. A switch, which the compiler
// turns into a few comparisons: every Expect asks.
func kindOf(name string) (kind, bool) {
	switch name {
	case StepConnect:
		return kConnect, true
	case StepBegin:
		return kBegin, true
	case StepQuery:
		return kQuery, true
	case StepExec:
		return kExec, true
	case StepCommit:
		return kCommit, true
	case StepRollback:
		return kRollback, true
	case StepClose:
		return kClose, true
	}
	return 0, false
}

// state is a set of connection states, one bit each, so that Expect can
// follow every state an optional step may leave the script in.
type state uint8

const (
	sDisconnected state = 1 << iota
	sConnected
	sInTransaction
	sClosed
)

var stateNames = []struct {
	s    state
	name string
}{{sDisconnected, "disconnected"}, {sConnected, "connected"}, {sInTransaction, "in_transaction"}, {sClosed, "closed"}}

// names lists the states of the set, sorted, for messages.
func (s state) names() []string {
	var out []string
	for _, n := range stateNames {
		if s&n.s != 0 {
			out = append(out, n.name)
		}
	}
	sort.Strings(out)
	return out
}

// validFrom gives, per step, the states it may be taken from: the state
// machine of DESIGN §10. query and exec loop on both connected and
// in_transaction, which is why this plugin keeps its own machine: the
// kit's StepSpec has a single To state.
var validFrom = [numKinds]state{
	kConnect:  sDisconnected,
	kBegin:    sConnected,
	kQuery:    sConnected | sInTransaction,
	kExec:     sConnected | sInTransaction,
	kCommit:   sInTransaction,
	kRollback: sInTransaction,
	kClose:    sConnected | sInTransaction,
}

// to returns the state after a step of kind k taken from state from.
// A step that raised leaves the connection where it was, except that a
// failed commit or rollback still ends the transaction (as on every
// server database/sql talks to, and database/sql forgets the Tx either
// way), and a close that failed still closes (database/sql drops the
// connection whatever Close returns).
func to(k kind, from state, raised bool) state {
	switch k {
	case kConnect:
		if raised {
			return from
		}
		return sConnected
	case kBegin:
		if raised {
			return from
		}
		return sInTransaction
	case kCommit, kRollback:
		return sConnected
	case kClose:
		return sClosed
	}
	return from // query, exec
}

// step is one scripted step of a session.
type step struct {
	kind     kind
	optional bool
	used     bool
	pc       uintptr   // where Expect was called; file:line only on failure
	err      error     // bigfoot.Raises
	rows     *rowsData // a query's rows, which are also its driver.Rows: a step is taken once
	// res is what an exec returns: steps never move (see stepList), so
	// the driver hands out a pointer to it rather than allocate per call.
	res result
	// args are the recorded arguments of the query or exec that takes the
	// step: a step is taken once, so the timeline keeps them here, the
	// step standing for them (see Materialize), rather than in allocations
	// per call. They are the first nargs of args, or, when there are more
	// than args holds, an Args in args[0] and nargs is manyArgs.
	nargs uint8
	args  [2]any
}

const manyArgs = 255

// keepArgs keeps the arguments database/sql passed, for the timeline.
func (st *step) keepArgs(nv []driver.NamedValue) {
	a := argsOf(nv, st.args[:])
	if len(a) > len(st.args) {
		st.args[0], st.nargs = a, manyArgs
		return
	}
	st.nargs = uint8(len(a))
}

// recordedArgs returns the arguments keepArgs kept.
func (st *step) recordedArgs() Args {
	switch st.nargs {
	case 0:
		return nil
	case manyArgs:
		return st.args[0].(Args)
	}
	return st.args[:st.nargs:st.nargs]
}

// Materialize returns the recorded arguments, as Args: the step is the
// core.Snapshot the timeline holds for its "args" field.
func (st *step) Materialize() any {
	if st.nargs == manyArgs {
		return st.args[0] // an Args already
	}
	return st.recordedArgs()
}

// stepList holds a session's steps in blocks that never move: appending
// copies no step, and a pointer to a step stays valid.
type stepList struct {
	n      int
	first  [4]step // most scripts are short: no allocation for them
	blocks []*[stepBlock]step
}

const stepBlock = 64

func (l *stepList) at(i int) *step {
	if i < len(l.first) {
		return &l.first[i]
	}
	i -= len(l.first)
	return &l.blocks[i/stepBlock][i%stepBlock]
}

func (l *stepList) add(st step) {
	i := l.n - len(l.first)
	if i >= 0 && i%stepBlock == 0 {
		l.blocks = append(l.blocks, new([stepBlock]step))
	}
	l.n++
	*l.at(l.n - 1) = st
}

func (st *step) site() string { return core.SiteOf(st.pc) }

// Session is one scripted database connection: the steps database/sql's
// calls on that connection take, in order. Build it with Expect; the
// connections database/sql opens take sessions in registration order.
type Session struct {
	p      *Plugin
	number int

	// mu guards everything below; the calls of one connection are
	// serialized by it.
	mu     sync.Mutex
	steps  stepList
	rows   slab[rowsData] // the scripted rows of the query steps
	next   int            // first step neither used nor passed over
	state  state          // the connection's state, once bound
	states state          // the states the script can be in after its last step (Expect's check)
	bound  bool
	ended  bool // verification ran
}

// Expect appends a step to the session's script and returns the session,
// for chaining. step is one of "connect", "begin", "query", "exec",
// "commit", "rollback", "close"; returns is nil for every step but query
// (a bfsql.Rows) and exec (a bfsql.Result). opts are bigfoot.Raises (the
// call returns that error instead; it is still recorded) and
// bigfoot.Optional (the step may be passed over). A step the state
// machine cannot take at that point of the script (a commit with no begin
// before it) is refused with *bigfoot.InvalidStateError, a misspelt step
// with *bigfoot.UnknownStepError, a returns of the wrong type with
// *bigfoot.ReturnsTypeError: bound to a test, the test stops; in manual
// use Expect panics with the error.
func (s *Session) Expect(step string, returns any, opts ...core.StepOption) *Session {
	if err := s.add(step, returns, core.Caller(0), opts); err != nil {
		s.p.v.Reporter().Helper()
		s.p.v.Misuse(err)
	}
	return s
}

func (s *Session) add(name string, returns any, pc uintptr, opts []core.StepOption) error {
	k, ok := kindOf(name)
	if !ok {
		valid := kindNames[:]
		e := &core.UnknownStepError{Plugin: "sql", Step: name, Valid: append([]string(nil), valid...)}
		if best := core.Closest(name, valid); best != "" {
			bk, _ := kindOf(best)
			e.Fix = "Expect(" + strconv.Quote(best) + ", " + examples[bk] + ")"
		}
		return e
	}
	st := step{kind: k, pc: pc}
	st.err, st.optional = core.ApplyOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.err == nil {
		if err := st.keep(returns, &s.p.cols, &s.rows); err != nil {
			return err
		}
	}
	if s.bound || s.ended {
		what := "bound to a connection"
		if s.ended {
			what = "verified"
		}
		return &core.ScriptSealedError{Plugin: "sql", Step: name, State: what,
			Fix: accessor() + ".NewSession().\n\tExpect(" + strconv.Quote(name) + ", " + examples[k] + ") // script each connection before the code opens it"}
	}
	var next state
	for _, n := range stateNames {
		if s.states&n.s != 0 && validFrom[k]&n.s != 0 {
			next |= to(k, n.s, st.err != nil)
		}
	}
	if next == 0 {
		return &core.InvalidStateError{Method: name, State: strings.Join(s.states.names(), "|"), ValidFrom: validFrom[k].names()}
	}
	if st.optional {
		next |= s.states // an optional step may be passed over
	}
	s.states = next
	s.steps.add(st)
	return nil
}

// keep checks returns against the step and stores it as the step keeps
// it: a copy the test can no longer change, a query's rows cut from rows.
func (st *step) keep(returns any, cols *colCache, rows *slab[rowsData]) error {
	switch st.kind {
	case kQuery:
		var r Rows
		switch x := returns.(type) {
		case Rows:
			r = x
		case *Rows:
			if x != nil {
				r = *x
				break
			}
			return returnsError(st.kind, returns)
		default:
			return returnsError(st.kind, returns)
		}
		rd, err := newRowsData(r, cols, rows)
		if err != nil {
			return err
		}
		st.rows = rd
	case kExec:
		switch x := returns.(type) {
		case Result:
			st.res.r = x
		case *Result:
			if x == nil {
				return returnsError(st.kind, returns)
			}
			st.res.r = *x
		default:
			return returnsError(st.kind, returns)
		}
	default:
		if returns != nil {
			return returnsError(st.kind, returns)
		}
	}
	return nil
}

// examples are returns values that fit each step, as Go code, for fixes.
var examples = [numKinds]string{
	kConnect:  "nil",
	kBegin:    "nil",
	kQuery:    `bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{1}}}`,
	kExec:     "bfsql.Result{RowsAffected: 1}",
	kCommit:   "nil",
	kRollback: "nil",
	kClose:    "nil",
}

var wants = [numKinds]string{
	kConnect: "nil", kBegin: "nil", kQuery: "bfsql.Rows", kExec: "bfsql.Result",
	kCommit: "nil", kRollback: "nil", kClose: "nil",
}

func returnsError(k kind, returns any) error {
	got := "nil"
	if returns != nil {
		got = typeName(returns)
	}
	return &core.ReturnsTypeError{Plugin: "sql", Step: k.String(), Got: got, Want: wants[k],
		Fix: "Expect(" + strconv.Quote(k.String()) + ", " + examples[k] + ")"}
}

// Number returns the session's 1-based position in registration order.
func (s *Session) Number() int { return s.number }

// call is what take needs to know of an intercepted call: its kind and,
// for messages and the record, the statement and its arguments.
type call struct {
	kind  kind
	query string
	args  []driver.NamedValue
	l     *link
	// atExit marks the close the plugin makes as a sandbox ends.
	atExit bool
}

// take consumes the step that answers c, recording the interaction while
// the session is held so that the timeline keeps the order in which the
// calls took their steps. Optional steps of other kinds before it are
// passed over. A call from a state the machine does not allow, a call that
// meets a required step of another kind, and a call with nothing left to
// take are reported and returned.
func (s *Session) take(c *call) (*step, error) {
	st, err := s.try(c)
	if err != nil && err != errEnded {
		s.p.v.Report(err)
	}
	return st, err
}

func (s *Session) try(c *call) (*step, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil, errEnded
	}
	if validFrom[c.kind]&s.state == 0 {
		e := &core.InvalidStateError{Method: c.kind.String(), State: s.state.names()[0], ValidFrom: validFrom[c.kind].names()}
		if s.state == sClosed {
			e.Err = driver.ErrBadConn
		}
		return nil, e
	}
	i, blocker := s.find(c.kind)
	if i < 0 {
		if blocker < 0 {
			return nil, s.exhausted(c)
		}
		return nil, s.mismatch(c, blocker)
	}
	st := s.steps.at(i)
	s.p.record(c, st)
	st.used = true
	s.next = i + 1
	s.state = to(st.kind, s.state, st.err != nil)
	return st, nil
}

// find returns the index of the step that answers a call of kind k,
// passing over optional steps of other kinds, or -1 and the first
// required step in the way (-1 when nothing is left).
func (s *Session) find(k kind) (int, int) {
	firstOptional := -1
	for j := s.next; j < s.steps.n; j++ {
		st := s.steps.at(j)
		if st.kind == k {
			return j, -1
		}
		if !st.optional {
			return -1, j
		}
		if firstOptional < 0 {
			firstOptional = j
		}
	}
	return -1, firstOptional
}

func (s *Session) names(from int) []string {
	out := make([]string, 0, s.steps.n-from)
	for j := from; j < s.steps.n; j++ {
		out = append(out, s.steps.at(j).kind.String())
	}
	return out
}

func (s *Session) mismatch(c *call, blocker int) error {
	st := s.steps.at(blocker)
	return &core.StepMismatchError{
		Plugin: "sql", Call: c.kind.String(), Step: st.kind.String(), Site: st.site(),
		Remaining: s.names(s.next), On: c.l.String(), Detail: c.describe(),
		Fix: "// the code made a " + strconv.Quote(c.kind.String()) + " call where the script of session " +
			strconv.Itoa(s.number) + " has " + strconv.Quote(st.kind.String()) + "; script the call before it:\n" +
			expectFor(c),
	}
}

func (s *Session) exhausted(c *call) error {
	return &core.UnmockedInteractionError{
		Plugin: "sql", Step: c.kind.String(), Call: c.describe() + " on " + c.l.String(),
		Reason: "session " + strconv.Itoa(s.number) + " has no scripted step left for it (its script: [" + strings.Join(s.names(0), " ") + "])",
		Fix:    "// add the step to the end of session " + strconv.Itoa(s.number) + "'s script:\n" + expectFor(c),
	}
}

// expectFor renders the Expect call that scripts c, with the statement
// as a comment beside it.
func expectFor(c *call) string {
	line := "Expect(" + strconv.Quote(c.kind.String()) + ", " + examples[c.kind] + ")"
	if c.kind == kQuery || c.kind == kExec {
		line += " // " + queryComment(c.query)
	}
	return line
}

// queryComment renders a statement for a line comment: quoted, so that
// newlines in it cannot end the comment, and elided when long.
func queryComment(q string) string { return core.String(q).GoString() }

// describe renders the call as the driver method database/sql made, for
// messages.
func (c *call) describe() string {
	switch c.kind {
	case kQuery:
		return "QueryContext(" + core.String(c.query).GoString() + ", " + argsOf(c.args, nil).GoString() + ")"
	case kExec:
		return "ExecContext(" + core.String(c.query).GoString() + ", " + argsOf(c.args, nil).GoString() + ")"
	case kConnect:
		return "Connect()"
	case kBegin:
		return "BeginTx()"
	case kCommit:
		return "Tx.Commit()"
	case kRollback:
		return "Tx.Rollback()"
	}
	if c.atExit {
		return "Close(), made by the sandbox as it ends, of a connection database/sql held idle"
	}
	return "Close()"
}

// unused returns the session's required steps never taken, and marks it
// verified: later calls fail without a test to report to.
func (s *Session) unused() (out []core.UnusedStep, bound bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for i := range s.steps.n {
		st := s.steps.at(i)
		if !st.used && !st.optional {
			out = append(out, core.UnusedStep{Plugin: "sql", Step: st.kind.String(), Session: s.number, Index: i + 1,
				Site: st.site(), Example: examples[st.kind]})
		}
	}
	return out, s.bound
}

// closeable reports whether the connection may still take a close step:
// the sandbox closes idle connections only in a state close is valid from.
func (s *Session) closeable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return validFrom[kClose]&s.state != 0
}
