package mock_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/mock"
)

// Atoi and Join are real functions the code calls through variables.
var (
	Atoi = strconv.Atoi
	Join = func(sep string, parts ...string) string { return strings.Join(parts, sep) }
)

func total(xs ...string) int {
	n := 0
	for _, x := range xs {
		v, err := Atoi(x)
		if err == nil {
			n += v
		}
	}
	return n
}

func TestSpyCallsThroughAndRecords(t *testing.T) {
	bf := bigfoot.New(t)
	atoi := mock.Spy(bf, &Atoi)
	join := mock.Spy(bf, &Join)
	var n int
	var s string
	bf.Sandbox(func() {
		n = total("2", "x", "40")
		s = Join("-", "a", "b")
	})
	if n != 42 || s != "a-b" {
		t.Fatalf("got %d, %q", n, s)
	}
	atoi.AssertCall([]any{"2"}, []any{2, nil})
	atoi.AssertCall([]any{"x"}, []any{0, bigfoot.Satisfies("a syntax error", func(err error) bool { return errors.Is(err, strconv.ErrSyntax) })})
	atoi.AssertCall([]any{"40"}, []any{40, nil})
	join.AssertCall([]any{"-", "a", "b"}, []any{"a-b"})
}

func TestSpyFailures(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		atoi := mock.Spy(bf, &Atoi)
		bf.Sandbox(func() { Atoi("7") })
		Atoi("8") // outside the sandbox: refused
		_ = atoi
	})
	all := ft.All()
	contains(t, all, `mock call to Atoi("8") refused: no sandbox is open`,
		`atoi.AssertCall([]any{"7"}, []any{7, nil})`)
	_, hints, _ := strings.Cut(all, "in this order:\n")
	line, _, _ := strings.Cut(hints, "\n")
	mustParse(t, strings.TrimSpace(line))

	ft = bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		atoi := mock.Spy(bf, &Atoi)
		bf.Sandbox(func() { Atoi("7") })
		atoi.AssertCall([]any{"7"}, []any{8, nil})
	})
	contains(t, ft.Fatals()[0], `expected: Atoi("7") returned (8, nil)`, `actual:   #1 mock Atoi("7") returned (7, nil)`,
		"result0 (int):", "- 8", "+ 7")
}
