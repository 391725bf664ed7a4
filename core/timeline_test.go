package core

import "testing"

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
