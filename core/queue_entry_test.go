package core_test

import (
	"errors"
	"fmt"
	"go/parser"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// kvExpectation is how a plugin embeds the kit's entry in its own
// expectation (Queue.AddEntry): one struct per expectation, and one static
// MatchEntry function for all of them.
type kvExpectation struct {
	entry  core.Entry
	prefix string // matches calls whose key starts with it
	answer string
}

func matchPrefix(e *core.Entry, call any) bool {
	x := e.Returns.(*kvExpectation)
	key, ok := call.(string)
	return ok && strings.HasPrefix(key, x.prefix)
}

func (x *kvExpectation) add(q *core.Queue) *core.Entry {
	x.entry = core.Entry{MatchEntry: matchPrefix, Returns: x}
	return q.AddEntry(&x.entry, core.Caller(0))
}

// AddEntry keeps the caller's entry, Take hands it back, and MatchEntry
// sees the entry it is called for.
func TestQueueAddEntryKeepsCallersStorage(t *testing.T) {
	v := core.New(nil)
	q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
	a := &kvExpectation{prefix: "user/", answer: "A"}
	b := &kvExpectation{prefix: "user/", answer: "B"}
	if got := a.add(q); got != &a.entry {
		t.Fatalf("AddEntry returned %p; want the caller's entry %p", got, &a.entry)
	}
	b.add(q)
	exact := q.Add(core.Entry{Key: "user/1", Returns: "exact"}, 0)
	for i, want := range []*core.Entry{&a.entry, &b.entry, exact} {
		got, err := q.Take("user/1", "user/1", nil)
		if err != nil || got != want {
			t.Fatalf("Take #%d = %p, %v; want %p (registration order across matched and exact entries)", i+1, got, err, want)
		}
	}
	if got, _ := q.Take("user/1", "user/1", nil); got != nil {
		t.Fatalf("Take after all used = %+v; want nil", got)
	}
	if len(q.Unused()) != 0 {
		t.Fatalf("Unused = %v; want none", q.Unused())
	}
}

// An entry of the caller's that no call takes is reported unused at
// VerifyAll, at its registration site, like one from Add.
func TestQueueAddEntryUnusedIsReported(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		v := core.New(ft)
		q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
		x := &kvExpectation{prefix: "order/"}
		x.entry = core.Entry{MatchEntry: matchPrefix, Returns: x, Script: `kv.Expect("order/")`}
		q.AddEntry(&x.entry, core.Caller(0))
		if err := v.VerifyAll(); err != nil {
			ft.Errorf("%v", err)
		}
	})
	all := ft.All()
	if !strings.Contains(all, `kv.Expect("order/")`) || !strings.Contains(all, "registered at ") {
		t.Fatalf("VerifyAll reported %q; want the unused entry's script and site", all)
	}
}

// AddEntry with Optional and Raises applies them to the caller's entry;
// Validate sees the entry itself.
func TestQueueAddEntryOptionsAndValidate(t *testing.T) {
	v := core.New(nil)
	var seen *core.Entry
	q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv", Validate: func(e *core.Entry) error { seen = e; return nil }})
	x := &kvExpectation{prefix: "a"}
	x.entry = core.Entry{MatchEntry: matchPrefix, Returns: x}
	errDown := errors.New("down")
	q.AddEntry(&x.entry, 0, core.Optional())
	if seen != &x.entry || !x.entry.Optional {
		t.Fatalf("Validate saw %p, Optional = %v; want %p and true", seen, x.entry.Optional, &x.entry)
	}
	y := &kvExpectation{prefix: "b"}
	y.entry = core.Entry{MatchEntry: matchPrefix, Returns: y}
	q.AddEntry(&y.entry, 0, core.Raises(errDown))
	if y.entry.Err != errDown {
		t.Fatalf("Err = %v; want the Raises error", y.entry.Err)
	}
	if len(q.Unused()) != 1 || q.Unused()[0] != &y.entry {
		t.Fatalf("Unused = %v; want only the required entry", q.Unused())
	}
}

// Adding one entry twice is a misuse reported at once, with a typed error
// whose fix parses as Go; the queue keeps the entry once.
func TestQueueAddEntryTwiceIsMisuse(t *testing.T) {
	ft := bftest.New(t)
	var q *core.Queue
	x := &kvExpectation{prefix: "a"}
	ft.Run(func() {
		v := core.New(ft)
		q = core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
		x.add(q)
		q.AddEntry(&x.entry, core.Caller(0))
	})
	fatals := ft.Fatals()
	if len(fatals) != 1 {
		t.Fatalf("fatals = %q; want one misuse", fatals)
	}
	msg := fatals[0]
	for _, want := range []string{"bigfoot: kv plugin added an invalid queue entry", "already been added", "first added at ", "queue_entry_test.go:", "fix:\n\t"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("misuse %q lacks %q", msg, want)
		}
	}
	checkFixParses(t, msg)
	if got, _ := q.Take("", "a1", nil); got != &x.entry {
		t.Fatalf("Take = %p; want the entry", got)
	}
	if got, _ := q.Take("", "a2", nil); got != nil {
		t.Fatalf("second Take = %p; want nil: the entry must be queued once", got)
	}
}

// Without a reporter the misuse panics with the typed error.
func TestQueueInvalidEntryErrors(t *testing.T) {
	q := core.NewQueue(core.New(nil), &core.QueueSpec{Plugin: "kv"})
	cases := []struct {
		name   string
		add    func()
		reason string
	}{
		{"nil", func() { q.AddEntry(nil, 0) }, "nil"},
		{"both funcs AddEntry", func() {
			q.AddEntry(&core.Entry{Match: func(any) bool { return true }, MatchEntry: matchPrefix}, 0)
		}, "both Match and MatchEntry"},
		{"both funcs Add", func() {
			q.Add(core.Entry{Match: func(any) bool { return true }, MatchEntry: matchPrefix}, 0)
		}, "both Match and MatchEntry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				err, _ := p.(error)
				var ie *core.InvalidEntryError
				if !errors.As(err, &ie) || !errors.Is(err, core.ErrInvalidEntry) || !strings.Contains(ie.Reason, c.reason) || ie.Plugin != "kv" {
					t.Fatalf("panic %v; want an *InvalidEntryError of kv about %q", p, c.reason)
				}
				checkFixParses(t, err.Error())
			}()
			c.add()
		})
	}
	if len(q.Unused()) != 0 {
		t.Fatalf("Unused = %v; want no entry kept from a misuse", q.Unused())
	}
}

func checkFixParses(t *testing.T, msg string) {
	t.Helper()
	_, fix, ok := strings.Cut(msg, "fix:\n\t")
	if !ok {
		t.Fatalf("message %q has no fix", msg)
	}
	if _, err := parser.ParseExpr(fix); err != nil {
		t.Fatalf("fix %q does not parse as Go: %v", fix, err)
	}
}

// One static MatchEntry serves every entry, so adding an expectation of
// the caller's allocates nothing of the queue's own (the chunks of its
// lists aside, amortized); Add with a Match closure paid one allocation
// per entry for the closure.
func TestQueueAddEntryAllocations(t *testing.T) {
	q := core.NewQueue(core.New(nil), &core.QueueSpec{Plugin: "kv"})
	xs := make([]kvExpectation, 3000)
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		x := &xs[i]
		x.prefix = "p"
		i++
		x.add(q)
	})
	if allocs >= 0.1 {
		t.Fatalf("AddEntry allocates %.2f times per entry; want almost never", allocs)
	}
	var got *core.Entry
	allocs = testing.AllocsPerRun(100, func() { got, _ = q.Take("", "q", nil) })
	if allocs != 0 || got != nil {
		t.Fatalf("Take allocates %.2f times; want 0", allocs)
	}
}

// Unused and Pending list keyed and matched entries together in
// registration order (the queue merges its two lists by sequence).
func TestQueueUnusedInRegistrationOrder(t *testing.T) {
	q := core.NewQueue(core.New(nil), &core.QueueSpec{Plugin: "kv"})
	var want []*core.Entry
	for i := range 10 {
		if i%3 == 1 {
			x := &kvExpectation{prefix: "p"}
			want = append(want, x.add(q))
		} else {
			want = append(want, q.Add(core.Entry{Key: "k"}, 0))
		}
	}
	opt := q.Add(core.Entry{Key: "opt"}, 0, core.Optional())
	if _, err := q.Take("k", "", nil); err != nil { // takes want[0]
		t.Fatal(err)
	}
	got := q.Unused()
	if len(got) != len(want)-1 {
		t.Fatalf("Unused = %d entries; want %d", len(got), len(want)-1)
	}
	for i, e := range got {
		if e != want[i+1] {
			t.Fatalf("Unused[%d] = %p; want %p (registration order)", i, e, want[i+1])
		}
	}
	pending, more := q.Pending(4)
	if len(pending) != 4 || more != len(want)-1-4+1 || pending[0] != want[1] || pending[3] != want[4] {
		t.Fatalf("Pending(4) = %v, %d more; want want[1:5] and %d more (the optional entry too)", pending, more, len(want)-4)
	}
	if all, _ := q.Pending(100); all[len(all)-1] != opt {
		t.Fatalf("Pending lists the optional entry last = %v; want it", all[len(all)-1])
	}
}

// A plugin's expectation embeds its queue entry and matches with one
// static function, so registering it allocates nothing of its own.
func ExampleQueue_AddEntry() {
	v := core.New(nil)
	q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})

	// In the plugin: the expectation, and one MatchEntry for all of them.
	type expectation struct {
		entry  core.Entry
		prefix string
		answer string
	}
	match := func(e *core.Entry, call any) bool {
		return strings.HasPrefix(call.(string), e.Returns.(*expectation).prefix)
	}
	expect := func(prefix, answer string) {
		x := &expectation{prefix: prefix, answer: answer}
		x.entry = core.Entry{MatchEntry: match, Returns: x}
		q.AddEntry(&x.entry, core.Caller(0))
	}

	expect("user/", "a user")
	expect("order/", "an order")
	for _, key := range []string{"order/7", "user/1"} {
		ent, _ := q.Take("", key, nil)
		fmt.Println(key, "->", ent.Returns.(*expectation).answer)
	}
	fmt.Println("unused:", len(q.Unused()))
	// Output:
	// order/7 -> an order
	// user/1 -> a user
	// unused: 0
}
