package core

import "unsafe"

// The arena holds what a verifier keeps for its whole life and never
// changes: scripted bytes, canonical keys, recorded URLs. Cutting them
// from chunks rather than allocating each keeps the per-call cost of a
// plugin to a few allocations whatever its sizes, and the garbage
// collector scans one chunk instead of thousands of small objects.

// CopyBytes returns a copy of b cut from the verifier's arena, or nil
// when b is empty. The copy's capacity is its length, so appending to it
// cannot reach its neighbours. A plugin keeps scripted bytes this way,
// once the caller can no longer change them.
func (v *Verifier) CopyBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return v.copyBytes(b)
}

// String returns b as a string whose bytes are cut from the verifier's
// arena, for a key or a recorded value built in a caller's scratch buffer
// without an allocation of its own. Arena bytes are never written again,
// so the string is immutable as any other.
func (v *Verifier) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	c := v.copyBytes(b)
	return unsafe.String(unsafe.SliceData(c), len(c))
}

// reserve makes room for n bytes in the arena. Chunks grow from small
// (most tests keep a few short values) to arenaChunk. Call with arenaMu
// held.
func (v *Verifier) reserve(n int) {
	if cap(v.arena)-len(v.arena) < n {
		v.arena = make([]byte, 0, max(min(2*cap(v.arena), arenaChunk), 128, n))
	}
}
