package kv_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	kv "github.com/bigfoot-go/bigfoot/examples/plugin"
)

// greet is code under test: it depends on a kv.Store.
func greet(ctx context.Context, s kv.Store, id string) (string, error) {
	name, err := s.Get(ctx, "user:"+id)
	if errors.Is(err, kv.ErrNotFound) {
		return "hello, stranger", nil
	}
	if err != nil {
		return "", err
	}
	return "hello, " + name, nil
}

func TestGreet(t *testing.T) {
	bf := bigfoot.New(t)
	kv.For(bf).Expect("user:1", "ada").Expect("user:2", "", bigfoot.Raises(kv.ErrNotFound))

	var a, b string
	bf.Sandbox(func() {
		a, _ = greet(context.Background(), kv.For(bf), "1")
		b, _ = greet(context.Background(), kv.For(bf), "2")
	})

	if a != "hello, ada" || b != "hello, stranger" {
		t.Fatalf("greet = %q, %q", a, b)
	}
	kv.For(bf).AssertGet("user:1", "ada")
	kv.For(bf).AssertGet("user:2", "")
}

// The failure paths, checked with bigfoot's exported fake test.

func TestUnscriptedGetFailsTheTest(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Sandbox(func() { greet(context.Background(), kv.For(bf), "9") })
	})
	for _, want := range []string{`unmocked kv call "get": Get("user:9")`, `kv.For(bf).Expect("user:9", "value")`, "kv_test.go:"} {
		if !strings.Contains(ft.All(), want) {
			t.Errorf("failure lacks %q:\n%s", want, ft.All())
		}
	}
}

func TestUnassertedAndUnusedFailTheTest(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		kv.For(bf).Expect("user:1", "ada").Expect("user:3", "cy")
		bf.Sandbox(func() { greet(context.Background(), kv.For(bf), "1") })
	})
	for _, want := range []string{`kv.For(bf).AssertGet("user:1", "ada")`, `kv: kv.For(bf).Expect("user:3", "cy") registered at`} {
		if !strings.Contains(ft.All(), want) {
			t.Errorf("failure lacks %q:\n%s", want, ft.All())
		}
	}
}

func TestWrongAssertionPointsAtTheTest(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		kv.For(bf).Expect("user:1", "ada")
		bf.Sandbox(func() { greet(context.Background(), kv.For(bf), "1") })
		kv.For(bf).AssertGet("user:1", "bob")
	})
	for _, want := range []string{`field value (first difference at byte 0: expected 'b', got 'a')`, `kv.For(bf).AssertGet("user:1", "ada")`} {
		if !strings.Contains(ft.All(), want) {
			t.Errorf("failure lacks %q:\n%s", want, ft.All())
		}
	}
}
