package mock_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/mock"
)

// Get is a function variable for the tests of long scripts.
var Get = func(ctx context.Context, key string) (string, error) { return "", nil }

// scriptKeys returns n distinct keys of varied lengths, one of them longer
// than a chunk of the script's key storage.
func scriptKeys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = "key-" + strconv.Itoa(i) + strings.Repeat("x", i%37)
	}
	ks[n/2] = strings.Repeat("long", 3000)
	return ks
}

// A long script crosses the boundaries of every chunk the script is cut
// from (segments, typed calls, key bytes): each call must still take its
// own expectation, in order and out of order, with matchers and without.
func TestLongScriptAnswersEveryCall(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reverse bool
		match   bool
	}{
		{"in order, exact", false, false},
		{"reversed, exact", true, false},
		{"in order, matchers", false, true},
		{"reversed, matchers", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := scriptKeys(300)
			bf := bigfoot.NewStrictVerifier()
			f := mock.Func(bf, &Get)
			ctx := context.Background()
			for i, k := range ks {
				if tc.match {
					f.Expect(bigfoot.Any(), k).Returns("v"+strconv.Itoa(i), nil)
				} else {
					f.Expect(ctx, k).Returns("v"+strconv.Itoa(i), nil)
				}
			}
			order := make([]int, len(ks))
			for i := range order {
				order[i] = i
				if tc.reverse {
					order[i] = len(ks) - 1 - i
				}
			}
			bf.Sandbox(func() {
				for _, i := range order {
					if v, err := Get(ctx, ks[i]); v != "v"+strconv.Itoa(i) || err != nil {
						t.Fatalf("Get(%.20q) = %q, %v; want %q, nil", ks[i], v, err, "v"+strconv.Itoa(i))
					}
				}
			})
			for _, i := range order {
				if err := f.AssertCall(bigfoot.Any(), ks[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := bf.VerifyAll(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type ctxKey struct{}

// Calls copy their values for matching only once some expectation's
// matcher reads them: an expectation with such a matcher registered after
// calls that needed no values must still see the next call's values.
func TestMatcherRegisteredAfterCallsSeesValues(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	f := mock.Func(bf, &Get)
	plain := context.Background()
	tagged := context.WithValue(plain, ctxKey{}, "tag")
	f.Expect(bigfoot.Any(), "a").Returns("first", nil)
	bf.Sandbox(func() {
		if v, _ := Get(plain, "a"); v != "first" {
			t.Fatalf("Get(a) = %q, want first", v)
		}
	})
	f.Expect(bigfoot.Satisfies("is tagged", func(ctx context.Context) bool { return ctx.Value(ctxKey{}) == "tag" }), "b").Returns("tagged", nil)
	bf.Sandbox(func() {
		if v, err := Get(plain, "b"); err == nil {
			t.Fatalf("Get(untagged, b) = %q, nil; want the unmocked call's error", v)
		}
		if v, err := Get(tagged, "b"); v != "tagged" || err != nil {
			t.Fatalf("Get(tagged, b) = %q, %v; want tagged, nil", v, err)
		}
	})
	for _, k := range []string{"a", "b"} { // the unmocked call is not recorded
		if err := f.AssertCall(bigfoot.Any(), k); err != nil {
			t.Fatal(err)
		}
	}
	err := bf.VerifyAll()
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) {
		t.Fatalf("VerifyAll() = %v; want the unmocked untagged call among its failures", err)
	}
}

// maxAllocsPerCall bounds what one scripted call of a function variable
// costs in allocations, expected, made and asserted (with a sandbox around
// the call), so that the per-call budget of DESIGN §15 does not creep
// back: 3 since expectations embed their queue entries and match through
// one static function (core.Queue.AddEntry, core.Entry.MatchEntry; 5
// before), of which reflect's call through the swapped variable makes 2
// and the sandbox 1.
const maxAllocsPerCall = 3

func TestScriptedCallAllocations(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	f := mock.Func(bf, &Get)
	ctx := context.Background()
	var key any = "k" // boxed once: the test's own boxing is not the mock's cost
	call := func() { Get(ctx, "k") }
	got := testing.AllocsPerRun(500, func() {
		f.Expect(bigfoot.Any(), key).Returns("v", nil)
		bf.Sandbox(call)
		if err := f.AssertCall(bigfoot.Any(), key); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.1f allocations per call", got)
	if got > maxAllocsPerCall {
		t.Errorf("one expected, made and asserted call allocates %.1f times; want at most %d", got, maxAllocsPerCall)
	}
	if err := bf.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}
