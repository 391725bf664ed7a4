package mock

// An expectation lives as long as its verifier (the script holds it until
// VerifyAll), so the typed calls that hold expectations are cut from
// chunks rather than allocated one by one: a long script costs an
// allocation per chunk, not per Expect. Chunks grow from slabFirst to
// slabMax elements, so that a test with a few expectations pays for a few.
const (
	slabFirst = 4
	slabMax   = 64
)

// slab hands out zero values of T from chunks. It has no lock of its
// own: its owner's lock guards it (the method's mu), which the owner
// holds anyway.
type slab[T any] struct {
	chunk []T // the current chunk: elements past len are free
}

// next returns a pointer to a new zero T. Call with the owner's lock held.
func (s *slab[T]) next() *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, min(max(2*cap(s.chunk), slabFirst), slabMax))
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}

// NewCall returns a new zero typed call T for method i of m: the
// generated Expect<Method> methods make their typed calls (which embed an
// Expectation) with it, so that a long script does not cost an allocation
// per expectation. A T lives as long as the verifier.
func NewCall[T any](m *Mock, i int) *T {
	mm := m.methods[i]
	mm.mu.Lock()
	defer mm.mu.Unlock()
	s, ok := mm.calls.(*slab[T])
	if !ok {
		s = &slab[T]{}
		mm.calls = s
	}
	return s.next()
}
