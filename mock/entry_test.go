package mock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/mock"
)

// An expectation with a matcher is registered through the kit's
// caller-owned entry and one static MatchEntry (core.Queue.AddEntry):
// it allocates nothing of its own, where a Match closure per expectation
// cost one allocation each. What remains is amortized chunk growth.
func TestMatcherExpectationAllocations(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	f := mock.Func(bf, &Get)
	var key any = "k" // boxed once: the test's own boxing is not the mock's cost
	any := bigfoot.Any()
	got := testing.AllocsPerRun(2000, func() { f.Expect(any, key) })
	// The expectations are never completed nor called: VerifyAll fails,
	// as it must, and releases Get for the other tests.
	if err := bf.VerifyAll(); err == nil {
		t.Errorf("VerifyAll() = nil; want the unused expectations reported")
	}
	t.Logf("%.2f allocations per expectation", got)
	if got >= 0.5 {
		t.Errorf("Expect(bigfoot.Any(), key) allocates %.2f times; want under 0.5 (no closure per expectation)", got)
	}
}

// Times adds entries of the kit's own beside the expectation's: each call
// they answer gets the expectation's results, and an unused one is
// reported with the expectation's script and site.
func TestTimesEntriesAnswerAndReport(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	f := mock.Func(bf, &Get)
	ctx := context.Background()
	f.Expect(bigfoot.Any(), "k").Returns("v", nil).Times(3)
	f.Expect(ctx, "exact").Returns("e", nil).Times(2)
	bf.Sandbox(func() {
		for range 2 {
			if v, err := Get(ctx, "k"); v != "v" || err != nil {
				t.Fatalf("Get(k) = %q, %v; want v, nil", v, err)
			}
		}
		if v, err := Get(ctx, "exact"); v != "e" || err != nil {
			t.Fatalf("Get(exact) = %q, %v; want e, nil", v, err)
		}
	})
	for _, k := range []string{"k", "k", "exact"} {
		if err := f.AssertCall(bigfoot.Any(), k); err != nil {
			t.Fatal(err)
		}
	}
	err := bf.VerifyAll()
	var unused *bigfoot.UnusedMocksError
	if !errors.As(err, &unused) || len(unused.Steps) != 2 {
		t.Fatalf("VerifyAll() = %v; want the two unused Times entries", err)
	}
	for i, want := range []string{`f.Expect(bigfoot.Any(), "k")`, `f.Expect(context.Background(), "exact")`} {
		s := unused.Steps[i]
		if !strings.Contains(s.Script, want[strings.Index(want, ".Expect"):]) || !strings.Contains(s.Site, "entry_test.go:") {
			t.Fatalf("unused step %d = %+v; want the script %s and this file's line", i, s, want)
		}
	}
}
