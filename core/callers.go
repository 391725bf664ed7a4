package core

import (
	"runtime"
	"sync/atomic"
)

// Registration sites are kept as program counters (DESIGN §15), and every
// Expect of every plugin takes one, so taking it must cost nanoseconds,
// not the few hundred runtime.Callers spends unwinding with its tables.
// Where frame pointers can be walked (amd64), Caller reads the return
// addresses of the physical frames above it, which take a handful of
// loads, and looks up the logical program counter runtime.Callers would
// give for exactly those frames in a small cache; only a miss (a call
// site seen for the first time, or a collision) pays for runtime.Callers.
// The answer is a function of the physical frames: inlining decides how
// they expand into logical frames at compile time, so equal physical
// frames always expand alike.

// callerKeyLen bounds the skip that takes the fast path: Caller(skip)
// needs skip+2 physical frames to cover the logical frame it returns
// (each physical frame holds at least one logical frame).
const callerKeyLen = 4

// callerSite is one cached answer of Caller.
type callerSite struct {
	key [callerKeyLen]uintptr // physical return addresses; unused tail is 0
	pc  uintptr               // what runtime.Callers gave for key
}

// callerCache is direct-mapped: a slot holds the last answer stored for
// its hash. Entries are immutable once stored, so readers need no lock.
var callerCache [1 << 10]atomic.Pointer[callerSite]

func callerSlot(key *[callerKeyLen]uintptr) *atomic.Pointer[callerSite] {
	return &callerCache[hashPCs(0, key[:])&uint64(len(callerCache)-1)]
}

// hashPCs hashes program counters for the direct-mapped caches (FNV-1a
// over words, then a fold of the high bits into the low ones the slot
// index uses).
func hashPCs(seed uint64, pcs []uintptr) uint64 {
	h := seed
	for _, pc := range pcs {
		h = (h ^ uint64(pc)) * 0x100000001b3
	}
	return h ^ h>>29
}

// Caller returns the program counter of the caller skip frames above the
// function calling Caller (0: that function's caller), to keep as a
// registration site: turning it into file:line is paid only on failure,
// by SiteOf. It is the program counter runtime.Callers(skip+2, ...) would
// give the calling function.
//
//go:noinline
func Caller(skip int) uintptr {
	if haveFramePCs && skip >= 0 && skip+2 <= callerKeyLen {
		var key [callerKeyLen]uintptr
		if n := framePCs(key[:skip+2]); n == skip+2 {
			slot := callerSlot(&key)
			if e := slot.Load(); e != nil && e.key == key {
				return e.pc
			}
			var pcs [1]uintptr
			if runtime.Callers(skip+3, pcs[:]) == 1 {
				slot.Store(&callerSite{key: key, pc: pcs[0]})
			}
			return pcs[0]
		}
	}
	var pcs [1]uintptr
	runtime.Callers(skip+3, pcs[:])
	return pcs[0]
}

// stackCache interns stacks by their program counters, as callerCache
// does for single sites: a plugin that keeps a stack per call (where each
// response body was asked for) keeps one pointer, not 24 words, and the
// same call site repeated a thousand times is one Stack.
var stackCache [1 << 10]atomic.Pointer[Stack]

// SharedStack returns the stack of its caller, as CaptureStack does, as
// a pointer to an interned, immutable Stack: equal stacks share one.
//
//go:noinline
func SharedStack() *Stack {
	var st Stack
	if haveFramePCs {
		st.n = framePCs(st.pcs[:])
	} else {
		st.n = runtime.Callers(2, st.pcs[:])
	}
	slot := &stackCache[hashPCs(uint64(st.n), st.pcs[:st.n])&uint64(len(stackCache)-1)]
	if s := slot.Load(); s != nil && *s == st {
		return s
	}
	s := new(Stack)
	*s = st
	slot.Store(s)
	return s
}
