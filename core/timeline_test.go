package core

import (
	"testing"
	"unsafe"
)

// TestChunkOf checks chunkOf against the layout it computes, chunk after
// chunk: firstChunk<<k interactions in the growing chunks, chunkSize in
// the later ones, every index in exactly one place.
func TestChunkOf(t *testing.T) {
	i := 0
	for k := 0; k < growChunks+4; k++ {
		size := chunkSize
		if k < growChunks {
			size = firstChunk << k
		}
		for off := range size {
			if gk, goff := chunkOf(i); gk != k || goff != off {
				t.Fatalf("chunkOf(%d) = (%d, %d), want (%d, %d)", i, gk, goff, k, off)
			}
			i++
		}
	}
}

// TestTimelineRecordAcrossChunks records past every chunk boundary and
// checks that each interaction keeps its place, its values and its
// address (assertions hold pointers to interactions).
func TestTimelineRecordAcrossChunks(t *testing.T) {
	var tl timeline
	src := &Source{Plugin: "p", Name: "n", Fields: []string{"a", "b"}}
	const n = grownBefore + 3*chunkSize + 5
	ptrs := make([]*Interaction, n)
	for i := range n {
		ptrs[i] = tl.record(src, []Value{Int(i), String("x")})
	}
	if tl.n != n {
		t.Fatalf("recorded %d, want %d", tl.n, n)
	}
	for i := range n {
		in := tl.at(i)
		if in != ptrs[i] {
			t.Fatalf("interaction %d moved", i)
		}
		if in.Seq != uint64(i+1) || in.Source != src || len(in.Values) != 2 || in.Values[0].Interface() != i || cap(in.Values) != 2 {
			t.Fatalf("interaction %d = %+v", i, in)
		}
	}
	// The first chunks are small: a test that records one interaction
	// allocates room for few.
	var small timeline
	small.record(src, []Value{Int(1), Int(2)})
	if len(small.chunks[0]) != firstChunk || cap(small.values) != firstValues {
		t.Fatalf("first chunk %d interactions, arena %d values; want %d and %d", len(small.chunks[0]), cap(small.values), firstChunk, firstValues)
	}
}

func BenchmarkTimelineRecord(b *testing.B) {
	src := &Source{Plugin: "p", Name: "n", Fields: []string{"a", "b"}}
	for _, n := range []int{1, 100, 10_000} {
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var tl timeline
				for i := range n {
					tl.record(src, []Value{Int(i), String("x")})
				}
			}
		})
	}
}

// TestBytesValueRoundTrip checks that a []byte shares Value's words with
// the other kinds without losing anything: Interface gives back the slice
// (its data, length and capacity), nil stays nil, empty stays non-nil, and
// matching and rendering see the bytes.
func TestBytesValueRoundTrip(t *testing.T) {
	buf := make([]byte, 3, 10)
	copy(buf, "abc")
	got := Bytes(buf).Interface().([]byte)
	if &got[0] != &buf[0] || len(got) != 3 || cap(got) != 10 {
		t.Fatalf("Bytes(buf).Interface() = %q (len %d, cap %d), not buf", got, len(got), cap(got))
	}
	if b := Bytes(nil).Interface().([]byte); b != nil {
		t.Fatalf("Bytes(nil).Interface() = %#v, want nil", b)
	}
	if b := Bytes([]byte{}).Interface().([]byte); b == nil || len(b) != 0 {
		t.Fatalf("Bytes([]byte{}).Interface() = %#v, want []byte{}", b)
	}
	for _, c := range []struct {
		want, got Value
		match     bool
	}{
		{Bytes([]byte("abc")), Bytes(buf), true},
		{Bytes([]byte("abd")), Bytes(buf), false},
		{Bytes([]byte("abc")), String("abc"), false},
		{String("abc"), Bytes(buf), false},
		{Value{}, Bytes(nil), true},
		{Value{}, Bytes([]byte{}), true},
		{Value{}, Bytes(buf), false},
		{Bytes(nil), Bytes([]byte{}), true},
		{Bytes(nil), Value{}, false},
		{Int(0), Bytes(nil), false},
	} {
		if m := c.want.matches(c.got); m != c.match {
			t.Errorf("%s matches %s = %v, want %v", c.want.GoString(), c.got.GoString(), m, c.match)
		}
	}
	for _, c := range []struct {
		v    Value
		want string
	}{{Bytes(nil), "nil"}, {Bytes([]byte{}), `[]byte("")`}, {Bytes(buf), `[]byte("abc")`}} {
		if s := c.v.GoString(); s != c.want {
			t.Errorf("GoString() = %s, want %s", s, c.want)
		}
	}
	if k1, k2 := Bytes(nil).appendKey(nil), Bytes([]byte{}).appendKey(nil); string(k1) != string(k2) {
		t.Errorf("nil and empty []byte keys differ: %q, %q", k1, k2)
	}
	if k1, k2 := Bytes(buf).appendKey(nil), String("abc").appendKey(nil); string(k1) == string(k2) {
		t.Errorf("[]byte and string keys agree: %q", k1)
	}
}

// TestRecordedCallFootprint pins what one recorded call keeps until
// VerifyAll, besides its values: every plugin records through the
// timeline, so a long script pays it per call. The asserted flag is a bit
// of the timeline's, not a field that pads each interaction to 48 bytes.
func TestRecordedCallFootprint(t *testing.T) {
	if got := unsafe.Sizeof(Interaction{}); got > 40 {
		t.Fatalf("Interaction is %d bytes; want at most 40 (Seq, Source, Values)", got)
	}
	if got := unsafe.Sizeof(Entry{}); got > 104 {
		t.Fatalf("Entry is %d bytes; want at most 104 (used and seq share Optional's word)", got)
	}
}

// TestAssertedBitsAcrossWords asserts interactions in an order that
// crosses the bit words and chunks of the timeline, in order and in any
// order, and checks that exactly the unasserted ones are left.
func TestAssertedBitsAcrossWords(t *testing.T) {
	src := &Source{Plugin: "kv", Name: "get", Fields: []string{"n"}}
	v := New(nil)
	const n = 300
	for i := range n {
		v.Record(src, Int(i))
	}
	// In order: the first 70 (past one word of bits).
	for i := range 70 {
		if err := v.CheckValues(src, Int(i)); err != nil {
			t.Fatalf("assert %d in order: %v", i, err)
		}
	}
	// In any order: every third of the rest, from the end.
	v.InAnyOrder(func() {
		for i := n - 1; i >= 70; i-- {
			if i%3 == 0 {
				if err := v.CheckValues(src, Int(i)); err != nil {
					t.Fatalf("assert %d in any order: %v", i, err)
				}
			}
		}
		if err := v.CheckValues(src, Int(3)); err == nil {
			t.Fatalf("asserting #3 again succeeded; want a mismatch (it was asserted in order)")
		}
	})
	v.tl.mu.Lock()
	left, more := v.tl.remaining(n)
	v.tl.mu.Unlock()
	want := 0
	for i := 70; i < n; i++ {
		if i%3 != 0 {
			if want >= len(left) || left[want].Values[0].Interface() != i {
				t.Fatalf("unasserted #%d: got %v; want n=%d", want, left, i)
			}
			want++
		}
	}
	if len(left) != want || more != 0 {
		t.Fatalf("%d unasserted (and %d more); want %d", len(left), more, want)
	}
}
