package core

import (
	"hash/maphash"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// Source identifies one kind of interaction (a plugin and a step, such as the
// socket plugin's "sendall") and declares the fields every assertion on it
// must name, in order.
type Source struct {
	Plugin string   // e.g. "socket"
	Name   string   // e.g. "sendall"
	Fields []string // e.g. ["data"]
	// GoExpr is how Go code names this source, e.g. "socket.Sendall"; it is
	// used in generated hints. Empty means Plugin + "." + Name.
	GoExpr string
	// Hint, if set, renders the typed assertion helper call that asserts an
	// interaction with these values, e.g. `bf.Socket().AssertSendall([]byte("x"))`.
	// It must return Go code that compiles.
	Hint func(values []Value) string
	// Describe, if set, renders the values for the one-line description of
	// an interaction in messages (the unasserted timeline), e.g. a header
	// as its keys and values; without it each value's GoString is shown.
	Describe func(values []Value) string
}

// Expr returns how Go code names the source.
func (s *Source) Expr() string {
	if s.GoExpr != "" {
		return s.GoExpr
	}
	return s.Plugin + "." + s.Name
}

// Interaction is one recorded call on the timeline.
type Interaction struct {
	Seq    uint64  // 1-based position on the verifier's timeline; read only
	Source *Source // what kind of call it was
	Values []Value // field values, in Source.Fields order
	// Whether it has been asserted is a bit of the timeline's (see
	// timeline.done), not a field: a bool here would pad every recorded
	// call by 8 bytes.
}

// Field returns the value of the named field, or nil if the source has no such field.
func (in *Interaction) Field(name string) any {
	for i, f := range in.Source.Fields {
		if f == name {
			return in.Values[i].Interface()
		}
	}
	return nil
}

// String describes the interaction for people: "#3 socket sendall data=[]byte("ping")".
func (in *Interaction) String() string {
	return "#" + strconv.FormatUint(in.Seq, 10) + " " + describe(in.Source, in.Values)
}

// Hint returns the Go assertion that asserts exactly this interaction.
func (in *Interaction) Hint() string {
	if in.Source.Hint != nil {
		return in.Source.Hint(in.Values)
	}
	return genericHint(in.Source, in.Values)
}

func describe(src *Source, values []Value) string {
	var b strings.Builder
	b.WriteString(src.Plugin)
	b.WriteByte(' ')
	b.WriteString(src.Name)
	if src.Describe != nil && len(values) == len(src.Fields) {
		b.WriteByte(' ')
		b.WriteString(src.Describe(values))
		return b.String()
	}
	for i, f := range src.Fields {
		b.WriteByte(' ')
		b.WriteString(f)
		b.WriteByte('=')
		if i < len(values) {
			b.WriteString(values[i].GoString())
		}
	}
	return b.String()
}

// genericHint renders a call of the generic assertion. values may be nil, in
// which case every field is shown as Any() (for hints about shape).
func genericHint(src *Source, values []Value) string {
	var b strings.Builder
	b.WriteString(names.Verifier)
	b.WriteString(".AssertInteraction(")
	b.WriteString(src.Expr())
	b.WriteString(", ")
	b.WriteString(names.Package)
	b.WriteString(".Fields{")
	for i, f := range src.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(f))
		b.WriteString(": ")
		if i < len(values) {
			b.WriteString(values[i].GoString())
		} else {
			b.WriteString(names.Package + ".Any()")
		}
	}
	b.WriteString("})")
	return b.String()
}

// Interactions live in chunks that never move. They grow geometrically,
// from a small first one (a verifier is made per test, and most tests
// record few interactions) to chunkSize: a test pays for about the
// interactions it records, never for a mostly empty chunk.
const (
	firstChunk  = 8
	chunkSize   = 256
	growChunks  = 6                                // chunks of firstChunk<<k, k < growChunks, before the fixed-size ones
	grownBefore = firstChunk * (1<<growChunks - 1) // interactions in the growing chunks
	firstValues = 8                                // values in the arena's first chunk
	maxValues   = 4 * chunkSize                    // values in its largest chunks
)

// timeline is the append-only record of interactions, with a cursor at the
// first unasserted one. Interactions live in chunks so that recording does
// not allocate per call and pointers to them stay valid.
type timeline struct {
	mu     sync.Mutex // guards every field below
	chunks [][]Interaction
	// chunksBuf is chunks' first storage, inline: the growing chunks
	// and two full ones (about 1 000 interactions) cost no
	// allocation for the list of them.
	chunksBuf [growChunks + 2][]Interaction
	n         int      // interactions recorded
	values    []Value  // arena from which Interaction.Values are cut
	done      []uint64 // bit i: interaction i (Seq i+1) has been asserted
	// doneBuf is done's first storage, inline: a test recording up to
	// 256 interactions pays no allocation for their bits.
	doneBuf [4]uint64
	cursor  int // index of the first interaction that may be unasserted
	// last is the chunk being filled, cut to the interactions recorded
	// in it, so that record finds its slot without chunkOf's arithmetic.
	last []Interaction
	// cchunk is the chunk that held the cursor when next last looked,
	// and cbase the index of its first interaction: next reads the
	// cursor's slot from it while the cursor stays inside.
	cchunk []Interaction
	cbase  int
	index  *anyIndex // built lazily by the first InAnyOrder assertion
}

// chunkOf returns the chunk holding interaction i and i's index in it:
// chunk k < growChunks holds firstChunk<<k interactions, the later ones
// chunkSize each.
func chunkOf(i int) (chunk, off int) {
	if i < grownBefore {
		k := bits.Len(uint(i/firstChunk+1)) - 1
		return k, i - firstChunk*(1<<k-1)
	}
	i -= grownBefore
	return growChunks + i/chunkSize, i % chunkSize
}

// asserted reports whether in, an interaction of t, has been asserted.
// Call with t.mu held.
func (t *timeline) asserted(in *Interaction) bool {
	i := in.Seq - 1
	return t.done[i/64]&(1<<(i%64)) != 0
}

// markAsserted marks in, an interaction of t, asserted. Call with t.mu held.
func (t *timeline) markAsserted(in *Interaction) {
	i := in.Seq - 1
	t.done[i/64] |= 1 << (i % 64)
}

func (t *timeline) at(i int) *Interaction {
	k, off := chunkOf(i)
	return &t.chunks[k][off]
}

// record appends an interaction. The caller's values are copied into the arena.
func (t *timeline) record(src *Source, values []Value) *Interaction {
	t.mu.Lock()
	if len(t.last) == cap(t.last) {
		// The chunk is full (or there is none yet): chunkOf(t.n) is
		// the next one's first slot.
		size := chunkSize
		if k, _ := chunkOf(t.n); k < growChunks {
			size = firstChunk << k
		}
		c := make([]Interaction, size)
		if t.chunks == nil {
			t.chunks = t.chunksBuf[:0]
		}
		t.chunks = append(t.chunks, c)
		t.last = c[:0]
	}
	t.last = t.last[:len(t.last)+1]
	in := &t.last[len(t.last)-1]
	if t.n%64 == 0 {
		if t.done == nil {
			t.done = t.doneBuf[:0]
		}
		t.done = append(t.done, 0)
	}
	t.n++
	in.Seq = uint64(t.n)
	in.Source = src
	if len(values) > 0 {
		if cap(t.values)-len(t.values) < len(values) {
			// The arena grows with the timeline: small for small tests.
			t.values = make([]Value, 0, max(min(2*cap(t.values), maxValues), firstValues, len(values)))
		}
		start := len(t.values)
		t.values = t.values[:start+len(values)]
		in.Values = t.values[start:len(t.values):len(t.values)]
		for i := range values {
			// Element by element: for a call's few values, cheaper
			// than the typed copy append makes of a slice with pointers.
			in.Values[i] = values[i]
		}
	}
	t.mu.Unlock()
	return in
}

// next returns the first unasserted interaction at or after the cursor,
// advancing the cursor past asserted ones (amortized O(1)). Call with t.mu held.
func (t *timeline) next() *Interaction {
	for t.cursor < t.n {
		off := t.cursor - t.cbase
		if off < 0 || off >= len(t.cchunk) {
			k, o := chunkOf(t.cursor)
			t.cchunk, t.cbase, off = t.chunks[k], t.cursor-o, o
		}
		in := &t.cchunk[off]
		if !t.asserted(in) {
			return in
		}
		t.cursor++
	}
	return nil
}

// remaining lists up to limit unasserted interactions from the cursor on, and
// how many more there are. Only failure paths call it. Call with t.mu held.
func (t *timeline) remaining(limit int) ([]*Interaction, int) {
	var out []*Interaction
	more := 0
	for i := t.cursor; i < t.n; i++ {
		in := t.at(i)
		if t.asserted(in) {
			continue
		}
		if len(out) < limit {
			out = append(out, in)
		} else {
			more++
		}
	}
	return out, more
}

// anyIndex finds unasserted interactions for InAnyOrder without rescanning
// the timeline: per source, a queue in timeline order, and for plain (exact)
// assertions a hash of the encoded field values leading to a chain of the
// interactions with that hash, in timeline order. A hash hit is confirmed
// with matchAll, so collisions cost time, never correctness.
type anyIndex struct {
	t        *timeline // whose interactions it indexes (for their asserted bits)
	upTo     int       // interactions [0, upTo) are indexed
	bySource map[*Source]*sourceQueue
	byHash   map[uint64]chain
	entries  []chainEntry
	keyBuf   []byte
	seed     maphash.Seed
}

type sourceQueue struct {
	items []*Interaction
	head  int
}

// chain is a linked list through anyIndex.entries; -1 ends it.
type chain struct{ head, tail int32 }

type chainEntry struct {
	in   *Interaction
	next int32
}

// extend indexes interactions recorded since the last call. Call with t.mu held.
func (t *timeline) extend() *anyIndex {
	x := t.index
	if x == nil {
		x = &anyIndex{t: t, bySource: map[*Source]*sourceQueue{}, byHash: map[uint64]chain{}, upTo: t.cursor, seed: maphash.MakeSeed()}
		t.index = x
	}
	for ; x.upTo < t.n; x.upTo++ {
		in := t.at(x.upTo)
		if t.asserted(in) {
			continue
		}
		q := x.bySource[in.Source]
		if q == nil {
			q = &sourceQueue{}
			x.bySource[in.Source] = q
		}
		q.items = append(q.items, in)
		if !exactKeyable(in.Values) {
			continue // only a scan (find's non-exact path) can match it
		}
		h := x.hash(in.Source, in.Values)
		e := int32(len(x.entries))
		x.entries = append(x.entries, chainEntry{in: in, next: -1})
		if c, ok := x.byHash[h]; ok {
			x.entries[c.tail].next = e
			x.byHash[h] = chain{head: c.head, tail: e}
		} else {
			x.byHash[h] = chain{head: e, tail: e}
		}
	}
	return x
}

func (x *anyIndex) hash(src *Source, values []Value) uint64 {
	b := x.keyBuf[:0]
	b = append(b, src.Plugin...)
	b = append(b, 0)
	b = append(b, src.Name...)
	b = append(b, 0)
	for _, v := range values {
		b = v.appendKey(b)
	}
	x.keyBuf = b
	return maphash.Bytes(x.seed, b)
}

// find returns the earliest unasserted interaction of src that want matches.
// Exact assertions follow their hash chain; assertions with matchers scan
// only the source's own queue, from its first unasserted entry.
func (x *anyIndex) find(src *Source, want []Value) *Interaction {
	if exactKeyable(want) {
		h := x.hash(src, want)
		c, ok := x.byHash[h]
		if !ok {
			return nil
		}
		// Drop asserted entries from the front so later lookups start past them.
		for c.head >= 0 && x.t.asserted(x.entries[c.head].in) {
			c.head = x.entries[c.head].next
		}
		if c.head < 0 {
			delete(x.byHash, h)
			return nil
		}
		x.byHash[h] = c
		for e := c.head; e >= 0; e = x.entries[e].next {
			if in := x.entries[e].in; !x.t.asserted(in) && in.Source == src && matchAll(want, in.Values) {
				return in
			}
		}
		return nil
	}
	q := x.bySource[src]
	if q == nil {
		return nil
	}
	for q.head < len(q.items) && x.t.asserted(q.items[q.head]) {
		q.head++
	}
	for _, in := range q.items[q.head:] {
		if !x.t.asserted(in) && matchAll(want, in.Values) {
			return in
		}
	}
	return nil
}

// exactKeyable reports whether values can be found by their encoded key.
// nil matches an empty []byte too, which a key cannot express; other types
// compare with reflect.DeepEqual, which a printed key does not agree with
// (pointers, NaN): those are found by scanning, as matchers are. The same
// test decides which recorded interactions are hashed, so an exact lookup
// never misses one.
func exactKeyable(values []Value) bool {
	for _, v := range values {
		if k := v.k(); k == kindMatcher || k == kindNil || k == kindOther || k == kindSnapshot {
			return false
		}
	}
	return true
}

func matchAll(want, got []Value) bool {
	for i := range want {
		w, g := &want[i], &got[i]
		// The commonest wanted values inline, as matches tests them:
		// Any(), and a string or an int (each by its kind and payload).
		switch w.k() {
		case kindMatcher:
			if w.typ == anyType {
				continue
			}
		case kindString:
			if g.meta != w.meta || w.str() != g.str() {
				return false
			}
			continue
		case kindInt:
			if g.meta != w.meta || g.n != w.n {
				return false
			}
			continue
		}
		if !w.matches(*g) {
			return false
		}
	}
	return true
}
