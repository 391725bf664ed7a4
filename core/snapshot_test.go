package core

import (
	"strings"
	"testing"
)

// pairSnapshot stands for a map[string]int, as a plugin's compact form.
type pairSnapshot struct {
	k string
	n int
}

func (p *pairSnapshot) Materialize() any { return map[string]int{p.k: p.n} }

// pairEq matches pairSnapshots without materializing them, and counts how
// often it had to look at a materialized value.
type pairEq struct {
	want         map[string]int
	materialized *int
}

func (m pairEq) Matches(x any) bool {
	*m.materialized++
	got, ok := x.(map[string]int)
	return ok && len(got) == len(m.want) && got["a"] == m.want["a"]
}
func (m pairEq) String() string { return "pairEq" }
func (m pairEq) MatchesSnapshot(s Snapshot) bool {
	p, ok := s.(*pairSnapshot)
	return ok && len(m.want) == 1 && m.want[p.k] == p.n
}

func TestSnapshotValue(t *testing.T) {
	snap := ValueOf(&pairSnapshot{"a", 1})
	if got, ok := snap.Interface().(map[string]int); !ok || got["a"] != 1 {
		t.Fatalf("Interface: %#v", snap.Interface())
	}
	if g := snap.GoString(); g != `map[string]int{"a":1}` {
		t.Errorf("GoString: %s", g)
	}
	n := 0
	if !ValueOf(pairEq{map[string]int{"a": 1}, &n}).matches(snap) || n != 0 {
		t.Errorf("a SnapshotMatcher: matched=false or materialized %d times", n)
	}
	if ValueOf(pairEq{map[string]int{"a": 2}, &n}).matches(snap) {
		t.Error("a SnapshotMatcher matched a different snapshot")
	}
	// Plain values and foreign matchers see the materialized value.
	if !ValueOf(map[string]int{"a": 1}).matches(snap) || ValueOf(map[string]int{"a": 2}).matches(snap) {
		t.Error("a plain value does not compare with the materialized snapshot")
	}
	if !ValueOf(Satisfies("has a", func(m map[string]int) bool { return m["a"] == 1 })).matches(snap) {
		t.Error("a foreign matcher did not get the materialized value")
	}
	key := string(snap.appendKey(nil))
	if want := string(ValueOf(map[string]int{"a": 1}).appendKey(nil)); key != want {
		t.Errorf("appendKey: %q, want the plain value's %q", key, want)
	}
	if exactKeyable([]Value{snap}) {
		t.Error("a snapshot is hashed for InAnyOrder lookups; it must be scanned")
	}
	if !strings.Contains(snap.String(), `"a":1`) {
		t.Errorf("String: %s", snap.String())
	}
}
