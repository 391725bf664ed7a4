package mock

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// A slab hands out distinct zero values, across chunk boundaries and
// from goroutines at once.
func TestSlabHandsOutDistinctZeroValues(t *testing.T) {
	type call struct {
		n    int
		name string
	}
	var s slab[call]
	var mu sync.Mutex // guards s, as a method's lock guards its slab
	const perG, goroutines = 300, 4
	got := make([][]*call, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perG {
				mu.Lock()
				c := s.next()
				mu.Unlock()
				if *c != (call{}) {
					t.Errorf("next() = %+v; want a zero value", *c)
				}
				c.n, c.name = g*perG+i, "c"+strconv.Itoa(i)
				got[g] = append(got[g], c)
			}
		}()
	}
	wg.Wait()
	seen := map[*call]bool{}
	for g, cs := range got {
		for i, c := range cs {
			if seen[c] {
				t.Fatalf("next() handed out %p twice", c)
			}
			seen[c] = true
			if c.n != g*perG+i || c.name != "c"+strconv.Itoa(i) {
				t.Fatalf("value %d of goroutine %d = %+v; another next() wrote over it", i, g, *c)
			}
		}
	}
}

// NewCall keeps one slab per method and type.
func TestNewCallPerMethod(t *testing.T) {
	v := core.New(nil)
	m := NewMock(v, Spec{Interface: "x.I", Constructor: "NewMockI", Methods: []MethodSpec{{Name: "A"}, {Name: "B"}}})
	a1, a2 := NewCall[[2]int](m, 0), NewCall[[2]int](m, 0)
	b1 := NewCall[[2]int](m, 1)
	if a1 == a2 || a1 == b1 || a2 == b1 {
		t.Fatalf("NewCall handed out one value twice: %p %p %p", a1, a2, b1)
	}
	if m.methods[0].calls == m.methods[1].calls {
		t.Fatal("two methods share one slab")
	}
}

// keep returns strings equal to the bytes it was given, which later
// writes to the caller's buffer do not change, small or large.
func TestKeepCopiesOutOfTheCallersBuffer(t *testing.T) {
	m := &method{}
	var kept []string
	var want []string
	buf := make([]byte, 0, 64)
	for i := range 2000 {
		s := "k" + strconv.Itoa(i) + strings.Repeat("y", i%50)
		if i%500 == 0 {
			s = strings.Repeat("z", arenaMax) // past the arena's largest cut
		}
		buf = append(buf[:0], s...)
		kept = append(kept, m.keep(buf))
		want = append(want, s)
		for j := range buf {
			buf[j] = '!'
		}
	}
	for i := range kept {
		if kept[i] != want[i] {
			t.Fatalf("keep #%d = %.20q; want %.20q", i, kept[i], want[i])
		}
	}
	if got := m.keep(nil); got != "" {
		t.Fatalf("keep(nil) = %q; want \"\"", got)
	}
}

// A key's encoding and fragments do not depend on whether they were
// written in place (short keys) or past the inline buffer.
func TestKeyEncodingAcrossTheInlineBuffer(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 11, 20, 40, 41, 42, 43, 60, 63, 64, 65, 99, 100, 200} {
		s1 := strings.Repeat("a", n)
		s2 := strings.Repeat("b", 64-n%64)
		var k Key
		k.String(s1)
		k.Int(-1234567890123)
		k.Bool(true)
		k.Any("x")
		k.String(s2)
		k.Uint(42)
		frags := []string{
			"s" + strconv.Itoa(len(s1)) + ":" + s1,
			"i-1234567890123;",
			"T",
			"S1:x",
			"s" + strconv.Itoa(len(s2)) + ":" + s2,
			"u42;",
		}
		key, keyed := k.key()
		if !keyed || key != strings.Join(frags, "") {
			t.Fatalf("n=%d: key() = %q, %v; want %q, true", n, key, keyed, strings.Join(frags, ""))
		}
		for i, f := range frags {
			if got, ok := k.fragBytes(i); !ok || string(got) != f {
				t.Fatalf("n=%d: fragment %d = %q, %v; want %q", n, i, got, ok, f)
			}
		}
	}
}
