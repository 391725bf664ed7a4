package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// A plugin written against the core API alone, as an author outside the
// project would: a key-value store client with a scripted lock.
var (
	getSource = &core.Source{Plugin: "kv", Name: "get", Fields: []string{"key", "value"}}
	putSource = &core.Source{Plugin: "kv", Name: "put", Fields: []string{"key", "value"},
		Hint: func(v []core.Value) string { return "kv.AssertPut(" + v[0].GoString() + ", " + v[1].GoString() + ")" }}
	kvSpec = &core.Spec{
		Plugin: "kv", Initial: "unlocked", Accessor: "kv",
		Steps: []core.StepSpec{
			{Name: "lock", From: []string{"unlocked"}, To: "locked", Returns: "nil", Example: "nil", Check: func(x any) bool { return x == nil }},
			{Name: "get", From: []string{"locked"}, To: "locked", Returns: "string", Example: `"v"`, Check: func(x any) bool { _, ok := x.(string); return ok }},
			{Name: "put", From: []string{"locked"}, To: "locked", Returns: "nil", Example: "nil", Check: func(x any) bool { return x == nil }},
			{Name: "unlock", From: []string{"locked"}, To: "unlocked", Returns: "nil", Example: "nil", Check: func(x any) bool { return x == nil }},
		},
	}
)

type kvClient struct {
	v *core.Verifier
	s *core.Session
}

func (c *kvClient) call(step string, record func(*core.Step) error) (*core.Step, error) {
	return c.s.Take(&core.Call{Accept: []string{step}}, record)
}

func (c *kvClient) Get(key string) (string, error) {
	st, err := c.call("get", func(st *core.Step) error {
		c.v.Record(getSource, core.String(key), core.String(st.Returns.(string)))
		return nil
	})
	if err != nil {
		return "", err
	}
	return st.Returns.(string), st.Err
}

func (c *kvClient) Put(key, value string) error {
	_, err := c.call("put", func(*core.Step) error {
		c.v.Record(putSource, core.String(key), core.String(value))
		return nil
	})
	return err
}

func TestPluginBuiltOnCore(t *testing.T) {
	v := core.New(nil)
	q := core.NewSessions(v, kvSpec)
	q.New().Expect("lock", nil).Expect("get", "1").Expect("put", nil).Expect("unlock", nil, core.Optional())
	var err error
	v.Sandbox(func() {
		c := &kvClient{v: v, s: q.Bind()}
		c.call("lock", nil)
		_, err = c.Get("n")
		if err == nil {
			err = c.Put("n", "2")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AssertInteraction(getSource, core.Fields{"key": "n", "value": core.Any()}); err != nil {
		t.Fatal(err)
	}
	// A source without a Hint gets the generic assertion in messages.
	v2 := core.New(nil)
	v2.Record(getSource, core.String("k"), core.String("v"))
	if h := v2.Interactions()[0].Hint(); h != `v.AssertInteraction(kv.get, core.Fields{"key": "k", "value": "v"})` {
		t.Errorf("generic hint %s", h)
	}
	err = v.AssertValues(putSource, core.String("n"), core.String("3"))
	var mm *core.InteractionMismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), `kv.AssertPut("n", "2")`) {
		t.Fatalf("mismatch: %v", err)
	}
	if err := v.AssertValues(putSource, core.String("n"), core.String("2")); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

func TestValueMatching(t *testing.T) {
	cases := []struct {
		want any
		got  core.Value
		ok   bool
	}{
		{[]byte("a"), core.Bytes([]byte("a")), true},
		{[]byte("a"), core.String("a"), false},
		{nil, core.Bytes(nil), true},
		{nil, core.Bytes([]byte{}), true},
		{[]byte{}, core.Bytes(nil), true},
		{nil, core.Bytes([]byte("x")), false},
		{3, core.Int(3), true},
		{3, core.Int(4), false},
		{int64(3), core.Int(3), false}, // different Go types never match
		{"s", core.String("s"), true},
		{true, core.Bool(true), true},
		{struct{ A int }{1}, core.ValueOf(struct{ A int }{1}), true},
		{core.Any(), core.Int(1), false}, // matches, but an all-wildcard assertion is rejected
		{core.Eq([]byte("q")), core.Bytes([]byte("q")), true},
		{core.Not(core.Eq(1)), core.Int(1), false},
		{core.Contains("ell"), core.Bytes([]byte("hello")), true},
		{core.Contains("ell"), core.String("help"), false},
		{core.HasPrefix("GET "), core.Bytes([]byte("GET / HTTP/1.1")), true},
		{core.Regexp(`^\d+$`), core.String("123"), true},
		{core.Regexp(`^\d+$`), core.Int(123), false},
		{core.Satisfies("even", func(n int) bool { return n%2 == 0 }), core.Int(4), true},
		{core.Satisfies("even", func(n int) bool { return n%2 == 0 }), core.String("4"), false},
	}
	for i, c := range cases {
		src := &core.Source{Plugin: "p", Name: "n", Fields: []string{"f"}}
		v := core.New(nil)
		v.Record(src, c.got)
		err := v.AssertInteraction(src, core.Fields{"f": c.want})
		if (err == nil) != c.ok {
			t.Errorf("case %d: want %#v against %s: err %v", i, c.want, c.got.GoString(), err)
		}
	}
}

func TestInAnyOrderMixesExactAndMatchers(t *testing.T) {
	v := core.New(nil)
	a := &core.Source{Plugin: "p", Name: "a", Fields: []string{"n", "s"}}
	b := &core.Source{Plugin: "p", Name: "b", Fields: []string{"n"}}
	for i := range 6 {
		v.Record(a, core.Int(i), core.String("x"))
		v.Record(b, core.Int(i))
	}
	// In order first, then the rest in any order: the index must skip the
	// ones already asserted.
	if err := v.AssertValues(a, core.Int(0), core.String("x")); err != nil {
		t.Fatal(err)
	}
	var errs []error
	v.InAnyOrder(func() {
		for i := 5; i >= 0; i-- {
			errs = append(errs, v.AssertValues(b, core.Int(i)))
		}
		errs = append(errs, v.AssertValues(a, core.ValueOf(core.Any()), core.String("x"))) // earliest left: n=1
		errs = append(errs, v.AssertValues(a, core.Int(1), core.String("x")))
	})
	if err := errors.Join(errs[:7]...); err != nil {
		t.Fatal(err)
	}
	var mm *core.InteractionMismatchError
	if !errors.As(errs[7], &mm) || !mm.InAnyOrder {
		t.Fatalf("n=1 was already asserted by the matcher; want a mismatch, got %v", errs[7])
	}
	if err := v.AssertValues(a, core.Int(2), core.String("x")); err != nil {
		t.Fatal(err)
	}
	err := v.VerifyAll()
	var un *core.UnassertedInteractionsError
	if !errors.As(err, &un) || len(un.Interactions) != 3 {
		t.Fatalf("VerifyAll: %v", err)
	}
}

func TestFailuresAreReportedOnce(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		v := core.New(ft)
		ft.Cleanup(v.VerifyAtCleanup)
		v.Report(errors.New("intercepted call failed"))
		v.Record(getSource, core.String("k"), core.String("v"))
	})
	errs := ft.Errors()
	if len(errs) != 2 || !strings.HasPrefix(errs[0], "intercepted call failed\ncalled at ") || !strings.Contains(errs[0], "core_test.go:") || !strings.Contains(errs[1], "never asserted") ||
		strings.Contains(errs[1], "intercepted call failed") {
		t.Fatalf("errors: %q", errs)
	}
	// After verification there is no test to report to; nothing panics.
	v := core.New(ft)
	v.VerifyAll()
	v.Report(errors.New("late"))
	if n := len(ft.Errors()); n != 2 {
		t.Fatalf("late failure reached the test: %q", ft.Errors())
	}
}

func TestSandboxOwnerFollowsGoroutinesOnly(t *testing.T) {
	v1, v2 := core.New(nil), core.New(nil)
	in2 := make(chan struct{})
	release := make(chan struct{})
	done2 := make(chan struct{})
	go func() { defer close(done2); v2.Sandbox(func() { close(in2); <-release }) }()
	<-in2
	v1.Sandbox(func() {
		got := make(chan core.Owner)
		go func() { // a grandchild still belongs to v1's sandbox
			go func() { got <- core.SandboxOwner(nil) }()
		}()
		if g := <-got; g.Verifier != v1 || !g.Open || g.Via != "goroutine" {
			t.Errorf("grandchild routed to %+v, want v1's open sandbox", g)
		}
	})
	// Only v2's sandbox is open now, but an unrelated goroutine does not
	// provably belong to it: it belongs to no sandbox.
	if g := core.SandboxOwner(nil); g.Found() {
		t.Errorf("unrelated goroutine routed to %+v, want no owner", g)
	}
	// A context that carries v2 routes to it; one that carries the closed
	// v1 names v1 as closed.
	if g := core.SandboxOwner(core.WithSandbox(context.Background(), v2)); g.Verifier != v2 || !g.Open || g.Via != "context" {
		t.Errorf("context of v2 routed to %+v", g)
	}
	if g := core.SandboxOwner(core.WithSandbox(context.Background(), v1)); g.Verifier != v1 || g.Open {
		t.Errorf("context of closed v1 routed to %+v, want v1 closed", g)
	}
	close(release)
	<-done2
}

func TestSandboxOwnerOfClosedSandboxGoroutine(t *testing.T) {
	ft := bftest.New(t)
	v := core.New(ft)
	leaked := make(chan chan core.Owner)
	v.Sandbox(func() {
		go func() { // a goroutine the sandbox leaves running
			ask := make(chan core.Owner)
			leaked <- ask
			ask <- core.SandboxOwner(nil)
		}()
	})
	ask := <-leaked
	g := <-ask
	if g.Open || g.Verifier != v || g.Name != t.Name() {
		t.Errorf("leaked goroutine's owner = %+v, want %s's closed sandbox", g, t.Name())
	}
}
