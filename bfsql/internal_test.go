package bfsql

import "testing"

// TestKindOfAgreesWithKindNames checks the switch in kindOf against the
// names the messages print, both ways.
func TestKindOfAgreesWithKindNames(t *testing.T) {
	for k := range numKinds {
		got, ok := kindOf(k.String())
		if !ok || got != k {
			t.Errorf("kindOf(%q) = %v, %v; want %v", k.String(), got, ok, k)
		}
	}
	for _, name := range []string{"", "Query", "select", "commit ", "tx"} {
		if k, ok := kindOf(name); ok {
			t.Errorf("kindOf(%q) = %v; want no kind", name, k)
		}
	}
}

// TestSlabHandsOutDistinctStableValues checks that the slab never hands
// out a value twice and never moves one it handed out, across blocks.
func TestSlabHandsOutDistinctStableValues(t *testing.T) {
	var s slab[int]
	seen := map[*int]bool{}
	var all []*int
	for i := range 500 {
		p := s.next()
		if seen[p] {
			t.Fatalf("value %d handed out twice", i)
		}
		if *p != 0 {
			t.Fatalf("value %d is not zero: %d", i, *p)
		}
		seen[p] = true
		*p = i
		all = append(all, p)
	}
	for i, p := range all {
		if *p != i {
			t.Fatalf("value %d changed to %d", i, *p)
		}
	}
	if s.size != 64 {
		t.Fatalf("blocks grew to %d values, want 64", s.size)
	}
}
