package mock_test

import (
	"context"
	"errors"
	"go/parser"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/mock"
)

// The failure paths, through bigfoot's fake test.

func contains(t *testing.T, all string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("failure lacks %q:\n%s", w, all)
		}
	}
}

// fixOf returns the Go code on the line after "fix:" (the first one).
func fixOf(all string) string {
	_, rest, ok := strings.Cut(all, "fix:\n")
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(rest, "\n")
	return strings.TrimSpace(line)
}

func mustParse(t *testing.T, code string) {
	t.Helper()
	if code == "" {
		t.Error("no Go code to parse")
		return
	}
	if _, err := parser.ParseExpr(code); err != nil {
		t.Errorf("not Go: %v\n%s", err, code)
	}
}

func TestUnmockedCallFailsEvenWhenTheErrorIsDropped(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		fetch := mock.Func(bf, &Fetch)
		fetch.Expect(bigfoot.Any(), "u1").Returns(User{}, nil).Optional()
		bf.Sandbox(func() { _, err = Fetch(context.Background(), "u9") })
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) {
		t.Fatalf("Fetch returned %v", err)
	}
	all := ft.All()
	contains(t, all, `unmocked mock call "Fetch": Fetch(context.Background(), "u9")`,
		`fetch.Expect(bigfoot.Any(), "u1") (registered at`, `fail_test.go:`,
		`fetch.Expect(context.Background(), "u9").Returns(User{}, nil)`)
	mustParse(t, fixOf(all))
}

func TestUnmockedCallFailsEvenWhenThePanicIsRecovered(t *testing.T) {
	ft := bftest.New(t)
	var got int
	ft.Run(func() {
		bf := bigfoot.New(ft)
		mock.Func(bf, &Sum)
		bf.Sandbox(func() {
			func() {
				defer func() { _ = recover() }() // code that swallows panics
				got = Sum(1, 2)
			}()
		})
	})
	if got != 0 {
		t.Errorf("unscripted Sum returned %d, not the zero value", got)
	}
	contains(t, ft.All(), `unmocked mock call "Sum": Sum(1, 2)`, `mock.Func(bf, &Sum).Expect(1, 2).Returns(0)`)
	if len(ft.Errors()) == 0 {
		t.Error("the test did not fail")
	}
}

func TestCallOutsideTheSandboxIsRefused(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		fetch := mock.Func(bf, &Fetch)
		fetch.Expect(bigfoot.Any(), "u1").Returns(User{}, nil).Optional()
		_, err = Fetch(context.Background(), "u1")
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(err, &guarded) {
		t.Fatalf("Fetch outside the sandbox returned %v", err)
	}
	contains(t, ft.All(), `mock call to Fetch(context.Background(), "u1") refused: no sandbox is open`, "bf.Sandbox(func() {")
}

func TestExpectChecksArgumentsAgainstTheSignature(t *testing.T) {
	cases := []struct {
		name  string
		run   func(bf *bigfoot.StrictVerifier)
		wants []string
	}{
		{"count", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Fetch).Expect("u1") },
			[]string{`Fetch: Expect was given 1 argument(s); the function takes 2 argument(s)`,
				"signature: func(context.Context, string) (User, error)", `mock.Func(bf, &Fetch).Expect(bigfoot.Any(), "").Returns(User{}, nil)`}},
		{"type", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Fetch).Expect(bigfoot.Any(), 42) },
			[]string{`Fetch: Expect's argument 2 (string) is a int (42); want a string`}},
		{"not an integer", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Scale).Expect(1.5, 1.5, 0) },
			[]string{`Scale: Expect's argument 1 (int64) is a float64 (1.5); want a int64`}},
		{"variadic element", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Sum).Expect(1, "two") },
			[]string{`Sum: Expect's argument 2 (variadic int) is a string ("two")`}},
		{"results count", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Fetch).Expect(bigfoot.Any(), "k").Returns(User{}) },
			[]string{`Fetch: Returns was given 1 result(s); the function returns 2 result(s)`}},
		{"result type", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Fetch).Expect(bigfoot.Any(), "k").Returns("ada", nil) },
			[]string{`Fetch: Returns's result 1 (User) is a string ("ada"); want a User`}},
		{"raises without error result", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Sum).Expect(1).Raises(errors.New("x")) },
			[]string{`Sum: Raises was given bigfoot.Raises(err); Raises needs a function whose last result is an error, and this one has last result int`}},
		{"assertion", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Sum).AssertCall("x") },
			[]string{`Sum: AssertCall's argument 1 (variadic int) is a string ("x")`, "mock.Func(bf, &Sum).AssertCall()"}},
		{"times", func(bf *bigfoot.StrictVerifier) { mock.Func(bf, &Sum).Expect(1).Returns(1).Times(0) },
			[]string{"Times needs a count of at least 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() { c.run(bigfoot.New(ft)) })
			if len(ft.Fatals()) != 1 {
				t.Fatalf("want one fatal failure at the misuse, got:\n%s", ft.All())
			}
			contains(t, ft.Fatals()[0], c.wants...)
			mustParse(t, fixOf(ft.Fatals()[0]))
		})
	}
}

func TestIncompleteExpectation(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		fetch := mock.Func(bf, &Fetch)
		fetch.Expect(bigfoot.Any(), "u1") // no Returns
		bf.Sandbox(func() { _, err = Fetch(context.Background(), "u1") })
		fetch.AssertCall(bigfoot.Any(), "u1")
	})
	var inc *mock.IncompleteExpectationError
	if !errors.As(err, &inc) {
		t.Fatalf("Fetch returned %v", err)
	}
	contains(t, ft.All(), `took the expectation fetch.Expect(bigfoot.Any(), "u1")`, "which has no Returns",
		`fetch.Expect(context.Background(), "u1").Returns(User{}, nil)`)
}

func TestUnassertedAndUnusedNameTheTestsLines(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		fetch := mock.Func(bf, &Fetch)
		logf := mock.Func(bf, &Logf)
		fetch.Expect(bigfoot.Any(), "u1").Returns(User{ID: 1}, nil)
		fetch.Expect(bigfoot.Any(), "never").Returns(User{}, nil)
		logf.Expect("%d of %s", 2, bigfoot.Any())
		bf.Sandbox(func() {
			Fetch(context.Background(), "u1")
			Logf("%d of %s", 2, "x")
		})
	})
	all := ft.All()
	contains(t, all, "2 recorded interaction(s) were never asserted",
		`fetch.AssertCall(context.Background(), "u1")`, `logf.AssertCall("%d of %s", 2, "x")`,
		`mock: fetch.Expect(bigfoot.Any(), "never") registered at `, "fail_test.go:")
	_, hints, _ := strings.Cut(all, "in this order:\n")
	for _, line := range strings.Split(hints, "\n")[:2] {
		mustParse(t, strings.TrimSpace(line))
	}
}

func TestMismatchShowsGoValuesAndAFieldDiff(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		save := mock.Func(bf, &Save)
		save.Expect(bigfoot.Any()).Returns(nil)
		bf.Sandbox(func() {
			Save(&User{ID: 1, Name: "ada", Tags: []string{"a", "b"}, Boss: &User{Name: "grace"}})
		})
		save.AssertCall(&User{ID: 1, Name: "ada", Tags: []string{"a", "c"}, Boss: &User{Name: "gracie"}})
	})
	all := ft.Fatals()[0]
	contains(t, all,
		`expected: Save(&User{ID: 1, Name: "ada", Tags: []string{"a", "c"}, Boss: &User{Name: "gracie"}})`,
		`actual:   #1 mock Save(&User{ID: 1, Name: "ada", Tags: []string{"a", "b"}, Boss: &User{Name: "grace"}})`,
		"arg0 (*User), differing in .Tags[1]", `- "c"`, `+ "b"`, ".Boss.Name (first difference at byte 4)",
		`save.AssertCall(&User{ID: 1, Name: "ada", Tags: []string{"a", "b"}, Boss: &User{Name: "grace"}})`)
	mustParse(t, fixOf(all))
	var mm *bigfoot.InteractionMismatchError
	if err := errors.New(all); errors.As(err, &mm) {
		t.Fatal("unreachable")
	}
}

// Save takes a pointer, for diffs through it.
var Save = func(u *User) error { return nil }

func TestMismatchErrorWrapsTheCoreOne(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	sum := mock.Func(bf, &Sum)
	sum.Expect(1).Returns(1)
	bf.Sandbox(func() { Sum(1) })
	err := sum.AssertCall(2)
	var cm *mock.CallMismatchError
	var mm *bigfoot.InteractionMismatchError
	if !errors.As(err, &cm) || !errors.As(err, &mm) {
		t.Fatalf("AssertCall = %#v", err)
	}
	if err := sum.AssertCall(1); err != nil {
		t.Fatal(err)
	}
	if err := bf.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

func TestTwoVerifiersCannotSwapOneVariable(t *testing.T) {
	first := bigfoot.NewStrictVerifier()
	mock.Func(first, &Sum)
	ft := bftest.New(t)
	ft.Run(func() { mock.Func(bigfoot.New(ft), &Sum) })
	contains(t, ft.All(), "Sum is already swapped by mock.Func in a manual verifier (at ", "fail_test.go:", "Remove t.Parallel()")
	var am *mock.AlreadyMockedError
	func() {
		defer func() {
			if p, _ := recover().(error); !errors.As(p, &am) {
				t.Errorf("Spy after Func panicked with %v", p)
			}
		}()
		mock.Spy(first, &Sum)
	}()
	if err := first.VerifyAll(); err != nil {
		t.Fatal(err)
	}
	// Verified, the first verifier let go of it.
	second := bigfoot.NewStrictVerifier()
	mock.Func(second, &Sum)
	second.VerifyAll()
}

func TestTargetMustBeAFunctionVariable(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		var n int
		mock.Func(bigfoot.New(ft), &n)
	})
	contains(t, ft.All(), "mock.Func: the target must be a pointer to a function variable; got a *int")
	ft = bftest.New(t)
	ft.Run(func() {
		var f func()
		mock.Spy(bigfoot.New(ft), &f)
	})
	contains(t, ft.All(), "mock.Spy: the variable holds nil: there is no function to call through to")
}
