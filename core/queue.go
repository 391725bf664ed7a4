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
	// would cost the pass path); failing both, Returns does, when it is a
	// ScriptRenderer (which costs no closure).
	Script string
	Render func() string

	seq  uint64
	pc   uintptr
	used bool
}

// Site returns the file:line where the entry was registered.
func (e *Entry) Site() string { return SiteOf(e.pc) }

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
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.entries) == cap(q.entries) {
		q.entries = make([]Entry, 0, chunk)
	}
	q.entries = append(q.entries, e)
	ent := &q.entries[len(q.entries)-1]
	ent.pc = pc
	q.seq++
	ent.seq = q.seq
	q.all = append(q.all, ent)
	if ent.Match != nil {
		q.matched = append(q.matched, ent)
		return ent
	}
	if l := q.byKey[ent.Key]; l != nil {
		l.more = append(l.more, ent)
		return ent
	}
	if len(q.lists) == cap(q.lists) {
		q.lists = make([]entryList, 0, chunk)
	}
	q.lists = append(q.lists, entryList{one: ent})
	q.byKey[ent.Key] = &q.lists[len(q.lists)-1]
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
	return q.take(q.byKey[key], call, record)
}

// TakeBytes is Take with the key in a caller's buffer: a plugin that
// builds the key of each call in scratch space looks it up without
// allocating a string.
func (q *Queue) TakeBytes(key []byte, call any, record func(*Entry) error) (ent *Entry, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.take(q.byKey[string(key)], call, record)
}

// take is Take's work on the key's list (nil for none). Call with q.mu held.
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
