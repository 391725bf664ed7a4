package core

import (
	"errors"
	"testing"
)

// Validate sees the entry as added and its refusal is the misuse
// reported; a queue without Validate does not pay for it with an
// allocation per entry (handing Validate the parameter's address once
// moved every entry to the heap).
func TestQueueValidate(t *testing.T) {
	errBad := errors.New("Returns must be an int")
	v := New(nil)
	var seen []any
	q := NewQueue(v, &QueueSpec{Plugin: "kv", Validate: func(e *Entry) error {
		seen = append(seen[:0], e.Returns)
		if _, ok := e.Returns.(int); !ok {
			return errBad
		}
		return nil
	}})
	ent := q.Add(Entry{Key: "a", Returns: 1}, 0)
	if ent == nil || ent.Key != "a" || ent.Returns != 1 || len(seen) != 1 || seen[0] != 1 {
		t.Fatalf("Add(a) = %+v, Validate saw %v; want the entry, seen as given", ent, seen)
	}
	func() {
		defer func() {
			if p := recover(); p != errBad {
				t.Fatalf("Add of an invalid entry panicked with %v; want the Validate error (a manual verifier's misuse)", p)
			}
		}()
		q.Add(Entry{Key: "b", Returns: "x"}, 0)
	}()
	if got, _ := q.Take("b", nil, nil); got != nil {
		t.Fatalf("Take(b) = %+v; want nil: the refused entry must not be added", got)
	}
	plain := NewQueue(v, &QueueSpec{Plugin: "kv"})
	if allocs := testing.AllocsPerRun(1000, func() { plain.Add(Entry{Key: "c", Returns: 2}, 0) }); allocs >= 1 {
		t.Fatalf("Add allocates %.2f times per entry; want less than once (entries are cut from chunks)", allocs)
	}
}
