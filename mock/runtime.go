package mock

import (
	"bytes"
	"errors"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/bigfoot-go/bigfoot/core"
)

func init() { core.RegisterPackages("github.com/bigfoot-go/bigfoot/mock") }

// form says how messages write the calls of a mocked function.
type form uint8

const (
	funcForm  form = iota // mock.Func: fetch.Expect(...), fetch.AssertCall(...)
	spyForm               // mock.Spy: hash.AssertCall([]any{...}, []any{...})
	ifaceForm             // generated: m.ExpectGet(...), m.AssertGet(...)
)

// segmentSize is how many expectations share one core.Queue. A queue scans
// its entries with matchers from the first unused one, passing over the
// used ones after it; cutting the script into segments, and passing over
// segments whose entries are all taken, bounds that scan when calls take
// expectations out of order. 64 is also how many entries a core.Queue
// allocates at once, so that a segment costs one allocation of entries.
const segmentSize = 64

// noKey is a key that Key never produces: a call that cannot be keyed
// looks it up, so only entries with a Match function can answer it.
const noKey = "\xff"

// method is one mocked function: a function variable, or one method of a
// generated mock. It owns the function's source on the timeline and its
// script.
type method struct {
	v        *core.Verifier
	src      *core.Source
	label    string // how messages name the function: "store.Fetch", "kv.Store.Get"
	name     string // the interface method's name ("Get"); "" for functions
	form     form
	params   []Param
	variadic bool
	results  []reflect.Type
	errLast  bool // the last result is of type error
	nres     int  // for spies: results recorded after the arguments
	owner    *owner
	qspec    core.QueueSpec
	ptypes   []reflect.Type // the parameters' types, made once: read only
	pfast    []uint8        // per parameter, fastString, fastInt, fastBool or 0: the types wantArgs converts without reflection; read only

	// The names of the Match forms, made once rather than per call (they
	// appear only in messages).
	expectMatch, assertMatch string

	// Room for the small slices and the source above, inline: making
	// the method of a signature with up to 4 fields (the common one)
	// costs one allocation, not five. Set by newMethod; read only.
	srcBuf    core.Source
	fieldsBuf [4]string
	ptypesBuf [4]reflect.Type
	pfastBuf  [4]uint8

	mu       sync.Mutex // guards segs, head, cur, needVals, arena, wants, calls, matched (and a FuncMock's slab), and the segments' queues (qspec.Mu)
	segs     []*segment
	segsBuf  [4]*segment  // segs' first storage, inline: a script of up to 256 expectations makes no list of segments
	head     int          // segments before it are used up
	cur      callDesc     // the call being matched
	needVals bool         // some expectation tests a call's values (not only key fragments): cur copies them
	arena    []byte       // bytes of the expectations' keys and fragments (see keep)
	calls    any          // the *slab of the generated typed calls (see NewCall)
	wants    []core.Value // the expectations' wanted values (see cutLocked)

	matched int32 // entries with a Match function: calls describe themselves only when there are some (a plain count: both its users hold mu)
}

type segment struct {
	q            *core.Queue
	added, taken int
}

// owner is how hints name the mock: the variable the test assigned it to,
// found from the line that made it (see site.go).
type owner struct {
	pc       uintptr
	fn       string // the function called on that line: "Func", "Spy", "NewMockStore"
	fallback string // the name to use without the source
	lower    bool   // fallback is a type name, to write with a lower-case first letter (done only for messages)
	reuse    bool   // the call itself may stand for the mock (mock.Func is idempotent)
}

func (o *owner) site() siteInfo { return siteOf(o.pc, o.fn) }

// accessor is the Go expression that reaches the mock from the test.
func (o *owner) accessor() string {
	s := o.site()
	switch {
	case s.Var != "":
		return s.Var
	case o.reuse && s.Call != "":
		return s.Call
	}
	if o.lower {
		return lowerFirst(o.fallback)
	}
	return o.fallback
}

func newMethod(v *core.Verifier, label, name string, f form, params []Param, variadic bool, results []reflect.Type, o *owner) *method {
	m := &method{v: v, label: label, name: name, form: f, params: params, variadic: variadic, results: results, owner: o,
		qspec: core.QueueSpec{Plugin: "mock"}}
	// The segments' queues are guarded by mu, which add and take hold
	// anyway: one lock per expectation and per call, not two.
	m.qspec.Mu = &m.mu
	m.errLast = len(results) > 0 && results[len(results)-1] == errorType
	// Both names cut from one string: one allocation, not two.
	both := "Expect" + m.name + "Match" + "Assert" + m.name + "Match"
	m.expectMatch, m.assertMatch = both[:len(both)/2], both[len(both)/2:]
	nf := len(params)
	if f == spyForm {
		nf += len(results)
	}
	fields := m.fieldsBuf[:0]
	if nf > len(m.fieldsBuf) {
		fields = make([]string, 0, nf)
	}
	if len(params) <= len(m.ptypesBuf) {
		m.ptypes, m.pfast = m.ptypesBuf[:len(params)], m.pfastBuf[:len(params)]
	} else {
		m.ptypes, m.pfast = make([]reflect.Type, len(params)), make([]uint8, len(params))
	}
	for i, p := range params {
		fields = append(fields, p.Name)
		m.ptypes[i] = p.Type
		switch p.Type {
		case stringType:
			m.pfast[i] = fastString
		case intType:
			m.pfast[i] = fastInt
		case boolType:
			m.pfast[i] = fastBool
		}
	}
	if f == spyForm {
		m.nres = len(results)
		for i := range results {
			fields = append(fields, "result"+strconv.Itoa(i))
		}
	}
	if len(fields) > math.MaxUint16 {
		// An Expectation counts its wanted values in 16 bits; no
		// function worth mocking comes near.
		panic("bigfoot/mock: " + label + " has " + strconv.Itoa(len(fields)) + " parameters and results; a mock handles at most 65535")
	}
	m.srcBuf = core.Source{Plugin: "mock", Name: label, Fields: fields, GoExpr: "", Hint: m.hint}
	m.src = &m.srcBuf
	return m
}

// Expectation is one scripted answer: what Expect returns wraps one. A
// generated mock embeds it in its typed call (MockStoreGetCall) and calls
// its methods; tests use the typed call's methods instead.
type Expectation struct {
	// ent is the expectation's entry in its segment's queue, kept here
	// (core.Queue.AddEntry) rather than copied into the queue's chunks:
	// one struct per expectation instead of two. Its Key is the exact
	// key, or "" with MatchEntry set; its Returns is what Call hands
	// back (the typed call, or a function mock's *Call). It must stay the
	// first field: expectationOf finds the expectation from it.
	ent   core.Entry
	m     *method
	extra *[]*core.Entry // added by Times (their Returns is an *extraOf); a pointer, since few expectations have any
	ready atomic.Bool    // the answer is complete: set after its fields, read before them
	nwant uint16         // how many values want holds (beside ready, in what would be padding)
	// fragMask has bit i set when field i (i < maxFrags) is tested by
	// its key fragment, which frags holds; the other fields of an
	// expectation matched by scanning are tested by their wanted value.
	fragMask uint8
	// valMask has bit i set when field i (i < maxFrags) of one matched
	// by scanning is tested by its wanted value (a matcher other than
	// Any(), or a value without a fragment): with fragMask, the fields
	// matches must look at, so that it passes over the wildcards.
	valMask uint8

	// What the expectation matches: nwant values (or matchers), one per
	// field, cut from the method's arena (see cutLocked) or held by the
	// generated typed call itself (see Mock.ExpectOwned); a pointer to the
	// first rather than a slice, since the script keeps one Expectation
	// per expectation, and a slice header would cost it 16 bytes more.
	want *core.Value
	// frags holds, for one matched by scanning, the key fragments of the
	// fields fragMask names, back to back (cut from the method's arena):
	// comparing a call's fragment with the front of the rest needs no
	// boundaries, since the fragments of Key are a prefix-free code (each
	// is length-delimited or ends in a terminator, after a tag byte of its
	// kind), so a call's fragment equals the stored one exactly when it
	// equals as many bytes of frags.
	frags string
}

// wants returns the expectation's wanted values.
func (e *Expectation) wants() []core.Value {
	if e.want == nil {
		return nil
	}
	return unsafe.Slice(e.want, e.nwant)
}

// Ready marks the answer complete, after the typed call has set its
// results: a call that takes the expectation before it is ready fails with
// *IncompleteExpectationError.
func (e *Expectation) Ready() { e.ready.Store(true) }

// Optional marks the expectation as not required: it is not reported
// unused, and calls may take later ones with the same arguments.
func (e *Expectation) Optional() {
	e.ent.Optional = true
	for _, x := range e.extras() {
		x.Optional = true
	}
}

// With applies options: Optional, and Raises, whose error it returns for
// the typed call to set as its last result. Raises on a function whose last
// result is not an error is an *ArgumentError.
func (e *Expectation) With(opts ...core.StepOption) (raises error, err error) {
	raises, optional := core.ApplyOptions(opts)
	if optional {
		e.Optional()
	}
	if raises != nil && !e.m.errLast {
		return nil, e.m.raisesError("With")
	}
	return raises, nil
}

// Times makes the expectation answer n calls (n >= 1), each of which is
// recorded and must be asserted; all are optional if the expectation is.
func (e *Expectation) Times(n int) error {
	if n < 1 {
		return &ArgumentError{Func: e.m.label, Method: "Times", Index: -1, Got: strconv.Itoa(n),
			Want: "Times needs a count of at least 1 (delete the expectation for a call that must not happen)",
			Fix:  "Times(2)"}
	}
	for i := len(e.extras()) + 1; i < n; i++ {
		ent := e.m.add(core.Entry{Key: e.ent.Key, MatchEntry: e.ent.MatchEntry, Returns: (*extraOf)(e)}, e.ent.PC(), e.needVals())
		ent.Optional = e.ent.Optional
		if e.extra == nil {
			e.extra = new([]*core.Entry)
		}
		*e.extra = append(*e.extra, ent)
	}
	return nil
}

// extras returns the entries Times added.
func (e *Expectation) extras() []*core.Entry {
	if e.extra == nil {
		return nil
	}
	return *e.extra
}

// Site returns the file:line that registered the expectation.
func (e *Expectation) Site() string { return e.ent.Site() }

// script renders the expectation as the Go line that registered it. It is
// rendered only for messages: at verification for an unused one (see
// plugin.verify), and when a call finds no answer.
func (e *Expectation) script() string {
	m := e.m
	call := ".Expect("
	if m.form == ifaceForm {
		call = ".Expect" + m.name + "("
		for _, w := range e.wants() {
			if w.IsMatcher() {
				call = ".Expect" + m.name + "Match("
				break
			}
		}
	}
	return m.owner.accessor() + call + strings.Join(m.argList(e.wants()), ", ") + ")"
}

// matches reports whether the call being matched satisfies e: each field
// by its key fragment (fragMask), as Any(), by its matcher, or by equality.
func (e *Expectation) matches(d *callDesc) bool {
	want := e.wants()
	if len(want) <= maxFrags {
		// Only the fields with a test, in order (the fragments are
		// consumed in it): fragMask's and valMask's bits.
		frags := e.frags
		for set := e.fragMask | e.valMask; set != 0; set &= set - 1 {
			i := bits.TrailingZeros8(set)
			if e.fragMask&(1<<i) != 0 {
				if !matchesFrag(d, i, &frags) {
					return false
				}
				continue
			}
			if !e.matchesValue(&want[i], d.vals[i]) {
				return false
			}
		}
		return true
	}
	frags := e.frags
	for i := range want {
		if i < maxFrags && e.fragMask&(1<<i) != 0 {
			if !matchesFrag(d, i, &frags) {
				return false
			}
			continue
		}
		if !e.matchesValue(&want[i], d.vals[i]) {
			return false
		}
	}
	return true
}

// matchesFrag reports whether field i of the call has the key fragment at
// the front of *frags, and consumes it.
func matchesFrag(d *callDesc, i int, frags *string) bool {
	f, ok := d.key.fragBytes(i)
	if !ok || len(f) == 0 || len(f) > len(*frags) || string(f) != (*frags)[:len(f)] {
		return false
	}
	*frags = (*frags)[len(f):]
	return true
}

// matchesValue tests one field of the call by its wanted value: Any(), a
// matcher, or equality.
func (e *Expectation) matchesValue(w *core.Value, got core.Value) bool {
	switch {
	case w.IsAny():
		return true
	case w.IsMatcher():
		return w.Interface().(core.Matcher).Matches(got.Interface())
	}
	return equalAny(w.Interface(), got.Interface())
}

func (m *method) raisesError(call string) error {
	last := "no results"
	if len(m.results) > 0 {
		last = "last result " + typeName(m.results[len(m.results)-1], "")
	}
	return &ArgumentError{Func: m.label, Method: call, Index: -1, Got: "bigfoot.Raises(err)",
		Want:      "Raises needs a function whose last result is an error, and this one has " + last,
		Signature: m.signature(), Fix: m.expectFix(nil)}
}

// add registers an entry in the last segment, opening a new one when it is
// full. needVals says the entry's Match function reads the call's values.
func (m *method) add(e core.Entry, pc uintptr, needVals bool) *core.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addLocked(e, pc, needVals)
}

// addLocked is add with m.mu held.
func (m *method) addLocked(e core.Entry, pc uintptr, needVals bool) *core.Entry {
	return m.segmentLocked(&e, needVals).q.AddLocked(e, pc)
}

// addOwnedLocked is addLocked for an entry the expectation owns (see
// Expectation.ent).
func (m *method) addOwnedLocked(e *core.Entry, pc uintptr, needVals bool) *core.Entry {
	return m.segmentLocked(e, needVals).q.AddEntryLocked(e, pc)
}

// segmentLocked returns the segment that takes e next, opening a new one
// when the last is full, and counts e in it. Call with m.mu held.
func (m *method) segmentLocked(e *core.Entry, needVals bool) *segment {
	m.needVals = m.needVals || needVals
	var s *segment
	if n := len(m.segs); n > 0 && m.segs[n-1].added < segmentSize {
		s = m.segs[n-1]
	} else {
		s = &segment{q: core.NewQueue(m.v, &m.qspec)}
		if m.segs == nil {
			m.segs = m.segsBuf[:0]
		}
		m.segs = append(m.segs, s)
	}
	s.added++
	if e.Match != nil || e.MatchEntry != nil {
		m.matched++
	}
	return s
}

// The parameter types whose arguments wantArgs converts without reflection.
const (
	fastString uint8 = 1 + iota
	fastInt
	fastBool
)

// register adds an expectation for want (values or matchers, one per
// field, which e keeps: a copy cut from the method's arena) whose values k
// has keyed.
func (m *method) register(e *Expectation, answer any, want []core.Value, k *Key, pc uintptr) {
	// One hold of the lock for the arenas and the segment: this runs once
	// per expectation, and calls no code of the test's.
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registerLocked(e, answer, m.cutLocked(want), k, pc)
}

// registerOwned is register for wanted values held by the typed call
// itself (see Mock.ExpectOwned), which e keeps rather than a copy. It is
// a function of its own so that register's want, which only the copy
// reads, does not escape: its callers keep theirs on the stack.
func (m *method) registerOwned(e *Expectation, answer any, want []core.Value, k *Key, pc uintptr) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registerLocked(e, answer, want, k, pc)
}

// registerLocked is register's work on kept, the values e keeps. Call
// with m.mu held.
func (m *method) registerLocked(e *Expectation, answer any, kept []core.Value, k *Key, pc uintptr) {
	e.m = m
	if len(m.results) == 0 {
		e.ready.Store(true)
	}
	key, keyed := k.keyBytes()
	e.nwant = uint16(len(kept))
	if len(kept) > 0 {
		e.want = &kept[0]
	}
	needVals := false
	if keyed {
		e.ent.Key = m.keepLocked(key)
	} else {
		// A value's test compares fragments when the key has one for it,
		// values otherwise; a matcher's needs nothing stored.
		// The fragments are appended to the arena in place: they are
		// parts of the key, so the key's length is room for all.
		all := k.bytes()
		inArena := len(all) <= arenaMax/4
		var frags []byte
		if inArena {
			m.roomLocked(len(all))
			frags = m.arena
		}
		start := len(frags)
		for i := range kept {
			w := &kept[i]
			if f, ok := k.fragBytes(i); ok && len(f) > 0 && !w.IsMatcher() {
				e.fragMask |= 1 << i // i < maxFrags, as fragBytes has it
				frags = append(frags, f...)
				continue
			}
			// What needVals finds, decided here at no cost of its own:
			// every test but a fragment's and Any()'s reads the values.
			if !w.IsAny() {
				needVals = true
				if i < maxFrags {
					e.valMask |= 1 << i
				}
			}
		}
		switch {
		case len(frags) == start:
		case inArena:
			m.arena = frags // within the room made: the arena did not move
			e.frags = unsafe.String(&frags[start], len(frags)-start)
		default:
			e.frags = string(frags)
		}
		e.ent.MatchEntry = matchEntry
	}
	e.ent.Returns = answer
	m.addOwnedLocked(&e.ent, pc, needVals)
}

// matchEntry is the MatchEntry of every expectation with matchers: one
// static function, where a closure per expectation would cost an
// allocation only to carry it.
func matchEntry(ent *core.Entry, c any) bool {
	d, ok := c.(*callDesc)
	return ok && expectationOf(ent).matches(d)
}

// The expectation's own entry is its first field (see Expectation.ent):
// this fails to compile otherwise.
var _ [0]struct{} = [unsafe.Offsetof(Expectation{}.ent)]struct{}{}

// extraOf is the Returns of an entry Times added: its expectation, as a
// type of its own (unexported, so that no answer can be one), converted
// without an allocation.
type extraOf Expectation

// expectationOf returns the expectation an entry of a mock's queue
// answers for. An entry Times added holds it in Returns, as an *extraOf;
// an expectation's own entry is its first field, so the expectation is at
// the entry's address, and Returns is free to hold the answer. Every
// entry of a mock's queue is one of the two.
func expectationOf(ent *core.Entry) *Expectation {
	if x, ok := ent.Returns.(*extraOf); ok {
		return (*Expectation)(x)
	}
	return (*Expectation)(unsafe.Pointer(ent))
}

// answer returns what Call hands back for e.
func (e *Expectation) answer() any { return e.ent.Returns }

// needVals reports whether matching e reads the call's values, which a
// call then copies for it; fragments and wildcards need only its key, and
// one found by its key is not matched at all.
func (e *Expectation) needVals() bool {
	if e.ent.MatchEntry == nil {
		return false
	}
	for i, w := range e.wants() {
		if (i >= maxFrags || e.fragMask&(1<<i) == 0) && !w.IsAny() {
			return true
		}
	}
	return false
}

// Arena chunks grow from arenaFirst bytes to arenaMax; a string longer
// than arenaMax/4 gets an allocation of its own.
const (
	arenaFirst = 256
	arenaMax   = 8 << 10
)

// keep returns b as a string whose bytes are cut from the method's arena:
// an expectation's key and fragments live as long as the method, so
// cutting them from chunks saves an allocation per expectation. Bytes of
// the arena are never written again once cut, so the string is immutable.
func (m *method) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keepLocked(b)
}

// keepLocked is keep with m.mu held.
func (m *method) keepLocked(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaMax/4 {
		return string(b)
	}
	m.roomLocked(len(b))
	start := len(m.arena)
	m.arena = append(m.arena, b...)
	return unsafe.String(&m.arena[start], len(b))
}

// roomLocked makes room for n more bytes (n <= arenaMax/4) in the
// method's arena, starting a new chunk when the current one lacks it.
// Call with m.mu held.
func (m *method) roomLocked(n int) {
	if cap(m.arena)-len(m.arena) < n {
		m.arena = make([]byte, 0, max(min(2*cap(m.arena), arenaMax), arenaFirst))
	}
}

// The arena of wanted values grows from arenaFirstN elements to
// arenaMaxN.
const (
	arenaFirstN = 8
	arenaMaxN   = 512
)

// cutLocked returns a copy of want cut from the method's arena: an
// expectation keeps it as long as the method lives, and cutting it from
// chunks, exactly as long as the signature needs, costs neither an
// allocation per expectation nor room for the longest signature in each.
// It is a full slice: appending to it cannot reach a neighbour's.
// Call with m.mu held.
func (m *method) cutLocked(want []core.Value) []core.Value {
	if len(want) == 0 {
		return nil
	}
	if cap(m.wants)-len(m.wants) < len(want) {
		m.wants = make([]core.Value, 0, max(min(2*cap(m.wants), arenaMaxN), arenaFirstN, len(want)))
	}
	start := len(m.wants)
	m.wants = m.wants[:start+len(want)]
	kept := m.wants[start:len(m.wants):len(m.wants)]
	for i := range want {
		// Element by element: for the few values of a call, cheaper
		// than the typed copy append makes of a slice with pointers.
		kept[i] = want[i]
	}
	return kept
}

// callDesc is what Match functions see of the call being matched. Each
// method keeps one, reused under its lock, so matching allocates nothing.
type callDesc struct {
	vals []core.Value
	buf  [8]core.Value
	key  Key
}

func (d *callDesc) set(k *Key, args []core.Value, vals bool) {
	if !vals {
		d.vals = nil // no expectation reads them
	} else if len(args) <= len(d.buf) {
		d.vals = d.buf[:copy(d.buf[:], args)]
	} else {
		d.vals = append(d.vals[:0], args...)
	}
	d.key.copyFrom(k)
}

// take finds the first unused expectation that matches, across
// segments. Call with m.mu held.
func (m *method) take(key string, call any, record func(*core.Entry) error) (*core.Entry, error) {
	for i := m.head; i < len(m.segs); i++ {
		s := m.segs[i]
		if s.taken == s.added {
			if i == m.head && s.added == segmentSize {
				m.head++
			}
			continue
		}
		ent, err := s.q.TakeLocked(key, call, record)
		if err != nil {
			return nil, err
		}
		if ent != nil {
			s.taken++
			if i == m.head && s.taken == segmentSize {
				m.head++
			}
			return ent, nil
		}
	}
	return nil, nil
}

// call answers one call: it checks the sandbox, takes the expectation that
// matches, records the call on the timeline, and returns the expectation;
// or it reports the failure and returns it (the caller returns zero values,
// and the error as a last error result).
func (m *method) call(k *Key, args []core.Value) (*Expectation, error) {
	if !m.v.InSandbox() {
		err := m.refused(args)
		m.v.Report(err)
		return nil, err
	}
	key, keyed := k.key()
	if !keyed {
		key = noKey
	}
	m.mu.Lock()
	var desc any
	if m.matched > 0 {
		m.cur.set(k, args, m.needVals)
		desc = &m.cur
	}
	ent, err := m.take(key, desc, func(*core.Entry) error {
		m.v.Record(m.src, args...)
		return nil
	})
	m.mu.Unlock()
	if err == nil && ent == nil {
		err = m.unmocked(args)
	}
	if err != nil {
		m.v.Report(err)
		return nil, err
	}
	e := expectationOf(ent)
	if !e.ready.Load() {
		err := &IncompleteExpectationError{Func: m.label, Script: e.script(), Site: e.Site(), Fix: m.expectFix(args)}
		m.v.Report(err)
		return nil, err
	}
	return e, nil
}

// fillScripts renders the scripts of unused expectations, for the
// verifier's UnusedMocksError. It runs in VerifyAll before the verifier
// lists them.
func (m *method) fillScripts() {
	m.mu.Lock()
	unused := false
	for _, s := range m.segs[m.head:] {
		unused = unused || s.taken < s.added
	}
	if !unused {
		// Every expectation was taken (the passing test's case): nothing
		// to render, and no copy of the segments to make.
		m.mu.Unlock()
		return
	}
	segs := append([]*segment(nil), m.segs...)
	m.mu.Unlock()
	for _, s := range segs {
		for _, ent := range s.q.Unused() {
			ent.Script = expectationOf(ent).script()
		}
	}
}

func (m *method) refused(args []core.Value) error {
	return &core.GuardedCallError{Plugin: "mock", Op: "call", Network: "to", Address: m.callText(args, nil),
		Reason: "no sandbox is open; a mock answers only calls made inside " + core.CurrentNames().Verifier + ".Sandbox",
		Fix:    core.CurrentNames().Verifier + ".Sandbox(func() { /* the code that calls " + m.label + " */ })"}
}

func (m *method) unmocked(args []core.Value) error {
	reason := "no scripted answer is left for these arguments"
	var pending []*core.Entry
	more := 0
	m.mu.Lock()
	segs := append([]*segment(nil), m.segs[m.head:]...)
	m.mu.Unlock()
	for _, s := range segs {
		p, n := s.q.Pending(5 - len(pending))
		pending = append(pending, p...)
		more += n
	}
	if len(pending) == 0 {
		reason += "; the script of " + m.label + " has none left at all"
	} else {
		reason += "; still scripted for " + m.label + ":"
		for _, e := range pending {
			reason += "\n    " + expectationOf(e).script() + " (registered at " + e.Site() + ")"
		}
		if more > 0 {
			reason += "\n    ... and " + strconv.Itoa(more) + " more"
		}
	}
	return &core.UnmockedInteractionError{Plugin: "mock", Step: m.label, Call: m.callText(args, nil),
		Reason: reason, Fix: m.expectFix(args)}
}

// check asserts the next interaction against want, returning a
// *CallMismatchError (which wraps the core mismatch) when it does not match.
func (m *method) check(want []core.Value) error {
	err := m.v.CheckValues(m.src, want...)
	if err == nil {
		return nil
	}
	var mm *core.InteractionMismatchError
	if !errors.As(err, &mm) {
		return err
	}
	return m.mismatch(mm, want)
}

func (m *method) mismatch(mm *core.InteractionMismatchError, want []core.Value) error {
	local := m.owner.site().Pkg
	e := &CallMismatchError{Mismatch: mm, Expected: m.callText(want, nil), More: mm.More}
	if m.form == spyForm {
		e.Expected = m.callText(want[:len(m.params)], want[len(m.params):])
	}
	if mm.Actual != nil {
		e.Actual = describeInteraction(mm.Actual)
		e.Fix = mm.Actual.Hint()
		if mm.Actual.Source == m.src {
			for i, f := range m.src.Fields {
				w, g := want[i], mm.Actual.Values[i]
				if matchValue(w, g) {
					continue
				}
				e.Diffs = append(e.Diffs, m.fieldDiff(i, f, w, g, local))
			}
		}
	}
	for _, in := range mm.Remaining {
		e.Remaining = append(e.Remaining, describeInteraction(in))
	}
	return e
}

func (m *method) fieldDiff(i int, field string, w, g core.Value, local string) string {
	head := field + " (" + m.paramType(i) + ")"
	if w.IsMatcher() {
		gs, _ := render(g.Interface(), m.fieldType(i), local)
		return head + ":\n      - " + w.String() + "\n      + " + gs
	}
	lines := diffValues(w.Interface(), g.Interface(), local)
	if len(lines) == 1 && strings.HasPrefix(lines[0], "value") {
		return head + strings.TrimPrefix(lines[0], "value")
	}
	if len(lines) == 0 {
		ws, _ := render(w.Interface(), m.fieldType(i), local)
		gs, _ := render(g.Interface(), m.fieldType(i), local)
		return head + ":\n      - " + ws + "\n      + " + gs
	}
	return head + ", differing in " + strings.Join(lines, "\n    ")
}

// describeInteraction shows an interaction as Go when it is a mock's call,
// else as the timeline shows it.
func describeInteraction(in *core.Interaction) string {
	if m := sourceMethod(in.Source); m != nil {
		if m.form == spyForm {
			return "#" + strconv.FormatUint(in.Seq, 10) + " mock " + m.callText(in.Values[:len(m.params)], in.Values[len(m.params):])
		}
		return "#" + strconv.FormatUint(in.Seq, 10) + " mock " + m.callText(in.Values, nil)
	}
	return in.String()
}

// sources maps each mock's source to its method, so that messages can show
// any mock's interaction as Go. Entries live as long as the process: a
// source is small, and tests make few.
var sources sync.Map // *core.Source -> *method

func sourceMethod(src *core.Source) *method {
	if m, ok := sources.Load(src); ok {
		return m.(*method)
	}
	return nil
}

func (m *method) paramType(i int) string {
	t := m.fieldType(i)
	if t == nil {
		return "?"
	}
	if m.variadic && i == len(m.params)-1 {
		return "..." + typeName(t.Elem(), m.owner.site().Pkg)
	}
	return typeName(t, m.owner.site().Pkg)
}

func (m *method) fieldType(i int) reflect.Type {
	if i < len(m.params) {
		return m.params[i].Type
	}
	if j := i - len(m.params); j < len(m.results) {
		return m.results[j]
	}
	return nil
}

// callText writes a call as Go for messages: store.Fetch(ctx, "k"), with
// " = (results)" for a spy.
func (m *method) callText(args, results []core.Value) string {
	a := m.argList(args)
	s := m.label + "(" + strings.Join(a, ", ") + ")"
	if results != nil {
		local := m.owner.site().Pkg
		var r []string
		for i, v := range results {
			var t reflect.Type
			if i < len(m.results) {
				t = m.results[i]
			}
			txt, _ := render(v.Interface(), t, local)
			if v.IsMatcher() {
				txt = v.String()
			}
			r = append(r, txt)
		}
		s += " returned (" + strings.Join(r, ", ") + ")"
	}
	return s
}

// argList renders arguments as a call spells them, with inexact values
// as their rendering (the message is for people; hints use matchers).
func (m *method) argList(vals []core.Value) []string {
	local := m.owner.site().Pkg
	var out []string
	for i := 0; i < len(m.params) && i < len(vals); i++ {
		v := vals[i]
		if v.IsMatcher() {
			out = append(out, v.String())
			continue
		}
		t := m.params[i].Type
		if m.variadic && i == len(m.params)-1 {
			rv := reflect.ValueOf(v.Interface())
			if rv.IsValid() && rv.Kind() == reflect.Slice && rv.Type() == t {
				for j := 0; j < rv.Len(); j++ {
					s, _ := render(rv.Index(j).Interface(), t.Elem(), local)
					out = append(out, s)
				}
				continue
			}
		}
		s, _ := render(v.Interface(), t, local)
		out = append(out, s)
	}
	return out
}

// argsFor renders values for pasting: inexact ones become bigfoot.Any()
// with the rendering as a comment. It reports whether all were exact.
func (m *method) argsFor(vals []core.Value, types []reflect.Type, spread bool) ([]string, bool) {
	local := m.owner.site().Pkg
	any := core.CurrentNames().Package + ".Any()"
	var out []string
	all := true
	put := func(s string, ok bool) {
		if !ok {
			all = false
			s = any + " /* " + commentSafe(cutText(s, 200)) + " */"
		}
		out = append(out, s)
	}
	for i, v := range vals {
		var t reflect.Type
		if i < len(types) {
			t = types[i]
		}
		if v.IsMatcher() {
			put(v.String(), false)
			continue
		}
		if spread && t != nil && i == len(types)-1 {
			rv := reflect.ValueOf(v.Interface())
			if rv.IsValid() && rv.Kind() == reflect.Slice && rv.Type() == t {
				for j := 0; j < rv.Len(); j++ {
					put(render(rv.Index(j).Interface(), t.Elem(), local))
				}
				continue
			}
			if !rv.IsValid() {
				continue // no variadic arguments
			}
		}
		put(render(v.Interface(), t, local))
	}
	// An assertion of wildcards alone is refused: pin the first argument
	// down as non-nil instead.
	if !all && len(out) > 0 {
		wild := true
		for _, s := range out {
			if !strings.HasPrefix(s, any) {
				wild = false
			}
		}
		if wild {
			p := core.CurrentNames().Package
			out[0] = p + ".Not(" + p + ".Eq(nil))" + strings.TrimPrefix(out[0], any)
		}
	}
	return out, all
}

// paramTypes returns the parameters' types; callers must not change them.
func (m *method) paramTypes() []reflect.Type { return m.ptypes }

// hint is the source's Hint: the assertion to paste for an interaction.
func (m *method) hint(vals []core.Value) string {
	acc := m.owner.accessor()
	switch m.form {
	case spyForm:
		n := len(m.params)
		args, _ := m.argsFor(vals[:n], m.paramTypes(), m.variadic)
		res, _ := m.argsFor(vals[n:], m.results, false)
		return acc + ".AssertCall([]any{" + strings.Join(args, ", ") + "}, []any{" + strings.Join(res, ", ") + "})"
	case ifaceForm:
		args, exact := m.argsFor(vals, m.paramTypes(), m.variadic)
		name := ".Assert" + m.name
		if !exact {
			name += "Match"
		}
		return acc + name + "(" + strings.Join(args, ", ") + ")"
	}
	args, _ := m.argsFor(vals, m.paramTypes(), m.variadic)
	return acc + ".AssertCall(" + strings.Join(args, ", ") + ")"
}

// expectFix is the Expect line that scripts a call with these arguments
// (nil: placeholders of each parameter's type).
func (m *method) expectFix(args []core.Value) string {
	acc := m.owner.accessor()
	var list []string
	exact := true
	if args != nil {
		list, exact = m.argsFor(args, m.paramTypes(), m.variadic)
	} else {
		for i, p := range m.params {
			if m.variadic && i == len(m.params)-1 {
				break
			}
			list = append(list, placeholder(p.Type, m.owner.site().Pkg))
		}
		exact = len(m.params) == 0
	}
	call := ".Expect("
	if m.form == ifaceForm {
		call = ".Expect" + m.name + "("
		if !exact {
			call = ".Expect" + m.name + "Match("
		}
	}
	s := acc + call + strings.Join(list, ", ") + ")"
	if len(m.results) > 0 {
		var r []string
		for _, t := range m.results {
			r = append(r, zeroLit(t, m.owner.site().Pkg))
		}
		s += ".Returns(" + strings.Join(r, ", ") + ")"
	}
	return s
}

// placeholder is an argument that fits a parameter of type t in an
// Expect call: a zero value, or a wildcard where no literal is short.
func placeholder(t reflect.Type, local string) string {
	switch t.Kind() {
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.Pointer, reflect.Map, reflect.Slice, reflect.UnsafePointer:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return `[]byte("")`
		}
		return core.CurrentNames().Package + ".Any()"
	}
	return zeroLit(t, local)
}

// zeroLit writes the zero value of t as Go, where t is implied.
func zeroLit(t reflect.Type, local string) string {
	switch t.Kind() {
	case reflect.Bool:
		return "false"
	case reflect.String:
		return `""`
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		if t == durationType {
			return "time.Duration(0)"
		}
		return "0"
	case reflect.Struct, reflect.Array:
		return typeName(t, local) + "{}"
	}
	return "nil"
}

// signature writes the function's type with parameter names.
func (m *method) signature() string {
	local := m.owner.site().Pkg
	var ps []string
	for i, p := range m.params {
		t := typeName(p.Type, local)
		if m.variadic && i == len(m.params)-1 {
			t = "..." + typeName(p.Type.Elem(), local)
		}
		if p.Name != "" && !strings.HasPrefix(p.Name, "arg") {
			t = p.Name + " " + t
		}
		ps = append(ps, t)
	}
	s := "func(" + strings.Join(ps, ", ") + ")"
	switch len(m.results) {
	case 0:
	case 1:
		s += " " + typeName(m.results[0], local)
	default:
		var rs []string
		for _, t := range m.results {
			rs = append(rs, typeName(t, local))
		}
		s += " (" + strings.Join(rs, ", ") + ")"
	}
	return s
}

// matchValues reports whether a call's values satisfy an expectation's.
func matchValues(want, got []core.Value) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !matchValue(want[i], got[i]) {
			return false
		}
	}
	return true
}

func matchValue(w, g core.Value) bool {
	if w.IsMatcher() {
		return w.Interface().(core.Matcher).Matches(g.Interface())
	}
	return equalAny(w.Interface(), g.Interface())
}

// equalAny is the equality of plain values: []byte by content (nil and
// empty alike), everything else by reflect.DeepEqual.
func equalAny(w, g any) bool {
	if wb, ok := w.([]byte); ok {
		gb, ok := g.([]byte)
		return ok && bytes.Equal(wb, gb)
	}
	return reflect.DeepEqual(w, g)
}

// elemsMatcher matches a variadic call's arguments element by element,
// each against a value or a matcher: Expect("%d items", bigfoot.Any()).
type elemsMatcher struct{ elems []core.Value }

func (e elemsMatcher) Matches(x any) bool {
	rv := reflect.ValueOf(x)
	if !rv.IsValid() {
		return len(e.elems) == 0
	}
	if rv.Kind() != reflect.Slice || rv.Len() != len(e.elems) {
		return false
	}
	for i, w := range e.elems {
		if !matchValue(w, core.ValueOf(rv.Index(i).Interface())) {
			return false
		}
	}
	return true
}

func (e elemsMatcher) String() string {
	s := make([]string, len(e.elems))
	for i, w := range e.elems {
		if w.IsMatcher() {
			s[i] = w.String()
		} else {
			s[i], _ = render(w.Interface(), nil, "")
		}
	}
	return strings.Join(s, ", ")
}
