package core

import (
	"runtime/debug"
	"sync"
)

// Queue is the script of a request/response plugin (HTTP, processes, name
// lookups, function mocks): scripted answers that calls take by matching,
// not in order. A call takes the first unused entry whose key matches it;
// entries with equal keys are taken in registration order. The order in
// which calls happened is still checked, where it belongs: by the
// assertions on the timeline.
//
// Entries are found in O(1) by an exact key (a canonical form of what the
// call is matched on: method and URL, argv, host). An entry may instead
// carry a Match or MatchEntry function (for matchers in the script); such
// entries are scanned in registration order, and the earliest registered
// of the two candidates wins.
type Queue struct {
	v    *Verifier
	spec *QueueSpec

	// mu guards every field below and the entries' used flags, unless the
	// spec gives a lock of the plugin's (QueueSpec.Mu), which then does.
	mu      sync.Mutex
	byKey   map[string]*entryList // nil until the first keyed entry (a nil map reads as empty)
	matched []*Entry              // entries with a Match or MatchEntry function, in registration order
	mhead   int                   // matched[:mhead] are all used: Take starts past them
	keyed   []*Entry              // entries without one, in registration order (matched and keyed together are all of them)
	seq     uint32                // entries added: 2³² per queue is past any test's script
	taken   uint32                // entries taken: when it equals seq, none is unused, and VerifyAll need not list them

	// Entries and lists are cut from chunks, so that Add costs no
	// allocation of its own in the common case; a chunk lives as long as
	// any of its entries, which is the verifier's life.
	entries []Entry
	lists   []entryList
}

// QueueSpec describes a plugin's queue.
type QueueSpec struct {
	Plugin string // e.g. "http"
	// Validate, if set, checks an entry's Returns when it is added; the
	// error it returns is the misuse reported.
	Validate func(e *Entry) error
	// Mu, if set, is a lock of the plugin's that guards its queues in
	// place of their own: a plugin that adds to and takes from its queues
	// only while holding a lock of its own anyway (a function mock, whose
	// script is cut into several queues under one lock) calls AddLocked,
	// AddEntryLocked and TakeLocked with Mu held, and pays for one lock
	// per call instead of two. The queues' other methods (Add, AddEntry,
	// Take, TakeBytes, Unused, Pending, and VerifyAll's check) take Mu
	// themselves, so they must be called without it held. Set it before
	// the first NewQueue with the spec, and leave it.
	Mu *sync.Mutex
}

// lock takes the lock that guards q: the spec's Mu, or q's own.
func (q *Queue) lock() {
	if q.spec.Mu != nil {
		q.spec.Mu.Lock()
		return
	}
	q.mu.Lock()
}

// unlock releases what lock took.
func (q *Queue) unlock() {
	if q.spec.Mu != nil {
		q.spec.Mu.Unlock()
		return
	}
	q.mu.Unlock()
}

// Entry is one scripted answer of a Queue.
type Entry struct {
	Key   string         // what an exact call must match; ignored when Match or MatchEntry is set
	Match func(any) bool // matches a call's description, when the script uses matchers
	// MatchEntry is Match handed the entry itself: one static function
	// serves every entry of a plugin (it finds its expectation through
	// Returns, or the struct that embeds the entry; see AddEntry), where a
	// Match must be a closure allocated per entry only to carry it. Set at
	// most one of Match and MatchEntry.
	MatchEntry func(e *Entry, call any) bool
	Returns    any   // the answer
	Err        error // when set, the call returns this error (bigfoot.Raises)
	Optional   bool  // may stay unused
	used       bool  // beside Optional, and seq after it, so that they share a word
	seq        uint32
	// Script renders the entry as the Go code that registered it, for
	// messages, e.g. `bf.HTTP().Expect("GET", "https://x/1", ...)`; or
	// Render does, only when a message needs it (formatting on every Add
	// would cost the pass path); failing both, Returns does, when it is a
	// ScriptRenderer (which costs no closure).
	Script string
	Render func() string

	pc uintptr
}

// Site returns the file:line where the entry was registered.
func (e *Entry) Site() string { return SiteOf(e.pc) }

// PC returns the registration site as given to Add or AddEntry (0 before
// then), so that a plugin registering more entries for one expectation
// (Times) need not keep its own copy.
func (e *Entry) PC() uintptr { return e.pc }

// ScriptRenderer is implemented by an entry's Returns that can render the
// Go code that registered it (see Entry.Script).
type ScriptRenderer interface {
	RenderScript() string
}

// ScriptText returns Script, or what Render or a ScriptRenderer Returns
// renders.
func (e *Entry) ScriptText() string {
	if e.Script != "" {
		return e.Script
	}
	if e.Render != nil {
		return e.Render()
	}
	if r, ok := e.Returns.(ScriptRenderer); ok {
		return r.RenderScript()
	}
	return ""
}

// matches calls the entry's MatchEntry or Match function.
func (e *Entry) matches(call any) bool {
	if e.MatchEntry != nil {
		return e.MatchEntry(e, call)
	}
	return e.Match(call)
}

// entryList holds the entries of one key in registration order. Most
// keys have one entry, kept inline.
type entryList struct {
	one  *Entry
	more []*Entry
	head int // index (0 is one) of the first entry that may be unused
}

func (l *entryList) len() int { return 1 + len(l.more) }

func (l *entryList) at(i int) *Entry {
	if i == 0 {
		return l.one
	}
	return l.more[i-1]
}

// chunk is how many entries or lists a queue allocates at once.
const chunk = 64

// firstMatched is the room the list of matched entries starts with.
const firstMatched = 8

// NewQueue returns a matched queue of one plugin on v, checked at VerifyAll.
func NewQueue(v *Verifier, spec *QueueSpec) *Queue {
	q := &Queue{v: v, spec: spec} // byKey is made by the first keyed entry: many queues hold only matched ones
	v.addScript(q)
	return q
}

// Add registers e with opts applied (Raises, Optional). pc is the
// registration site, from Caller. A misuse (Validate fails, or e sets both
// Match and MatchEntry) is reported with Verifier.Misuse; the caller
// marks itself with v.Reporter().Helper() first, so the failure points at
// the test's line. It returns the added entry, a copy of e cut from the
// queue's chunks; AddEntry registers storage of the caller's instead.
func (q *Queue) Add(e Entry, pc uintptr, opts ...StepOption) *Entry {
	return q.add(e, pc, opts, false)
}

// AddLocked is Add with the spec's Mu held by the caller (see QueueSpec.Mu;
// without one, it is Add). Validate, if set, runs with Mu held.
func (q *Queue) AddLocked(e Entry, pc uintptr, opts ...StepOption) *Entry {
	return q.add(e, pc, opts, q.spec.Mu != nil)
}

// add is Add; held says the caller holds the spec's Mu.
func (q *Queue) add(e Entry, pc uintptr, opts []StepOption, held bool) *Entry {
	q.prepare(&e, opts)
	if q.spec.Validate != nil && e.Err == nil {
		// Validate sees a copy: handing it e's own address would move e
		// to the heap on every Add, validated or not.
		c := e
		err := q.spec.Validate(&c)
		if err != nil {
			q.v.Reporter().Helper()
			q.v.Misuse(err)
			return nil
		}
		e = c
	}
	if err := q.check(&e, false); err != nil {
		q.v.Reporter().Helper()
		q.v.Misuse(err)
		return nil
	}
	if !held {
		q.lock()
		defer q.unlock()
	}
	if len(q.entries) == cap(q.entries) {
		q.entries = make([]Entry, 0, chunk)
	}
	q.entries = append(q.entries, e)
	ent := &q.entries[len(q.entries)-1]
	q.linkLocked(ent, pc)
	return ent
}

// AddEntry is Add for an entry whose storage the caller owns, such as one
// embedded in the plugin's own expectation: the queue keeps e itself, not
// a copy, so a plugin pays for one struct per expectation instead of two,
// and finds its expectation from the entry without a lookup. From this
// call on the queue owns e's unexported state and reads Key, Match and
// MatchEntry; the caller may still set Optional, Err, Script and Returns
// before the calls that take it, as with Add's result. e must not have
// been added before (to any queue): that, a nil e, or both Match and
// MatchEntry set is a misuse, reported as an *InvalidEntryError. It
// returns e, or nil after a misuse.
func (q *Queue) AddEntry(e *Entry, pc uintptr, opts ...StepOption) *Entry {
	return q.addEntry(e, pc, opts, false)
}

// AddEntryLocked is AddEntry with the spec's Mu held by the caller (see
// QueueSpec.Mu; without one, it is AddEntry). Validate, if set, runs with
// Mu held.
func (q *Queue) AddEntryLocked(e *Entry, pc uintptr, opts ...StepOption) *Entry {
	return q.addEntry(e, pc, opts, q.spec.Mu != nil)
}

// addEntry is AddEntry; held says the caller holds the spec's Mu.
func (q *Queue) addEntry(e *Entry, pc uintptr, opts []StepOption, held bool) *Entry {
	if err := q.check(e, true); err != nil {
		q.v.Reporter().Helper()
		q.v.Misuse(err)
		return nil
	}
	q.prepare(e, opts)
	if q.spec.Validate != nil && e.Err == nil {
		if err := q.spec.Validate(e); err != nil {
			q.v.Reporter().Helper()
			q.v.Misuse(err)
			return nil
		}
	}
	if !held {
		q.lock()
		defer q.unlock()
	}
	if e.seq != 0 {
		// Checked again under the lock: two goroutines adding one entry.
		q.v.Reporter().Helper()
		q.v.Misuse(q.invalid(e, reasonReused))
		return nil
	}
	q.linkLocked(e, pc)
	return e
}

// prepare applies opts to e.
func (q *Queue) prepare(e *Entry, opts []StepOption) {
	raises, optional := ApplyOptions(opts)
	if raises != nil {
		e.Err = raises
	}
	e.Optional = e.Optional || optional
}

// The reasons of an *InvalidEntryError.
const (
	reasonNil     = "the entry is nil"
	reasonReused  = "the entry has already been added to a queue: AddEntry keeps the entry itself, so each registration needs an entry of its own"
	reasonTwoFunc = "the entry sets both Match and MatchEntry: the queue would call only one of them"
)

// check reports what is wrong with e before it is added; owned says e
// comes from AddEntry, whose storage must be fresh.
func (q *Queue) check(e *Entry, owned bool) error {
	switch {
	case e == nil:
		return q.invalid(nil, reasonNil)
	case e.Match != nil && e.MatchEntry != nil:
		return q.invalid(e, reasonTwoFunc)
	case owned && e.seq != 0:
		return q.invalid(e, reasonReused)
	}
	return nil
}

func (q *Queue) invalid(e *Entry, reason string) *InvalidEntryError {
	err := &InvalidEntryError{Plugin: q.spec.Plugin, Reason: reason}
	if e != nil && e.seq != 0 {
		err.Site = e.Site()
	}
	switch reason {
	case reasonTwoFunc:
		err.Fix = "q.AddEntry(&core.Entry{MatchEntry: matchExpectation, Returns: exp}, core.Caller(1))"
	default:
		err.Fix = "q.AddEntry(&exp.entry, core.Caller(1)) // exp: a new expectation, with its own core.Entry"
	}
	return err
}

// linkLocked numbers ent and files it by key or with the matched
// entries. Call with q's lock held (see lock).
func (q *Queue) linkLocked(ent *Entry, pc uintptr) {
	ent.pc = pc
	q.seq++
	ent.seq = q.seq
	if ent.Match != nil || ent.MatchEntry != nil {
		if q.matched == nil {
			// Room for a few from the start: append would grow the
			// list through 1, 2 and 4 first, an allocation and a copy
			// each, where a plugin scripting matchers often has several.
			q.matched = make([]*Entry, 0, firstMatched)
		}
		q.matched = append(q.matched, ent)
		return
	}
	q.keyed = append(q.keyed, ent)
	if q.byKey == nil {
		q.byKey = map[string]*entryList{}
	}
	if l := q.byKey[ent.Key]; l != nil {
		l.more = append(l.more, ent)
		return
	}
	if len(q.lists) == cap(q.lists) {
		q.lists = make([]entryList, 0, chunk)
	}
	q.lists = append(q.lists, entryList{one: ent})
	q.byKey[ent.Key] = &q.lists[len(q.lists)-1]
}

// Take finds the first unused entry for a call with key (and description
// call, for entries with a Match or MatchEntry function) and marks it used. Before
// marking it, and while still holding the queue, it calls record with the
// entry, so that the timeline keeps the order in which calls took their
// answers; an error from record leaves the entry unused. It returns nil
// when no entry matches (the caller reports the unmocked call). A panic in
// a Match function or in record is returned as a *PanicError.
func (q *Queue) Take(key string, call any, record func(*Entry) error) (ent *Entry, err error) {
	q.lock()
	defer q.unlock()
	return q.take(q.byKey[key], call, record)
}

// TakeLocked is Take with the spec's Mu held by the caller (see
// QueueSpec.Mu; without one, it is Take). The Match functions and record
// run with Mu held.
func (q *Queue) TakeLocked(key string, call any, record func(*Entry) error) (ent *Entry, err error) {
	if q.spec.Mu == nil {
		return q.Take(key, call, record)
	}
	return q.take(q.byKey[key], call, record)
}

// TakeBytes is Take with the key in a caller's buffer: a plugin that
// builds the key of each call in scratch space looks it up without
// allocating a string.
func (q *Queue) TakeBytes(key []byte, call any, record func(*Entry) error) (ent *Entry, err error) {
	q.lock()
	defer q.unlock()
	return q.take(q.byKey[string(key)], call, record)
}

// take is Take's work on the key's list (nil for none). Call with q's lock held.
func (q *Queue) take(l *entryList, call any, record func(*Entry) error) (ent *Entry, err error) {
	defer func() {
		if p := recover(); p != nil {
			ent, err = nil, &PanicError{Plugin: q.spec.Plugin, Value: p, Stack: string(debug.Stack())}
		}
	}()
	var best *Entry
	if l != nil {
		for l.head < l.len() && l.at(l.head).used {
			l.head++
		}
		if l.head < l.len() {
			best = l.at(l.head)
		}
	}
	for q.mhead < len(q.matched) && q.matched[q.mhead].used {
		q.mhead++
	}
	for _, e := range q.matched[q.mhead:] {
		if best != nil && e.seq > best.seq {
			break
		}
		if !e.used && e.matches(call) {
			best = e
			break
		}
	}
	if best == nil {
		return nil, nil
	}
	if record != nil {
		if err := record(best); err != nil {
			return nil, err
		}
	}
	best.used = true
	q.taken++
	return best, nil
}

// Unused returns the required entries not yet taken, in registration order.
func (q *Queue) Unused() []*Entry {
	q.lock()
	defer q.unlock()
	if q.taken == q.seq {
		return nil // every entry was taken: the common case at VerifyAll, without a walk
	}
	var out []*Entry
	q.eachLocked(func(e *Entry) {
		if !e.used && !e.Optional {
			out = append(out, e)
		}
	})
	return out
}

// Pending returns the entries not yet taken, optional ones included, for
// an unmocked call's message (at most limit, and how many more).
func (q *Queue) Pending(limit int) ([]*Entry, int) {
	q.lock()
	defer q.unlock()
	var out []*Entry
	more := 0
	q.eachLocked(func(e *Entry) {
		switch {
		case e.used:
		case len(out) < limit:
			out = append(out, e)
		default:
			more++
		}
	})
	return out, more
}

// eachLocked calls fn with every entry in registration order: the keyed
// and the matched entries merged by seq. The queue keeps no third list of
// all of them, which would cost every entry another pointer (and its
// slice's growth). Only failure paths and VerifyAll call it. Call with
// q's lock held.
func (q *Queue) eachLocked(fn func(*Entry)) {
	k, m := q.keyed, q.matched
	for len(k) > 0 || len(m) > 0 {
		if len(m) == 0 || (len(k) > 0 && k[0].seq < m[0].seq) {
			fn(k[0])
			k = k[1:]
		} else {
			fn(m[0])
			m = m[1:]
		}
	}
}

func (q *Queue) finish() ([]UnusedStep, string) {
	var out []UnusedStep
	for _, e := range q.Unused() {
		out = append(out, UnusedStep{Plugin: q.spec.Plugin, Step: e.Key, Site: e.Site(), Script: e.ScriptText()})
	}
	return out, ""
}
