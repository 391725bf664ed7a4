package mock_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/mock"
)

// The code under test calls these function variables, which tests swap.
var (
	Now   = time.Now
	Fetch = func(ctx context.Context, key string) (User, error) { return User{}, errors.New("real Fetch called") }
	Logf  = func(format string, args ...any) {}
	Sum   = func(xs ...int) int {
		n := 0
		for _, x := range xs {
			n += x
		}
		return n
	}
	Scale = func(n int64, f float32, d time.Duration) int64 { return n }
	Write = func(p []byte) (int, error) { return len(p), nil }
)

// User is a struct argument and result.
type User struct {
	ID   int
	Name string
	Tags []string
	Boss *User
}

// greeting is code under test.
func greeting(ctx context.Context, key string) string {
	u, err := Fetch(ctx, key)
	if err != nil {
		return "hello, stranger"
	}
	return fmt.Sprintf("hello, %s (at %s)", u.Name, Now().Format("15:04"))
}

func TestFuncScriptAndAssert(t *testing.T) {
	bf := bigfoot.New(t)
	now := mock.Func(bf, &Now)
	fetch := mock.Func(bf, &Fetch)
	t0 := time.Date(2025, time.March, 1, 9, 30, 0, 0, time.UTC)
	fetch.Expect(bigfoot.Any(), "u1").Returns(User{ID: 1, Name: "ada"}, nil)
	fetch.Expect(bigfoot.Any(), "u2").Raises(io.EOF)
	now.Expect().Returns(t0)

	var a, b string
	bf.Sandbox(func() {
		a = greeting(context.Background(), "u1")
		b = greeting(context.Background(), "u2")
	})
	if a != "hello, ada (at 09:30)" || b != "hello, stranger" {
		t.Fatalf("got %q, %q", a, b)
	}
	fetch.AssertCall(context.Background(), "u1")
	now.AssertCall()
	fetch.AssertCall(bigfoot.Any(), bigfoot.HasPrefix("u"))
}

func TestFuncIsRestoredAtCleanup(t *testing.T) {
	orig := fmt.Sprintf("%p", Fetch)
	t.Run("inner", func(t *testing.T) {
		bf := bigfoot.New(t)
		mock.Func(bf, &Fetch)
		if fmt.Sprintf("%p", Fetch) == orig {
			t.Fatal("Fetch was not swapped")
		}
	})
	if fmt.Sprintf("%p", Fetch) != orig {
		t.Fatal("Fetch was not restored after the test")
	}
	if _, err := Fetch(context.Background(), "x"); err == nil || err.Error() != "real Fetch called" {
		t.Fatalf("restored Fetch = %v", err)
	}
}

func TestFuncIsIdempotent(t *testing.T) {
	bf := bigfoot.New(t)
	a := mock.Func(bf, &Now)
	if b := mock.Func(bf, &Now); a != b {
		t.Fatal("a second mock.Func of one variable made a second double")
	}
}

func TestRaisesForms(t *testing.T) {
	bf := bigfoot.New(t)
	fetch := mock.Func(bf, &Fetch)
	boom := errors.New("boom")
	fetch.Expect(bigfoot.Any(), "a").Returns(User{ID: 7}, bigfoot.Raises(boom)) // partial result and the error
	fetch.Expect(bigfoot.Any(), "b", bigfoot.Raises(boom))                      // options at the end of Expect
	fetch.Expect(bigfoot.Any(), "c").With(bigfoot.Raises(boom))
	fetch.Expect(bigfoot.Any(), "d").Returns(User{ID: 9}, nil).Raises(boom)
	bf.Sandbox(func() {
		for _, k := range []string{"a", "b", "c", "d"} {
			u, err := Fetch(context.Background(), k)
			if !errors.Is(err, boom) {
				t.Errorf("Fetch(%s) err = %v", k, err)
			}
			if (k == "a" && u.ID != 7) || (k == "d" && u.ID != 9) || (k == "b" && u.ID != 0) {
				t.Errorf("Fetch(%s) = %+v", k, u)
			}
		}
	})
	for _, k := range []string{"a", "b", "c", "d"} {
		fetch.AssertCall(bigfoot.Any(), k)
	}
}

func TestOptionalTimesDoes(t *testing.T) {
	bf := bigfoot.New(t)
	fetch := mock.Func(bf, &Fetch)
	fetch.Expect(bigfoot.Any(), "opt").Returns(User{}, nil).Optional()
	fetch.Expect(bigfoot.Any(), "opt2", bigfoot.Optional()).Returns(User{}, nil)
	fetch.Expect(bigfoot.Any(), "x").Returns(User{Name: "x"}, nil).Times(3)
	fetch.Expect(bigfoot.Any(), bigfoot.Any()).Does(func(_ context.Context, key string) (User, error) {
		return User{Name: strings.ToUpper(key)}, nil
	})
	var names []string
	bf.Sandbox(func() {
		for _, k := range []string{"x", "x", "x", "dyn"} {
			u, _ := Fetch(context.Background(), k)
			names = append(names, u.Name)
		}
	})
	if strings.Join(names, ",") != "x,x,x,DYN" {
		t.Fatalf("names = %v", names)
	}
	for i := 0; i < 3; i++ {
		fetch.AssertCall(bigfoot.Any(), "x")
	}
	fetch.AssertCall(bigfoot.Any(), "dyn")
}

func TestEqualArgumentsTakeAnswersInOrder(t *testing.T) {
	bf := bigfoot.New(t)
	sum := mock.Func(bf, &Sum)
	sum.Expect(1, 2).Returns(10)
	sum.Expect(1, bigfoot.Any()).Returns(20) // registered later: taken after the exact one
	sum.Expect(1, 2).Returns(30)
	var got []int
	bf.Sandbox(func() {
		got = append(got, Sum(1, 2), Sum(1, 2), Sum(1, 2))
	})
	if fmt.Sprint(got) != "[10 20 30]" {
		t.Fatalf("got %v", got)
	}
	sum.AssertCall(1, 2)
	sum.AssertCall(1, 2)
	sum.AssertCall(1, bigfoot.Any())
}

func TestVariadicAndConstantConversions(t *testing.T) {
	bf := bigfoot.New(t)
	logf := mock.Func(bf, &Logf)
	scale := mock.Func(bf, &Scale)
	sum := mock.Func(bf, &Sum)
	logf.Expect("%d items", 3)
	logf.Expect("%s", bigfoot.Any())
	logf.Expect("none")
	scale.Expect(5, 1.5, 2*time.Second).Returns(10) // untyped constants fit int64, float32, and the result
	sum.Expect().Returns(0)
	bf.Sandbox(func() {
		Logf("%d items", 3)
		Logf("%s", "x")
		Logf("none")
		if n := Scale(5, 1.5, 2*time.Second); n != 10 {
			t.Errorf("Scale = %d", n)
		}
		Sum()
	})
	logf.AssertCall("%d items", 3)
	logf.AssertCall("%s", bigfoot.Contains("x"))
	logf.AssertCall("none")
	scale.AssertCall(int64(5), 1.5, 2*time.Second)
	sum.AssertCall()
}

func TestBytesAreCopied(t *testing.T) {
	bf := bigfoot.New(t)
	w := mock.Func(bf, &Write)
	w.Expect([]byte("abc")).Returns(3, nil)
	bf.Sandbox(func() {
		buf := []byte("abc")
		Write(buf)
		copy(buf, "xyz") // io.Writer's callers reuse their buffers
	})
	w.AssertCall([]byte("abc"))
}

func TestGoroutinesAndInAnyOrder(t *testing.T) {
	bf := bigfoot.New(t)
	sum := mock.Func(bf, &Sum)
	const n = 50
	for i := 0; i < n; i++ {
		sum.Expect(i).Returns(i * 2)
	}
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got := Sum(i); got != i*2 {
					t.Errorf("Sum(%d) = %d", i, got)
				}
			}()
		}
		wg.Wait()
	})
	bf.InAnyOrder(func() {
		for i := n - 1; i >= 0; i-- {
			sum.AssertCall(i)
		}
	})
}

func TestManualVerifier(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	fetch := mock.Func(bf, &Fetch)
	fetch.Expect(bigfoot.Any(), "u1").Returns(User{Name: "ada"}, nil)
	fetch.Expect(bigfoot.Any(), "never").Returns(User{}, nil)
	bf.Sandbox(func() { Fetch(context.Background(), "u1") })
	if err := fetch.AssertCall(bigfoot.Any(), "u2"); err == nil {
		t.Fatal("a wrong assertion passed")
	}
	if err := fetch.AssertCall(bigfoot.Any(), "u1"); err != nil {
		t.Fatal(err)
	}
	// A misuse panics with the typed error.
	func() {
		defer func() {
			var ae *mock.ArgumentError
			if p, _ := recover().(error); !errors.As(p, &ae) {
				t.Errorf("misuse panicked with %v", p)
			}
		}()
		fetch.Expect("too few")
	}()
	var unused *bigfoot.UnusedMocksError
	if err := bf.VerifyAll(); !errors.As(err, &unused) || !strings.Contains(err.Error(), "func_test.go:") {
		t.Fatalf("VerifyAll = %v", err)
	}
	if _, err := Fetch(context.Background(), "x"); err == nil || err.Error() != "real Fetch called" {
		t.Fatal("VerifyAll did not restore Fetch")
	}
}
