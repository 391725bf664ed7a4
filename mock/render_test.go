package mock_test

import (
	"context"
	"errors"
	"go/parser"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/mock"
)

type Named string

type Node struct {
	Val  int
	Next *Node
}

type Mixed struct {
	When  time.Time
	Every time.Duration
	Err   error
	Any   any
	Ptr   *int
	M     map[string]int
	Fn    func()
	hide  string
}

func TestGoStringRendersGo(t *testing.T) {
	n := 5
	cyc := &Node{Val: 1}
	cyc.Next = cyc
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cases := []struct {
		in   any
		want string
	}{
		{nil, "nil"},
		{42, "42"},
		{int64(-3), "int64(-3)"},
		{uint8(7), "uint8(7)"},
		{1.0, "1.0"},
		{float32(0.5), "float32(0.5)"},
		{math.Inf(-1), "math.Inf(-1)"},
		{"a\"b\n", `"a\"b\n"`},
		{Named("x"), `mock_test.Named("x")`},
		{true, "true"},
		{[]byte("hi"), `[]byte("hi")`},
		{[]byte(nil), "[]byte(nil)"},
		{[]int{1, 2}, "[]int{1, 2}"},
		{[]*Node{{Val: 1}}, "[]*mock_test.Node{{Val: 1}}"},
		{[2]string{"a", "b"}, `[2]string{"a", "b"}`},
		{map[string]int{"b": 2, "a": 1}, `map[string]int{"a": 1, "b": 2}`},
		{User{ID: 1, Name: "ada", Tags: []string{"x"}}, `mock_test.User{ID: 1, Name: "ada", Tags: []string{"x"}}`},
		{&User{Name: "ada", Boss: &User{Name: "grace"}}, `&mock_test.User{Name: "ada", Boss: &mock_test.User{Name: "grace"}}`},
		{&n, "&[]int{5}[0]"},
		{(*int)(nil), "(*int)(nil)"},
		{90 * time.Second, "90 * time.Second"},
		{1500 * time.Microsecond, "1500 * time.Microsecond"},
		{time.Date(2025, time.March, 1, 9, 30, 0, 0, time.UTC), "time.Date(2025, time.March, 1, 9, 30, 0, 0, time.UTC)"},
		{errors.New("boom"), `errors.New("boom")`},
		{context.Background(), "context.Background()"},
		{struct{ A, B int }{1, 0}, "struct { A int; B int }{A: 1}"},
		{Mixed{Every: time.Minute, Err: errors.New("x"), Any: int64(3), Ptr: &n, M: map[string]int{}, hide: "h"},
			`mock_test.Mixed{Every: 1 * time.Minute, Err: errors.New("x"), Any: int64(3), Ptr: &[]int{5}[0], M: map[string]int{}, hide: "h"}`},
	}
	for _, c := range cases {
		got := mock.GoString(c.in)
		if got != c.want {
			t.Errorf("GoString(%#v) = %s, want %s", c.in, got, c.want)
		}
		if _, err := parser.ParseExpr(got); err != nil {
			t.Errorf("GoString(%#v) = %s does not parse: %v", c.in, got, err)
		}
	}
	// Values no Go expression equals still parse, with a comment saying what they were.
	for _, x := range []any{cyc, ctx, Mixed{Fn: func() {}}, math.NaN(), make(chan int)} {
		got := mock.GoString(x)
		if _, err := parser.ParseExpr(got); err != nil {
			t.Errorf("GoString(%T) = %s does not parse: %v", x, got, err)
		}
	}
}

func TestGoStringIsBounded(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	big := make([]User, 10_000)
	for i := range big {
		big[i] = User{ID: i, Name: long[:100]}
	}
	deep := &Node{}
	for i := 0; i < 100; i++ {
		deep = &Node{Val: i, Next: deep}
	}
	for _, x := range []any{long, big, deep, map[int]string{1: long, 2: long}} {
		got := mock.GoString(x)
		if len(got) > 4096 {
			t.Errorf("GoString(%T) is %d bytes", x, len(got))
		}
		if _, err := parser.ParseExpr(got); err != nil {
			t.Errorf("bounded GoString(%T) does not parse: %v\n%s", x, err, got)
		}
	}
}
