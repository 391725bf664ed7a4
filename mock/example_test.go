package mock_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/mock"
)

// The code under test reads the clock and the environment through
// variables, so that a test can swap them.
var (
	clockNow = time.Now
	getenv   = os.Getenv
	lookup   = func(host string) ([]string, error) { return nil, errors.New("no network in examples") }
)

func banner() string {
	return fmt.Sprintf("%s, %s", getenv("GREETING"), clockNow().Format("Mon 15:04"))
}

func ExampleFunc() {
	// In a test: bf := bigfoot.New(t), and VerifyAll runs at cleanup.
	bf := bigfoot.NewStrictVerifier()
	now := mock.Func(bf, &clockNow)
	env := mock.Func(bf, &getenv)
	now.Expect().Returns(time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC))
	env.Expect("GREETING").Returns("good morning")

	var got string
	bf.Sandbox(func() { got = banner() })

	env.AssertCall("GREETING")
	now.AssertCall()
	fmt.Println(got)
	fmt.Println(bf.VerifyAll())
	// Output:
	// good morning, Mon 09:30
	// <nil>
}

func ExampleCall_Raises() {
	bf := bigfoot.NewStrictVerifier()
	look := mock.Func(bf, &lookup)
	look.Expect("db.internal").Returns([]string{"10.0.0.7"}, nil)
	look.Expect(bigfoot.HasPrefix("cache.")).Raises(errors.New("no such host"))

	bf.Sandbox(func() {
		fmt.Println(lookup("db.internal"))
		fmt.Println(lookup("cache.internal"))
	})
	look.AssertCall("db.internal")
	look.AssertCall("cache.internal")
	fmt.Println(bf.VerifyAll())
	// Output:
	// [10.0.0.7] <nil>
	// [] no such host
	// <nil>
}

func ExampleFuncMock_AssertCall() {
	bf := bigfoot.NewStrictVerifier()
	env := mock.Func(bf, &getenv)
	env.Expect("HOME").Returns("/home/ada")
	bf.Sandbox(func() { getenv("HOME") })

	// A wrong assertion shows both calls as Go and the fix to paste.
	err := env.AssertCall("USER")
	fmt.Println(strings.Split(err.Error(), "\n")[1])
	fmt.Println(strings.TrimSpace(err.Error()[strings.LastIndex(err.Error(), "\n"):]))
	env.AssertCall("HOME")
	fmt.Println(bf.VerifyAll())
	// Output:
	//   expected: getenv("USER")
	// env.AssertCall("HOME")
	// <nil>
}

func ExampleSpy() {
	bf := bigfoot.NewStrictVerifier()
	up := mock.Spy(bf, &upper)
	var got string
	bf.Sandbox(func() { got = upper("abc") })
	up.AssertCall([]any{"abc"}, []any{"ABC"})
	fmt.Println(got, bf.VerifyAll())
	// Output:
	// ABC <nil>
}

var upper = strings.ToUpper
