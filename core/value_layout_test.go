package core

import (
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"unsafe"
)

// Every expectation and recorded interaction holds one Value per field:
// it must stay four words.
func TestValueIsFourWords(t *testing.T) {
	if got, want := unsafe.Sizeof(Value{}), 4*unsafe.Sizeof(uintptr(0)); got != want {
		t.Fatalf("unsafe.Sizeof(Value{}) = %d; want %d", got, want)
	}
}

type boxedPoint struct{ X, Y int }

// The payloads live in words the collector scans as pointers: a Value
// must keep what it holds alive, whatever else drops it.
func TestValueKeepsItsPayloadAlive(t *testing.T) {
	const n = 200
	vals := make([]Value, 0, 4*n)
	caps := make([]int, n)
	for i := range n {
		s := "string-" + strconv.Itoa(i) // heap strings, each its own
		b := []byte("bytes-" + strconv.Itoa(i))
		b = append(b[:len(b):len(b)], '!') // a capacity past the length
		caps[i] = cap(b)
		vals = append(vals, String(s), Bytes(b[:len(b)-1]), ValueOf(&boxedPoint{i, -i}), ValueOf(Eq(s)))
	}
	for range 3 {
		runtime.GC()
	}
	garbage := make([][]byte, 0, 200)
	for i := range 200 {
		garbage = append(garbage, make([]byte, 64+i%64)) // reuse of freed memory would show
	}
	runtime.KeepAlive(garbage)
	for i := range n {
		s, b, p, m := vals[4*i], vals[4*i+1], vals[4*i+2], vals[4*i+3]
		ws := "string-" + strconv.Itoa(i)
		if got := s.Interface(); got != ws {
			t.Fatalf("String %d = %#v; want %q", i, got, ws)
		}
		bs := b.Interface().([]byte)
		if string(bs) != "bytes-"+strconv.Itoa(i) || cap(bs) != caps[i] {
			t.Fatalf("Bytes %d = %q (cap %d)", i, bs, cap(bs))
		}
		if got := p.Interface().(*boxedPoint); *got != (boxedPoint{i, -i}) {
			t.Fatalf("pointer %d = %+v", i, *got)
		}
		if !m.matches(String(ws)) || m.matches(String(ws+"x")) {
			t.Fatalf("matcher %d lost its want", i)
		}
	}
}

// Each kind round-trips through Interface, and the bytes keep nil apart
// from empty.
func TestValueRoundTrips(t *testing.T) {
	for _, x := range []any{nil, 0, -7, 1 << 62, "", "abc", true, false, []byte("x"), []byte{}, boxedPoint{1, 2}, 2.5} {
		v := ValueOf(x)
		if got := v.Interface(); !reflect.DeepEqual(got, x) {
			t.Errorf("ValueOf(%#v).Interface() = %#v", x, got)
		}
	}
	if got := Bytes(nil).Interface().([]byte); got != nil {
		t.Errorf("Bytes(nil) = %#v; want nil", got)
	}
	if got := Bytes([]byte{}).Interface().([]byte); got == nil {
		t.Error("Bytes([]byte{}) came back nil")
	}
	if !Int(3).matches(Int(3)) || Int(3).matches(Bool(true)) || Int(1).matches(Bool(true)) || String("1").matches(Int(1)) {
		t.Error("values of different kinds or payloads matched")
	}
}

// MatcherValue is ValueOf for a matcher, and IsAny knows Any() alone.
func TestMatcherValue(t *testing.T) {
	for _, m := range []Matcher{Any(), Eq(1), Contains("a"), Not(Any())} {
		a, b := MatcherValue(m), ValueOf(m)
		if a != b {
			t.Errorf("MatcherValue(%v) = %#v; ValueOf = %#v", m, a, b)
		}
		if got, want := a.IsAny(), m == Any(); got != want {
			t.Errorf("MatcherValue(%v).IsAny() = %v", m, got)
		}
	}
	if v := MatcherValue(nil); v != (Value{}) {
		t.Errorf("MatcherValue(nil) = %#v; want the nil Value", v)
	}
	if ValueOf("x").IsAny() || ValueOf(nil).IsAny() {
		t.Error("a plain value is Any()")
	}
	if !Any().(anyMatcher).isWildcard() || !ValueOf(Any()).isWildcard() || ValueOf(Eq(1)).isWildcard() {
		t.Error("isWildcard")
	}
	if !ValueOf(Any()).matches(ValueOf(boxedPoint{})) {
		t.Error("Any() refused a value")
	}
}

type testSnapshot struct{ n int }

func (s *testSnapshot) Materialize() any { return s.n }

type matcherSnapshot struct{ testSnapshot }

func (*matcherSnapshot) Matches(any) bool { return true }
func (*matcherSnapshot) String() string   { return "matcherSnapshot" }

// SnapshotValue is ValueOf for a snapshot.
func TestSnapshotValueIsValueOf(t *testing.T) {
	for _, s := range []Snapshot{&testSnapshot{3}, &matcherSnapshot{testSnapshot{4}}} {
		if a, b := SnapshotValue(s), ValueOf(s); a != b {
			t.Errorf("SnapshotValue(%#v) = %#v; ValueOf = %#v", s, a, b)
		}
	}
	if got := SnapshotValue(&testSnapshot{5}).Interface(); got != 5 {
		t.Errorf("SnapshotValue(...).Interface() = %#v; want the materialized 5", got)
	}
	if v := SnapshotValue(nil); v != (Value{}) {
		t.Errorf("SnapshotValue(nil) = %#v; want the nil Value", v)
	}
}
