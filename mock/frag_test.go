package mock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/mock"
)

// Pair is a function variable whose arguments an expectation with a
// matcher tests by their key fragments, kept back to back.
var Pair = func(ctx context.Context, a, b string, n int, x any) string { return "" }

// An expectation matched by scanning keeps its fields' key fragments back
// to back, without boundaries: a call whose fragments concatenate to the
// same bytes, split elsewhere, must not take it; one equal field by field
// must.
func TestFragmentsDoNotMatchAcrossFields(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		a, b    string
		n       int
		x       any
		answers bool
	}{
		{"equal", "a", "bc", 1, "s", true},
		{"split elsewhere", "ab", "c", 1, "s", false},
		{"same lengths, other bytes", "a", "bd", 1, "s", false},
		{"first field differs", "z", "bc", 1, "s", false},
		{"last field differs", "a", "bc", 1, "t", false},
		{"moved to the other end", "", "abc", 1, "s", false},
		{"int differs", "a", "bc", 12, "s", false},
		{"dynamic type differs", "a", "bc", 1, 1, false},
		{"nil against a string", "a", "bc", 1, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := bftest.New(t)
			var got string
			var err error
			ft.Run(func() {
				bf := bigfoot.New(ft)
				p := mock.Func(bf, &Pair)
				p.Expect(bigfoot.Any(), "a", "bc", 1, "s").Returns("hit").Optional()
				bf.Sandbox(func() { got = Pair(ctx, tc.a, tc.b, tc.n, tc.x) })
				if tc.answers {
					err = p.AssertCall(bigfoot.Any(), "a", "bc", 1, "s")
				}
			})
			if tc.answers {
				if got != "hit" || err != nil || ft.Failed() {
					t.Fatalf("Pair(%q, %q, %d, %#v) = %q (assert: %v); want the scripted answer\n%s", tc.a, tc.b, tc.n, tc.x, got, err, ft.All())
				}
				return
			}
			if got != "" {
				t.Fatalf("Pair(%q, %q, %d, %#v) = %q; want no answer", tc.a, tc.b, tc.n, tc.x, got)
			}
			contains(t, ft.All(), `unmocked mock call "Pair"`)
		})
	}
}

// Fields past the ones that keep a fragment, and values no fragment
// holds, are compared as values beside the fragments.
func TestFragmentsWithValuesAndWildcards(t *testing.T) {
	type point struct{ X, Y int }
	wide := func(a string, b any, c point, d, e, f, g, h, i string) string { return "" }
	bf := bigfoot.NewStrictVerifier()
	w := mock.Func(bf, &wide)
	w.Expect("a", bigfoot.Any(), point{1, 2}, "d", "e", "f", "g", "h", "i").Returns("first")
	w.Expect("a", bigfoot.Any(), point{1, 2}, "d", "e", "f", "g", "h", "j").Returns("second")
	var got []string
	bf.Sandbox(func() {
		got = append(got, wide("a", 1.5, point{1, 2}, "d", "e", "f", "g", "h", "j"))
		got = append(got, wide("a", "x", point{1, 2}, "d", "e", "f", "g", "h", "i"))
	})
	if len(got) != 2 || got[0] != "second" || got[1] != "first" {
		t.Fatalf("answers %q; want [second first]", got)
	}
	for _, last := range []string{"j", "i"} {
		if err := w.AssertCall("a", bigfoot.Any(), point{1, 2}, "d", "e", "f", "g", "h", last); err != nil {
			t.Fatal(err)
		}
	}
	if err := bf.VerifyAll(); err != nil {
		t.Fatal(err)
	}
	var unmocked *bigfoot.UnmockedInteractionError
	bf2 := bigfoot.NewStrictVerifier()
	w2 := mock.Func(bf2, &wide)
	w2.Expect("a", bigfoot.Any(), point{1, 2}, "d", "e", "f", "g", "h", "i").Returns("first").Optional()
	var err error
	func() {
		defer func() { _ = recover() }() // a manual verifier panics with the failure
		bf2.Sandbox(func() { _ = wide("a", nil, point{2, 1}, "d", "e", "f", "g", "h", "i") })
	}()
	if err = bf2.VerifyAll(); !errors.As(err, &unmocked) {
		t.Fatalf("VerifyAll = %v; want the unmocked call (the struct differs)", err)
	}
}
