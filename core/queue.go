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
// carry a Match function (for matchers in the script); such entries are
// scanned in registration order, and the earliest registered of the two
// candidates wins.
type Queue struct {
	v    *Verifier
	spec *QueueSpec

	// mu guards every field below and the entries' used flags.
	mu      sync.Mutex
	byKey   map[string]*entryList
	matched []*Entry // entries with a Match function, in registration order
	mhead   int      // matched[:mhead] are all used: Take starts past them
	all     []*Entry
	seq     uint64
}

// QueueSpec describes a plugin's queue.
type QueueSpec struct {
	Plugin string // e.g. "http"
	// Validate, if set, checks an entry's Returns when it is added; the
	// error it returns is the misuse reported.
	Validate func(e *Entry) error
}

// Entry is one scripted answer of a Queue.
type Entry struct {
	Key      string         // what an exact call must match; ignored when Match is set
	Match    func(any) bool // matches a call's description, when the script uses matchers
	Returns  any            // the answer
	Err      error          // when set, the call returns this error (bigfoot.Raises)
	Optional bool           // may stay unused
	// Script renders the entry as the Go code that registered it, for
	// messages, e.g. `bf.HTTP().Expect("GET", "https://x/1", ...)`; or
	// Render does, only when a message needs it (formatting on every Add
	// would cost the pass path).
	Script string
	Render func() string

	seq  uint64
	pc   uintptr
	used bool
}

// Site returns the file:line where the entry was registered.
func (e *Entry) Site() string { return SiteOf(e.pc) }

// ScriptText returns Script, or what Render renders.
func (e *Entry) ScriptText() string {
	if e.Script == "" && e.Render != nil {
		return e.Render()
	}
	return e.Script
}

type entryList struct {
	items []*Entry
	head  int // first entry that may be unused
}

// NewQueue returns a matched queue of one plugin on v, checked at VerifyAll.
func NewQueue(v *Verifier, spec *QueueSpec) *Queue {
	q := &Queue{v: v, spec: spec, byKey: map[string]*entryList{}}
	v.addScript(q)
	return q
}

// Add registers e with opts applied (Raises, Optional). pc is the
// registration site, from Caller. A misuse (Validate fails, or the
// verifier has been verified) is reported with Verifier.Misuse; the caller
// marks itself with v.Reporter().Helper() first, so the failure points at
// the test's line. It returns the added entry.
func (q *Queue) Add(e Entry, pc uintptr, opts ...StepOption) *Entry {
	raises, optional := ApplyOptions(opts)
	if raises != nil {
		e.Err = raises
	}
	e.Optional = e.Optional || optional
	if q.spec.Validate != nil && e.Err == nil {
		if err := q.spec.Validate(&e); err != nil {
			q.v.Reporter().Helper()
			q.v.Misuse(err)
			return nil
		}
	}
	ent := &e
	ent.pc = pc
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	ent.seq = q.seq
	q.all = append(q.all, ent)
	if ent.Match != nil {
		q.matched = append(q.matched, ent)
		return ent
	}
	l := q.byKey[ent.Key]
	if l == nil {
		l = &entryList{}
		q.byKey[ent.Key] = l
	}
	l.items = append(l.items, ent)
	return ent
}

// Take finds the first unused entry for a call with key (and description
// call, for entries with a Match function) and marks it used. Before
// marking it, and while still holding the queue, it calls record with the
// entry, so that the timeline keeps the order in which calls took their
// answers; an error from record leaves the entry unused. It returns nil
// when no entry matches (the caller reports the unmocked call). A panic in
// a Match function or in record is returned as a *PanicError.
func (q *Queue) Take(key string, call any, record func(*Entry) error) (ent *Entry, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			ent, err = nil, &PanicError{Plugin: q.spec.Plugin, Value: p, Stack: string(debug.Stack())}
		}
	}()
	var best *Entry
	if l := q.byKey[key]; l != nil {
		for l.head < len(l.items) && l.items[l.head].used {
			l.head++
		}
		if l.head < len(l.items) {
			best = l.items[l.head]
		}
	}
	for q.mhead < len(q.matched) && q.matched[q.mhead].used {
		q.mhead++
	}
	for _, e := range q.matched[q.mhead:] {
		if best != nil && e.seq > best.seq {
			break
		}
		if !e.used && e.Match(call) {
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
	return best, nil
}

// Unused returns the required entries not yet taken, in registration order.
func (q *Queue) Unused() []*Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*Entry
	for _, e := range q.all {
		if !e.used && !e.Optional {
			out = append(out, e)
		}
	}
	return out
}

// Pending returns the entries not yet taken, optional ones included, for
// an unmocked call's message (at most limit, and how many more).
func (q *Queue) Pending(limit int) ([]*Entry, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*Entry
	more := 0
	for _, e := range q.all {
		if e.used {
			continue
		}
		if len(out) < limit {
			out = append(out, e)
		} else {
			more++
		}
	}
	return out, more
}

func (q *Queue) finish() ([]UnusedStep, string) {
	var out []UnusedStep
	for _, e := range q.Unused() {
		out = append(out, UnusedStep{Plugin: q.spec.Plugin, Step: e.Key, Site: e.Site(), Script: e.ScriptText()})
	}
	return out, ""
}
